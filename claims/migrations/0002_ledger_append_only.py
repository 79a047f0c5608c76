"""The budget ledger is append-only: on PostgreSQL a trigger refuses UPDATE and DELETE of its rows, so
even a mistaken query or a person with database access through the application cannot rewrite it."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION claims_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'claims_ledgerentry is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER claims_ledger_append_only
    BEFORE UPDATE OR DELETE ON claims_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION claims_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS claims_ledger_append_only ON claims_ledgerentry;
DROP FUNCTION IF EXISTS claims_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("claims", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
