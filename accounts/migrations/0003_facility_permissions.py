"""Roles gain facilities: staff who run the guide edit them; reviewers and accountants set 販売終了."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_taxonomy_permissions"),
        ("facilities", "0004_search_trigram_index"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
