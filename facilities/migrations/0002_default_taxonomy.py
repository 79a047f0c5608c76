"""Seed the DOMAIN.md taxonomy in every database, production included (staff edit it afterwards)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from facilities.taxonomy import ensure_default_taxonomy

    ensure_default_taxonomy(apps)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
