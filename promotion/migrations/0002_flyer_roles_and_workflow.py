"""Editors write the flyer, moderators approve it through 公開前の確認, the administrator may read it."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_moderation_workflow, sync_roles

    sync_roles(apps)
    sync_moderation_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0011_audit_permissions"),
        ("promotion", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
