"""Roles gain participant applications: reviewers review, the city decides escalations, editors
publish notices for hotel users, and only accountants see full bank account numbers."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_facility_permissions"),
        ("participants", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
