"""Roles gain claims and settlement (実績報告・精算): reviewers check claims, accountants approve them,
set allocations, close months, make payment batches and keep the 振込元口座 setting; the city reads
claims, the budget and the reports; the system administrator reads claims and the budget."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_participant_export_log"),
        ("claims", "0003_payments_and_monthly_close"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
