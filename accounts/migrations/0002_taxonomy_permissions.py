"""Roles gain the facility taxonomy (editors and moderators edit it, admins may also delete terms)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_roles_and_moderation_workflow"),
        ("facilities", "0002_default_taxonomy"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
