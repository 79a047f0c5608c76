"""Roles gain the call center (コールセンター): operators log inquiries and quick tallies and hand in the
daily and monthly tallies; the city and the system administrator read the records, caller details
included; the system administrator keeps the list of inquiry categories."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_claims_permissions"),
        ("inquiries", "0002_seed_categories"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
