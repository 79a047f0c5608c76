"""Trigram index for the facility keyword search (PostgreSQL only).

Keyword search is a substring match on the normalised `search_text`. Japanese has no spaces to split
words on, so a word index (tsvector) cannot find 「秋保」 inside 「秋保温泉」; pg_trgm's GIN index
serves `LIKE '%…%'` in any script: patterns of three or more characters are answered from the index,
shorter ones by scanning it, which is still fast at the guide's size (see bench/). pg_trgm extracts
Japanese trigrams only in a database whose ctype is UTF-8 (C.UTF-8 or ja_JP.UTF-8). SQLite, used for
local development only, scans the table.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = "facility_search_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON facilities_facility USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("facilities", "0003_facility_participation")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_index, drop_index),
    ]
