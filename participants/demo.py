"""Demo participants: the running round's applicants, and one application per state in the next round.

The running round (`demo-current`) got about a hundred applications during its application window
(participants/demo_data.py): every earlier-round facility applied again with its business, the rest
were new; reviewers checked each one within days, sent a few back for corrections, asked the city
once, refused three, and approved the others with each facility's 配分額 (allocation), which
publishes the facilities in the guide. The next round (`demo-next`) takes applications today and
holds one application in each other state. Everything moves through `participants.services`, with
the clock at the moment each step happened (core/demo_clock.py), so every timeline is in order:
submitted, reviewed, decided, and 登録決定日 never before the submission.
"""

from __future__ import annotations

import datetime
import functools
import io
import random
from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from core import demo_clock
from facilities.demo import import_late_registrations
from facilities.demo_data import DEMO_FACILITIES
from facilities.models import Area, Facility, FacilityType, Feature, Ward

from . import frozen, services
from .demo_data import ESCALATION, Applicant, FacilityEntry, applicants
from .documents import store_document
from .models import (
    Application,
    ApplicationEvent,
    ApplicationFacility,
    ApplicationStatus,
    Business,
    Membership,
    ParticipantNotice,
)

NEXT_SLUG = "demo-next"
HOTEL_PASSWORD = "hotel-demo-2025"
S = ApplicationStatus

# (key, business name, representative, target state, facility name, kana, ward, area, address)
DEMO_BUSINESSES = [
    (
        "draft",
        "合同会社あおば旅館",
        "青葉 一郎",
        S.DRAFT,
        "あおば旅館",
        "アオバリョカン",
        "aoba",
        "downtown",
        "仙台市青葉区国分町2-5-1",
    ),
    (
        "submitted",
        "株式会社みやぎのイン",
        "宮城野 次郎",
        S.SUBMITTED,
        "みやぎのイン",
        "ミヤギノイン",
        "miyagino",
        "sendai-station",
        "仙台市宮城野区榴岡1-2-3",
    ),
    (
        "review",
        "株式会社わかばやしステイ",
        "若林 三郎",
        S.IN_REVIEW,
        "わかばやしステイ",
        "ワカバヤシステイ",
        "wakabayashi",
        "other",
        "仙台市若林区荒町100",
    ),
    (
        "returned",
        "有限会社秋保湯元館",
        "秋保 四郎",
        S.RETURNED,
        "秋保湯元館",
        "アキウユモトカン",
        "taihaku",
        "akiu-onsen",
        "仙台市太白区秋保町湯元字薬師1",
    ),
    (
        "escalated",
        "作並ゲストハウス",
        "作並 五郎",
        S.ESCALATED,
        "作並ゲストハウス",
        "サクナミゲストハウス",
        "aoba",
        "sakunami-onsen",
        "仙台市青葉区作並字元木10",
    ),
    (
        "rejected",
        "株式会社いずみ宿泊",
        "泉 六郎",
        S.REJECTED,
        "いずみ中央ホテル",
        "イズミチュウオウホテル",
        "izumi",
        "izumi-chuo",
        "仙台市泉区泉中央1-1-1",
    ),
]


def hotel_email(key: str) -> str:
    return f"hotel-{key}@example.jp"


def seed(out: TextIO) -> None:
    current = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if current is None:
        return
    next_round = _ensure_next_round(current, out)
    users = get_user_model().objects
    reviewer = users.filter(username="reviewer").first()
    city = users.filter(username="city").first()
    _play_current_round(current, reviewer, city, out)
    _freeze_participant_data(current, reviewer, out)
    import_late_registrations(current, out)
    _play_next_round(next_round, reviewer, out)
    _ensure_notices(current, out)
    out.write(f"Demo hotel users (development only): hotel-<state>@example.jp password: {HOTEL_PASSWORD}\n")


def _ensure_next_round(current: Campaign, out: TextIO) -> Campaign:
    """The next round takes applications today; its dates are kept once applications exist."""
    campaign = Campaign.objects.filter(slug=NEXT_SLUG).first()
    if campaign is not None and Application.objects.filter(campaign=campaign).exists():
        return campaign
    today = timezone.localdate()
    stay_start = max(current.stay_end + datetime.timedelta(days=15), today + datetime.timedelta(days=60))
    campaign, created = Campaign.objects.update_or_create(
        slug=NEXT_SLUG,
        defaults={
            "name": "仙台市宿泊促進キャンペーン（第2弾）",
            "name_en": "Sendai Stay Campaign (round 2)",
            "application_start": today - datetime.timedelta(days=10),
            "application_end": today + datetime.timedelta(days=30),
            # Due with the end of applications, as the spec's 5/9 was.
            "participant_data_due_on": today + datetime.timedelta(days=30),
            "stay_start": stay_start,
            "stay_end": stay_start + datetime.timedelta(days=45),
        },
    )
    out.write(
        f"Campaign {campaign.slug}: {'created' if created else 'dates moved'}; takes applications today\n"
    )
    return campaign


def _hotel_user(key: str, business: Business, *, can_log_in: bool = True):
    """The business's first member. Only the documented demo users get the known password; the
    other applicants' accounts exist (their e-mails, their membership) but cannot sign in."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=hotel_email(key), defaults={"email": hotel_email(key), "first_name": business.representative}
    )
    if created:
        if can_log_in:
            user.password = _hotel_password_hash()
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"business": business, "is_owner": True})
    return user


@functools.cache
def _hotel_password_hash() -> str:
    """The demo hotel users share one published password, so one (slow, salted) hash serves them all."""
    return make_password(HOTEL_PASSWORD)


def _business(
    name: str, representative: str, address: str, key: str, postal_code: str = "980-0811"
) -> Business:
    business, _ = Business.objects.get_or_create(
        name=name,
        defaults={
            "representative": representative,
            "representative_title": "代表取締役" if "会社" in name else "代表",
            "postal_code": postal_code,
            "address": address,
            "contact_person": "予約 担当",
            "phone": "022-200-0000",
            "email": hotel_email(key),
        },
    )
    return business


@functools.cache
def _demo_image(label: str, fmt: str) -> bytes:
    """A plain page saying what the demo document stands for (ASCII: no font needed)."""
    image = Image.new("RGB", (595, 842) if fmt == "PDF" else (640, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, image.width - 20, image.height - 20), outline="black", width=3)
    draw.text((48, 60), f"DEMO - {label}", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def _bank_and_pledges(application: Application, applicant: Applicant | None = None) -> None:
    bank_code, bank_name, branch_code, branch_name = (
        applicant.bank if applicant else ("0001", "デモ銀行", "101", "仙台支店")
    )
    application.bank_code = bank_code
    application.bank_name = bank_name
    application.branch_code = branch_code
    application.branch_name = branch_name
    application.account_type = "1"
    application.account_number = applicant.account_number if applicant else "1234567"
    application.account_holder = applicant.account_holder if applicant else "ﾃﾞﾓ ｼﾕｸﾊｸ"
    for name in Application.PLEDGE_FIELDS:
        setattr(application, name, True)
    application.pledged_at = timezone.now()
    application.save()


def _documents(application: Application, user) -> None:
    store_document(
        application,
        "licence_copy",
        SimpleUploadedFile("licence.pdf", _demo_image("LICENCE COPY", "PDF")),
        user,
    )
    store_document(
        application, "passbook_copy", SimpleUploadedFile("passbook.png", _demo_image("PASSBOOK", "PNG")), user
    )


def _add_entry(application: Application, entry: FacilityEntry, number: int) -> ApplicationFacility:
    """One facility as the applicant enters it; an earlier-round facility keeps its 施設コード."""
    facility = Facility.objects.filter(code=entry.code).first() if entry.code else None
    rooms = entry.rooms
    item = ApplicationFacility.objects.create(
        application=application,
        name=entry.name,
        kana=entry.kana,
        facility_type=FacilityType.objects.get(slug=entry.type_slug),
        ward=Ward.objects.get(slug=entry.ward),
        area=Area.objects.get(slug=entry.area),
        postal_code=entry.postal_code,
        address=entry.address,
        phone=(
            facility.phone
            if facility and facility.phone
            else f"022-{300 + number % 600:03d}-{1000 + number:04d}"
        ),
        description=entry.description,
        booking_notes="公式サイト・電話・主要な予約サイトでキャンペーン対象プランを販売しています。",
        licence_type="simple" if entry.type_slug in ("simple", "other") else "hotel_ryokan",
        licence_number=f"仙台市指令保第{1000 + number}号",
        licence_date=datetime.date(2004 + number % 19, 1 + number % 12, 1),
        room_count=rooms,
        capacity=rooms * (3 if entry.type_slug == "ryokan" else 2),
        booking_channels=["direct", "phone", "ota"] if number % 3 else ["direct", "ota", "agency"],
        facility=facility,
    )
    item.features.set(Feature.objects.filter(slug__in=entry.features))
    return item


def _allocation(entry: FacilityEntry) -> int:
    """配分額 the office decided at approval (the review screen's field), by rooms (claims/demo.py)."""
    from claims.demo import allocation_for

    return allocation_for(entry.type_slug, entry.rooms)


def _hotel_time(rng: random.Random, day: datetime.date) -> datetime.datetime:
    """Hotels fill in the form when they can: mornings, afternoons and evenings, any day."""
    return demo_clock.moment(day, rng.choice([9, 10, 11, 14, 15, 16, 19, 20, 21]), rng.randint(0, 59))


def _office_time(rng: random.Random, day: datetime.date, earliest: datetime.datetime | None = None):
    day = demo_clock.office_day(day)
    when = demo_clock.office_moment(day, rng.randint(20, 460))
    if earliest is not None and when <= earliest:
        when = demo_clock.office_moment(demo_clock.office_days(day, 1), rng.randint(20, 200))
    return when


def _play_current_round(campaign: Campaign, reviewer, city, out: TextIO) -> None:
    """The running round's application window, played from its first day to its last decision."""
    if Application.objects.filter(campaign=campaign).exists():
        return
    rng = random.Random(2025)
    window = (campaign.application_end - campaign.application_start).days
    timeline = demo_clock.Timeline(until=demo_clock.now())
    counts = {"approved": 0, "returned": 0, "escalated": 0, "rejected": 0, "draft": 0}
    for number, applicant in enumerate(applicants(DEMO_FACILITIES), start=1):
        returning = bool(applicant.facilities[0].code)
        # Returning businesses apply early; newcomers throughout, with a rush before the deadline.
        if returning:
            offset = rng.randint(1, window // 2)
        else:
            offset = rng.choice([rng.randint(2, window), rng.randint(window - 10, window)])
        submitted_on = campaign.application_start + datetime.timedelta(days=min(offset, window))
        started_on = max(
            campaign.application_start, submitted_on - datetime.timedelta(days=rng.randint(1, 6))
        )
        started = _hotel_time(rng, started_on)
        submitted = _hotel_time(rng, submitted_on)
        if submitted <= started:
            submitted = started + datetime.timedelta(hours=2)
        state: dict = {"applicant": applicant, "number": number}
        timeline.add(started, functools.partial(_start_application, campaign, state))
        counts[applicant.outcome] += 1
        if applicant.outcome == "draft":
            continue
        timeline.add(submitted, functools.partial(_submit, state))
        review = _office_time(rng, demo_clock.office_days(submitted.date(), rng.randint(1, 2)), submitted)
        timeline.add(review, functools.partial(_step, "start_review", state, reviewer))
        decided = _office_time(rng, demo_clock.office_days(review.date(), rng.randint(1, 3)), review)
        if applicant.outcome == "rejected":
            timeline.add(decided, functools.partial(_step, "reject", state, reviewer, applicant.note))
            continue
        if applicant.outcome == "returned":
            timeline.add(decided, functools.partial(_step, "return", state, reviewer, applicant.note))
            resubmitted = _hotel_time(rng, decided.date() + datetime.timedelta(days=rng.randint(1, 4)))
            timeline.add(resubmitted, functools.partial(_submit, state))
            review = _office_time(rng, demo_clock.office_days(resubmitted.date(), 1), resubmitted)
            timeline.add(review, functools.partial(_step, "start_review", state, reviewer))
            decided = _office_time(rng, demo_clock.office_days(review.date(), rng.randint(1, 2)), review)
        elif applicant.outcome == "escalated":
            question, answer = ESCALATION
            timeline.add(decided, functools.partial(_step, "escalate", state, reviewer, question))
            answered = _office_time(rng, demo_clock.office_days(decided.date(), 2), decided)
            timeline.add(answered, functools.partial(_step, "decide", state, city, answer))
            decided = _office_time(rng, demo_clock.office_days(answered.date(), 1), answered)
        checked = decided - datetime.timedelta(minutes=rng.randint(5, 15))
        timeline.add(checked, functools.partial(_step, "checklist", state, reviewer))
        timeline.add(decided, functools.partial(_step, "approve", state, reviewer))
    timeline.play()
    out.write(
        f"Demo applications of {campaign.slug}: {counts['approved'] + counts['returned'] + counts['escalated']} "
        f"approved ({counts['returned']} after 差戻し, {counts['escalated']} after the city's answer), "
        f"{counts['rejected']} rejected, {counts['draft']} drafts\n"
    )


def _freeze_participant_data(campaign: Campaign, reviewer, out: TextIO) -> None:
    """The 参加事業者データ（確定版）, frozen the business day after the round's last decision and due on
    the last business day before the stays, as the spec's 5/9 came before its 5/26: the late imports
    that follow show in the 差分 of every later export."""
    if reviewer is None or frozen.snapshot_of(campaign) is not None:
        return
    last = (
        ApplicationEvent.objects.filter(application__campaign=campaign)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
    ).first()
    if last is None:
        return
    when = demo_clock.office_moment(demo_clock.office_days(timezone.localtime(last).date(), 1), 60)
    due = max(when.date(), demo_clock.office_days(campaign.stay_start, -1))
    if when > demo_clock.now():
        return
    Campaign.objects.filter(pk=campaign.pk).update(participant_data_due_on=due)
    campaign.refresh_from_db()
    with demo_clock.at(when):
        snapshot = frozen.freeze(campaign, reviewer)
    out.write(
        f"参加事業者データ of {campaign.slug}: 確定版 frozen on {when:%Y-%m-%d} ({snapshot.row_count} rows)\n"
    )


def _start_application(campaign: Campaign, state: dict) -> None:
    """The hotel signs up, registers its business and fills in the application (a draft)."""
    applicant: Applicant = state["applicant"]
    first = applicant.facilities[0]
    business = _business(
        applicant.name, applicant.representative, first.address, applicant.key, first.postal_code
    )
    user = _hotel_user(applicant.key, business, can_log_in=applicant.key == "approved")
    application = Application.objects.create(campaign=campaign, business=business, created_by=user)
    for index, entry in enumerate(applicant.facilities):
        _add_entry(application, entry, state["number"] * 3 + index)
    if applicant.outcome != "draft":
        _bank_and_pledges(application, applicant)
        _documents(application, user)
    state.update(application=application, user=user)


def _submit(state: dict) -> None:
    state["application"] = services.submit(state["application"], state["user"])


def _step(step: str, state: dict, actor, note: str = "") -> None:
    """One reviewer's (or the city's) action on the application, through the workflow service."""
    application = state["application"]
    if step == "start_review":
        application = services.start_review(application, actor)
    elif step == "checklist":
        application = services.save_checklist(
            application, actor, dict.fromkeys(Application.CHECKLIST_FIELDS, True)
        )
    elif step == "return":
        application = services.return_for_correction(application, actor, note)
    elif step == "escalate":
        application = services.escalate(application, actor, note)
    elif step == "decide":
        application = services.record_city_decision(application, actor, note)
    elif step == "reject":
        application = services.reject(application, actor, note)
    elif step == "approve":
        applicant: Applicant = state["applicant"]
        entries = list(application.facilities.order_by("created_at", "pk"))
        allocations = {
            item.pk: _allocation(entry) for item, entry in zip(entries, applicant.facilities, strict=True)
        }
        application = services.approve(application, actor, allocations=allocations)
    state["application"] = application


def _play_next_round(campaign: Campaign, reviewer, out: TextIO) -> None:
    """One application per state in the round that takes applications today, each moved there over
    the last business days (the newest work of the review desk)."""
    slots = list(
        reversed(demo_clock.office_slots_before(demo_clock.now(), 16, gap_minutes=45))
    )  # oldest first
    # key -> (submitted, reviewed, decided) as indices into `slots`
    plan = {"draft": (3, None, None), "submitted": (13, None, None), "review": (6, 10, None),
            "returned": (1, 4, 8), "escalated": (2, 5, 9), "rejected": (0, 3, 7)}  # fmt: skip
    for key, name, representative, target, facility_name, kana, ward, area, address in DEMO_BUSINESSES:
        business = _business(name, representative, address, key)
        if Application.objects.filter(campaign=campaign, business=business).exists():
            continue
        submitted, reviewed, decided = plan[key]
        started = max(
            slots[submitted] - datetime.timedelta(hours=1),
            demo_clock.moment(campaign.application_start, 9),
        )
        with demo_clock.at(started):
            user = _hotel_user(key, business)
            application = Application.objects.create(campaign=campaign, business=business, created_by=user)
            if target == S.DRAFT:
                application.bank_code = "0001"
                application.save()
                out.write(f"Demo application of {name}: draft\n")
                continue
            _bank_and_pledges(application)
            entry = FacilityEntry(facility_name, kana, "ryokan" if "旅館" in facility_name else "hotel", ward,
                                  area, address, "980-0000", 24, ["wifi", "parking"], "デモ用の申請施設です。")  # fmt: skip
            _add_entry(application, entry, 900 + len(key))
            _documents(application, user)
        with demo_clock.at(slots[submitted]):
            services.submit(application, user)
        if reviewed is not None:
            with demo_clock.at(slots[reviewed]):
                services.start_review(application, reviewer)
        if decided is not None:
            with demo_clock.at(slots[decided]):
                if target == S.RETURNED:
                    services.return_for_correction(
                        application,
                        reviewer,
                        "通帳の写しの口座名義が読み取れません。鮮明な画像を再度アップロードしてください。",
                    )
                elif target == S.ESCALATED:
                    services.escalate(
                        application,
                        reviewer,
                        "簡易宿所の許可ですが客室数が多く、旅館業法上の種別の確認をお願いします。",
                    )
                elif target == S.REJECTED:
                    services.reject(
                        application, reviewer, "申請施設が仙台市外に所在するため、参加の対象外です。"
                    )
        out.write(f"Demo application of {name}: {ApplicationStatus(target).label}\n")


def _ensure_notices(campaign: Campaign, out: TextIO) -> None:
    if ParticipantNotice.objects.exists():
        return
    manual = ParticipantNotice(
        title="参加事業者マニュアル",
        is_manual=True,
        body=(
            "<h3>1. 割引の適用</h3><p>宿泊料金（税込）の20%を割引します。1人1泊あたりの上限は3,000円、"
            "1人1泊あたりの宿泊料金が3,000円以上の宿泊が対象です。1回の宿泊で最大7泊まで対象となります。</p>"
            "<h3>2. 実績報告</h3><p>毎月末で締め、翌月10日までに参加事業者専用ページから実績報告をしてください。</p>"
            "<h3>3. 販売終了</h3><p>配分額に達したら、専用ページから販売終了を登録してください。</p>"
        ),
    )
    notice = ParticipantNotice(
        title="実績報告の受付を開始しました",
        campaign=campaign,
        body="<p>実績報告は毎月末締めです。テンプレートファイルは専用ページからダウンロードできます。</p>",
    )
    # The manual went out with the call for applications, the notice when the stays began.
    for item, day in ((manual, campaign.application_start), (notice, campaign.stay_start)):
        when = demo_clock.office_moment(demo_clock.office_day(day), 60)
        with demo_clock.at(min(when, demo_clock.now())):
            item.save()
            item.save_revision().publish()
    out.write("Demo notices for participants: the manual and one notice\n")
