"""Demo data of the facility guide: the DOMAIN.md taxonomy, forty fictional facilities taking part in
the running demo round (a few sold out), and the guide page in Japanese and English."""

from __future__ import annotations

import datetime
from typing import TextIO

from django.apps import apps
from django.utils import timezone
from wagtail.models import Locale

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from cms.models import HomePage

from .demo_data import DEMO_FACILITIES, DEMO_SOLD_OUT
from .models import Area, Facility, FacilityGuidePage, FacilityType, Feature, Participation, Ward
from .taxonomy import ensure_default_taxonomy

GUIDE_SLUG = "facilities"


def seed(out: TextIO) -> None:
    created = ensure_default_taxonomy(apps)
    out.write(f"Facility taxonomy: {created} default terms added\n")
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is not None:
        _ensure_facilities(campaign, out)
    _ensure_guide_pages(out)


def _ensure_facilities(campaign: Campaign, out: TextIO) -> None:
    wards = {t.slug: t for t in Ward.objects.all()}
    areas = {t.slug: t for t in Area.objects.all()}
    types = {t.slug: t for t in FacilityType.objects.all()}
    features = {t.slug: t for t in Feature.objects.all()}
    existing = set(
        Facility.objects.filter(code__in=[row[0] for row in DEMO_FACILITIES]).values_list("code", flat=True)
    )
    created = 0
    for (
        code,
        name,
        kana,
        type_slug,
        ward,
        area,
        address,
        feature_slugs,
        rooms,
        description,
    ) in DEMO_FACILITIES:
        if code in existing:
            continue
        number = int(code[1:])
        facility = Facility(
            code=code,
            name=name,
            kana=kana,
            facility_type=types[type_slug],
            ward=wards[ward],
            area=areas[area],
            address=address,
            phone=f"022-000-{number:04d}",
            description=description,
            room_count=rooms,
            booking_notes="公式サイト・電話・主要な予約サイトでキャンペーン対象プランを販売しています。",
        )
        facility.save()
        facility.features.set([features[slug] for slug in feature_slugs])
        facility.refresh_search_text()
        created += 1
    now = timezone.now()
    for facility in Facility.objects.filter(code__in=[row[0] for row in DEMO_FACILITIES]):
        participation, _ = Participation.objects.get_or_create(
            facility=facility, campaign=campaign, defaults={"approved_on": campaign.application_start}
        )
        days = DEMO_SOLD_OUT.get(facility.code)
        if days is not None and participation.sold_out_at is None and facility.code not in existing:
            participation.sold_out_at = now - datetime.timedelta(days=days)
            participation.save(update_fields=["sold_out_at"])
    out.write(f"Demo facilities: {created} created, {len(DEMO_FACILITIES)} take part in {campaign.slug}\n")


def _ensure_guide_pages(out: TextIO) -> None:
    home = HomePage.objects.filter(locale__language_code="ja", depth=2).first()
    if home is None:
        return
    guide = FacilityGuidePage.objects.child_of(home).first()
    if guide is None:
        guide = FacilityGuidePage(
            title="参加施設のご案内",
            slug=GUIDE_SLUG,
            show_in_menus=True,
            intro="キャンペーンに参加している仙台市内の宿泊施設です。施設名や地域、特徴から探せます。",
            sold_out_intro="割引の販売を終了した施設です。販売終了後は、これらの施設でキャンペーンの割引は利用できません。",
        )
        home.add_child(instance=guide)
        guide.save_revision().publish()
        _move_to_second_place(guide)
        _point_traveller_button(home, guide, "参加施設を探す")
        out.write("Created the facility guide page\n")
    english = Locale.objects.filter(language_code="en").first()
    if english is not None and guide.get_translation_or_none(english) is None:
        translation = guide.copy_for_translation(english)
        translation.title = "Participating facilities"
        translation.intro = (
            "Lodging facilities in Sendai taking part in the campaign. Search by name, area or feature."
        )
        translation.sold_out_intro = "These facilities no longer sell discounted stays."
        translation.save()
        translation.save_revision().publish()
        _move_to_second_place(translation)
        home_en = HomePage.objects.filter(locale=english, depth=2).first()
        if home_en is not None:
            _point_traveller_button(home_en, guide, "Find a facility")
        out.write("Translated the facility guide page into en\n")


def _point_traveller_button(home: HomePage, guide: FacilityGuidePage, label: str) -> None:
    """The home page's call to action for travellers leads to the guide once it exists."""
    home = HomePage.objects.get(pk=home.pk)  # fresh tree fields: publishing writes numchild back
    home.traveller_cta_page = guide
    home.traveller_cta_label = label
    home.save_revision().publish()


def _move_to_second_place(page: FacilityGuidePage) -> None:
    """Right after キャンペーン概要 in the menu, where travellers look first."""
    siblings = list(page.get_siblings(inclusive=False).order_by("path"))
    if siblings:
        page.move(siblings[0], pos="right")
