"""Create the DOMAIN.md role groups, their permissions and the 公開前の確認 moderation workflow."""

from django.db import migrations


def forwards(apps, schema_editor):
    from accounts.roles import sync_moderation_workflow, sync_roles

    sync_roles(apps)
    sync_moderation_workflow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtail_localize", "0016_rename_page_revision_translationlog_revision"),
        ("campaigns", "0001_initial"),
        ("cms", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
