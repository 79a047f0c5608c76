"""The Sendai taxonomy of DOMAIN.md, seeded by default and then edited by staff.

Kept free of model imports so that both the data migration and `seed_demo` can apply it.
Slugs are the values in public URLs (`?ward=aoba`) and never change once created.
"""

from __future__ import annotations

from typing import Any

# model name -> [(slug, Japanese name, English name)]
DEFAULT_TAXONOMY: dict[str, list[tuple[str, str, str]]] = {
    "Ward": [
        ("aoba", "青葉区", "Aoba Ward"),
        ("miyagino", "宮城野区", "Miyagino Ward"),
        ("wakabayashi", "若林区", "Wakabayashi Ward"),
        ("taihaku", "太白区", "Taihaku Ward"),
        ("izumi", "泉区", "Izumi Ward"),
    ],
    "Area": [
        ("sendai-station", "仙台駅周辺", "Around Sendai Station"),
        ("downtown", "一番町・国分町周辺", "Ichibancho and Kokubuncho"),
        ("akiu-onsen", "秋保温泉", "Akiu Onsen"),
        ("sakunami-onsen", "作並温泉", "Sakunami Onsen"),
        ("izumi-chuo", "泉中央・泉ヶ岳", "Izumi-Chuo and Mt. Izumigatake"),
        ("other", "その他の地域", "Other areas"),
    ],
    "FacilityType": [
        ("hotel", "ホテル", "Hotel"),
        ("ryokan", "旅館", "Ryokan (Japanese inn)"),
        ("simple", "簡易宿所", "Guesthouse"),
        ("other", "その他", "Other"),
    ],
    "Feature": [
        ("onsen", "温泉", "Hot spring"),
        ("large-bath", "大浴場", "Large public bath"),
        ("parking", "駐車場", "Parking"),
        ("breakfast", "朝食付きプラン", "Breakfast plans"),
        ("barrier-free", "バリアフリー対応", "Barrier-free"),
        ("non-smoking", "禁煙ルーム", "Non-smoking rooms"),
        ("pets", "ペット同伴可", "Pets allowed"),
        ("wifi", "Wi-Fi", "Wi-Fi"),
        ("near-station", "駅から徒歩10分以内", "Within 10 minutes' walk of a station"),
        ("family", "ファミリー向け", "Family-friendly"),
    ],
}


def ensure_default_taxonomy(apps: Any) -> int:
    """Create the missing default terms; never renames or reorders what staff changed. Returns created."""
    created = 0
    for model_name, terms in DEFAULT_TAXONOMY.items():
        model = apps.get_model("facilities", model_name)
        for order, (slug, name, name_en) in enumerate(terms):
            _, was_created = model.objects.get_or_create(
                slug=slug, defaults={"name": name, "name_en": name_en, "sort_order": order}
            )
            created += int(was_created)
    return created
