"""FAQ entries go through the moderation workflow (公開前の確認) like pages: editors submit, moderators approve."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_moderation_workflow

    sync_moderation_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_faq_permissions"),
        ("inquiries", "0003_faq"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
