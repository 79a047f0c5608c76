"""Reviewers and accountants freeze the 参加事業者データ（確定版）; they and the city download it."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_report_permissions"),
        ("participants", "0002_participant_snapshot"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
