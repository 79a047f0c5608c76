"""Roles gain よくある質問: editors write and translate entries, moderators publish them, operators turn
an inquiry into a draft entry ("FAQ にする")."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_inquiry_permissions"),
        ("inquiries", "0003_faq"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
