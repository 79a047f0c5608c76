"""The five 応答内容 of the spec (コールセンター 5) as the initial, editable list of categories."""

from django.db import migrations

CATEGORIES = [
    ("overview", "キャンペーンの概要", "Campaign overview"),
    ("processing", "申請受付や審査の状況その他事務処理", "Applications, review status and other procedures"),
    ("traveller-info", "利用可能施設など利用者向け情報", "Information for travellers, such as facilities"),
    ("business-info", "参加方法など事業者向け情報", "Information for businesses, such as how to join"),
    ("other", "その他", "Other"),
]


def forwards(apps, schema_editor):
    InquiryCategory = apps.get_model("inquiries", "InquiryCategory")
    for order, (slug, name, name_en) in enumerate(CATEGORIES, start=1):
        InquiryCategory.objects.get_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "sort_order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("inquiries", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
