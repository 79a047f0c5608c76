"""Demo participants: hotel users and applications in every state of the review workflow.

The running demo round gets one approved business that owns two of the demo facilities; a second
round (`demo-next`) takes applications today and holds one application in each other state, moved
there through `participants.services` exactly as people would move them.
"""

from __future__ import annotations

import datetime
import io
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from facilities.models import Area, Facility, FacilityType, Feature, Ward

from . import services
from .documents import store_document
from .models import (
    Application,
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
APPROVED_BUSINESS = "株式会社杜の都ホテルズ"
APPROVED_FACILITY_CODES = ["D001", "D002"]


def hotel_email(key: str) -> str:
    return f"hotel-{key}@example.jp"


def seed(out: TextIO) -> None:
    current = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if current is None:
        return
    next_round = _ensure_next_round(current, out)
    reviewer = get_user_model().objects.filter(username="reviewer").first()
    city = get_user_model().objects.filter(username="city").first()
    _ensure_approved(current, reviewer, out)
    for row in DEMO_BUSINESSES:
        _ensure_application(next_round, row, reviewer, city, out)
    _ensure_notices(current, out)
    out.write(f"Demo hotel users (development only): hotel-<state>@example.jp password: {HOTEL_PASSWORD}\n")


def _ensure_next_round(current: Campaign, out: TextIO) -> Campaign:
    today = timezone.localdate()
    stay_start = max(current.stay_end + datetime.timedelta(days=15), today + datetime.timedelta(days=60))
    campaign, created = Campaign.objects.update_or_create(
        slug=NEXT_SLUG,
        defaults={
            "name": "仙台市宿泊促進キャンペーン（第2弾）",
            "name_en": "Sendai Stay Campaign (round 2)",
            "application_start": today - datetime.timedelta(days=10),
            "application_end": today + datetime.timedelta(days=30),
            "stay_start": stay_start,
            "stay_end": stay_start + datetime.timedelta(days=45),
        },
    )
    out.write(
        f"Campaign {campaign.slug}: {'created' if created else 'dates moved'}; takes applications today\n"
    )
    return campaign


def _hotel_user(key: str, business: Business):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=hotel_email(key), defaults={"email": hotel_email(key), "first_name": business.representative}
    )
    if created:
        user.set_password(HOTEL_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, defaults={"business": business, "is_owner": True})
    return user


def _business(name: str, representative: str, address: str, key: str) -> Business:
    business, _ = Business.objects.get_or_create(
        name=name,
        defaults={
            "representative": representative,
            "representative_title": "代表取締役",
            "postal_code": "980-0811",
            "address": address,
            "contact_person": "予約 担当",
            "phone": "022-200-0000",
            "email": hotel_email(key),
        },
    )
    return business


def _demo_image(label: str, fmt: str) -> bytes:
    """A plain page saying what the demo document stands for (ASCII: no font needed)."""
    image = Image.new("RGB", (595, 842) if fmt == "PDF" else (640, 400), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, image.width - 20, image.height - 20), outline="black", width=3)
    draw.text((48, 60), f"DEMO - {label}", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def _fill(
    application: Application, facility_name: str, kana: str, ward: str, area: str, address: str
) -> None:
    application.bank_code = "0001"
    application.bank_name = "デモ銀行"
    application.branch_code = "101"
    application.branch_name = "仙台支店"
    application.account_type = "1"
    application.account_number = "1234567"
    application.account_holder = "ﾃﾞﾓ ｼﾕｸﾊｸ"
    for name in Application.PLEDGE_FIELDS:
        setattr(application, name, True)
    application.pledged_at = timezone.now()
    application.save()
    entry = ApplicationFacility.objects.create(
        application=application,
        name=facility_name,
        kana=kana,
        facility_type=FacilityType.objects.get(slug="ryokan" if "旅館" in facility_name else "hotel"),
        ward=Ward.objects.get(slug=ward),
        area=Area.objects.get(slug=area),
        postal_code="980-0000",
        address=address,
        phone="022-200-0001",
        licence_type="hotel_ryokan",
        licence_number="仙台市指令青保第1234号",
        licence_date=datetime.date(2018, 4, 1),
        room_count=24,
        capacity=60,
        booking_channels=["direct", "phone", "ota"],
        description="デモ用の申請施設です。",
    )
    entry.features.set(Feature.objects.filter(slug__in=["wifi", "parking"]))
    store_document(
        application,
        "licence_copy",
        SimpleUploadedFile("licence.pdf", _demo_image("LICENCE COPY", "PDF")),
        None,
    )
    store_document(
        application, "passbook_copy", SimpleUploadedFile("passbook.png", _demo_image("PASSBOOK", "PNG")), None
    )


def _ensure_application(campaign: Campaign, row, reviewer, city, out: TextIO) -> None:
    key, name, representative, target, facility_name, kana, ward, area, address = row
    business = _business(name, representative, address, key)
    user = _hotel_user(key, business)
    if Application.objects.filter(campaign=campaign, business=business).exists():
        return
    application = Application.objects.create(campaign=campaign, business=business, created_by=user)
    if target == S.DRAFT:
        application.bank_code = "0001"
        application.save()
        out.write(f"Demo application of {name}: draft\n")
        return
    _fill(application, facility_name, kana, ward, area, address)
    services.submit(application, user)
    if target != S.SUBMITTED:
        services.start_review(application, reviewer)
    if target == S.RETURNED:
        services.return_for_correction(
            application,
            reviewer,
            "通帳の写しの口座名義が読み取れません。鮮明な画像を再度アップロードしてください。",
        )
    elif target == S.ESCALATED:
        services.escalate(
            application, reviewer, "簡易宿所の許可ですが客室数が多く、旅館業法上の種別の確認をお願いします。"
        )
    elif target == S.REJECTED:
        services.reject(application, reviewer, "申請施設が仙台市外に所在するため、参加の対象外です。")
    out.write(f"Demo application of {name}: {ApplicationStatus(target).label}\n")


def _ensure_approved(campaign: Campaign, reviewer, out: TextIO) -> None:
    """The business behind two running demo facilities, approved before the stays began."""
    facilities = list(Facility.objects.filter(code__in=APPROVED_FACILITY_CODES).order_by("code"))
    if len(facilities) != len(APPROVED_FACILITY_CODES):
        return
    business = _business(APPROVED_BUSINESS, "杜野 都", facilities[0].address, "approved")
    _hotel_user("approved", business)
    if Application.objects.filter(campaign=campaign, business=business).exists():
        return
    application = Application.objects.create(campaign=campaign, business=business)
    _fill(
        application, facilities[0].name, facilities[0].kana, "aoba", "sendai-station", facilities[0].address
    )
    application.facilities.all().delete()
    for facility in facilities:
        entry = ApplicationFacility.objects.create(
            application=application,
            name=facility.name,
            kana=facility.kana,
            facility_type=facility.facility_type,
            ward=facility.ward,
            area=facility.area,
            postal_code="980-0021",
            address=facility.address,
            phone=facility.phone or "022-200-0002",
            website=facility.website,
            description=facility.description,
            booking_notes=facility.booking_notes,
            licence_type="hotel_ryokan",
            licence_number=f"仙台市指令青保第{facility.pk:04d}号",
            licence_date=datetime.date(2010, 4, 1),
            room_count=facility.room_count or 100,
            capacity=(facility.room_count or 100) * 2,
            booking_channels=["direct", "ota", "agency"],
            facility=facility,
        )
        entry.features.set(facility.features.all())
    services.submit(application, None, today=campaign.application_start)
    services.start_review(application, reviewer)
    services.save_checklist(application, reviewer, dict.fromkeys(Application.CHECKLIST_FIELDS, True))
    services.approve(application, reviewer, approved_on=campaign.application_start)
    out.write(f"Demo application of {APPROVED_BUSINESS}: approved ({', '.join(APPROVED_FACILITY_CODES)})\n")


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
    manual.save()
    manual.save_revision().publish()
    notice = ParticipantNotice(
        title="実績報告の受付を開始しました",
        campaign=campaign,
        body="<p>実績報告は毎月末締めです。テンプレートファイルは専用ページからダウンロードできます。</p>",
    )
    notice.save()
    notice.save_revision().publish()
    out.write("Demo notices for participants: the manual and one notice\n")
