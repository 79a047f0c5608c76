"""Demo data of the facility guide: the DOMAIN.md taxonomy, the facilities the office registered by
bulk import (`importing.import_facilities`, the 施設一覧 file staff upload), and the guide page in
Japanese and English.

D001–D040 come from the earlier round's facility file, imported into the spec round `sendai-2025`
before its stays; they take part in the running round through their businesses' applications
(participants/demo.py). D041–D048 joined the running round late: the office imported an inn
association's list into it after the stays began (`import_late_registrations`, played by the
participants' demo after the round's 確定版). Imports run with the clock at the day they
happened (core/demo_clock.py) and only for facilities that do not exist yet.
"""

from __future__ import annotations

import datetime
import io
from typing import TextIO

from django.apps import apps
from wagtail.models import Locale

from campaigns.demo import SPEC_SLUG
from campaigns.models import Campaign
from cms.models import HomePage
from core import demo_clock
from core.security import SafeCSVWriter

from .demo_data import DEMO_FACILITIES, LATE_FACILITIES
from .importing import COLUMNS, import_facilities
from .models import Facility, FacilityGuidePage
from .taxonomy import ensure_default_taxonomy

GUIDE_SLUG = "facilities"
# The earlier round's facility list was fixed (参加事業者データ確定) and imported on this day.
EARLIER_ROUND_IMPORT = datetime.datetime(2025, 5, 9, 15, 30, tzinfo=demo_clock.TOKYO)
# The late registrations came in this many days after the running round's stays began.
LATE_IMPORT_AFTER_STAYS_BEGAN = 75

Row = tuple[str, str, str, str, str, str, str, list[str], int, str]


def seed(out: TextIO) -> None:
    created = ensure_default_taxonomy(apps)
    out.write(f"Facility taxonomy: {created} default terms added\n")
    spec_round = Campaign.objects.filter(slug=SPEC_SLUG).first()
    if spec_round is not None:
        _import(spec_round, DEMO_FACILITIES, EARLIER_ROUND_IMPORT, "shisetsu-ichiran-r7.csv", out)
    _ensure_guide_pages(out)


def import_late_registrations(campaign: Campaign, out: TextIO) -> None:
    """D041–D048, imported into the running round well after its stays began. Called by the
    participants' demo once the round's 確定版 is frozen, so the frozen file does not list them and
    the 差分 of a later export does, as it happened."""
    when = demo_clock.office_moment(late_import_day(campaign), 5 * 60)
    if when <= demo_clock.now():
        _import(campaign, LATE_FACILITIES, when, "kumiai-tsuika.csv", out)


def late_import_day(campaign: Campaign) -> datetime.date:
    """The day the late registrations were imported (their 登録決定日)."""
    after = datetime.timedelta(days=LATE_IMPORT_AFTER_STAYS_BEGAN)
    return demo_clock.office_day(campaign.stay_start + after)


def facility_file(rows: list[Row], approved_on: datetime.date) -> bytes:
    """The 施設一覧 as staff would upload it (DOMAIN.md "Facility file", CSV with BOM for Excel)."""
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for code, name, kana, type_slug, ward, area, address, features, rooms, description in rows:
        number = int(code[1:])
        writer.writerow(
            [
                code,
                name,
                kana,
                type_slug,
                ward,
                area,
                address,
                f"022-{200 + number:03d}-{1000 + number * 37:04d}",
                "",
                ",".join(features),
                description,
                rooms,
                "販売中",
                approved_on.isoformat(),
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _import(campaign: Campaign, rows: list[Row], when: datetime.datetime, filename: str, out: TextIO) -> None:
    existing = set(Facility.objects.filter(code__in=[row[0] for row in rows]).values_list("code", flat=True))
    missing = [row for row in rows if row[0] not in existing]
    if not missing:
        return
    with demo_clock.at(when):
        result = import_facilities(
            facility_file(missing, when.date()), filename=filename, campaign=campaign, user=None
        )
    if not result.ok:
        raise RuntimeError(f"demo facility file refused: {result.errors[:3]}")
    out.write(f"Demo facilities imported into {campaign.slug} on {when:%Y-%m-%d}: {result.created}\n")


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
