"""The application workflow rules (participants.services), Zengin names and document checks."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from core.zengin import to_zengin_kana, validate_zengin_kana
from facilities.models import Facility, Participation
from participants import services
from participants.documents import validate_document
from participants.models import ApplicationStatus, EventKind

from .factories import (
    PDF_BYTES,
    ApplicationFactory,
    CampaignFactory,
    UserFactory,
    complete_application,
    make_member,
    png_bytes,
)

S = ApplicationStatus
pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer():
    return UserFactory(role="reviewer")


def _in_review(reviewer, **kwargs):
    application = complete_application(**kwargs)
    member = make_member(application.business)
    services.submit(application, member)
    return services.start_review(application, reviewer)


def test_incomplete_draft_lists_everything_missing():
    application = ApplicationFactory(bank_code="", pledge_privacy=False)
    with pytest.raises(services.TransitionError) as error:
        services.submit(application, None)
    message = str(error.value)
    assert "施設を1件以上登録してください。" in message
    assert "金融機関コード" in message
    assert "営業許可証の写し" in message
    assert "誓約事項のすべてに同意してください。" in message
    application.refresh_from_db()
    assert application.status == S.DRAFT and application.number is None


def test_submit_numbers_records_and_mails(django_capture_on_commit_callbacks):
    application = complete_application()
    member = make_member(application.business, email="owner@hotel.example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(application, member)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.number == 1 and application.reference == f"R{application.campaign_id}-A00001"
    event = application.events.get()
    assert (event.from_status, event.to_status, event.actor) == (S.DRAFT, S.SUBMITTED, member)
    assert event.visible_to_applicant
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {application.business.email, "owner@hotel.example.jp"}
    assert application.business.name in message.body
    assert f"受付番号 R{application.campaign_id}-A00001" in message.body
    assert application.account_number not in message.body  # no personal data beyond the name
    assert "/members/" in message.body


def test_second_application_of_a_round_gets_the_next_number():
    first = complete_application()
    second = complete_application(campaign=first.campaign)
    services.submit(first, None)
    services.submit(second, None)
    second.refresh_from_db()
    assert second.number == 2


def test_first_submission_after_the_deadline_is_refused():
    closed = CampaignFactory()  # stays already running: applications closed
    application = complete_application(campaign=closed)
    with pytest.raises(services.TransitionError, match=r"受付は.*で終了しました"):
        services.submit(application, None)
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_return_and_resubmit_after_the_deadline(reviewer, django_capture_on_commit_callbacks):
    application = _in_review(reviewer)
    with pytest.raises(services.TransitionError, match="差戻しの理由"):
        services.return_for_correction(application, reviewer, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_correction(application, reviewer, "通帳の写しが不鮮明です。")
    application.refresh_from_db()
    assert application.status == S.RETURNED and application.is_editable_by_applicant
    assert "差戻し" in mail.outbox[-1].subject
    assert "不鮮明" not in mail.outbox[-1].body  # reasons are read behind the login
    # The window closed meanwhile: a returned application may still be corrected and resubmitted.
    later = application.campaign.application_end + datetime.timedelta(days=1)
    services.submit(application, None, today=later)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.number == 1
    timeline = [(e.from_status, e.to_status) for e in services.applicant_timeline(application)]
    assert timeline[-2:] == [(S.IN_REVIEW, S.RETURNED), (S.RETURNED, S.SUBMITTED)]


def test_escalation_goes_to_the_city_and_comes_back(reviewer):
    city = UserFactory(role="city")
    application = _in_review(reviewer)
    services.escalate(application, reviewer, "簡易宿所の許可番号の形式が通常と異なる。")
    application.refresh_from_db()
    assert application.status == S.ESCALATED
    with pytest.raises(services.TransitionError):
        services.approve(application, reviewer)
    services.record_city_decision(application, city, "許可証の原本を確認のうえ承認して差し支えない。")
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    decision = application.events.filter(kind=EventKind.CITY_DECISION).get()
    assert decision.actor == city and not decision.visible_to_applicant
    assert not services.applicant_timeline(application).filter(to_status=S.ESCALATED).exists()


def test_approval_needs_the_whole_checklist(reviewer):
    application = _in_review(reviewer)
    services.save_checklist(application, reviewer, {"check_licence": True, "check_in_sendai": True})
    with pytest.raises(services.TransitionError, match="チェックリスト"):
        services.approve(application, reviewer)
    assert not Facility.objects.filter(business=application.business).exists()


def test_approval_publishes_the_facilities_for_the_round(reviewer, django_capture_on_commit_callbacks):
    application = _in_review(reviewer)
    entry = application.facilities.get()
    services.save_checklist(application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True))
    with django_capture_on_commit_callbacks(execute=True):
        services.approve(application, reviewer, approved_on=datetime.date(2025, 5, 1))
    application.refresh_from_db()
    entry.refresh_from_db()
    assert application.status == S.APPROVED and application.approved_on == datetime.date(2025, 5, 1)
    facility = entry.facility
    assert facility.code == f"R{application.campaign_id}-A00001-1"
    assert facility.is_published and facility.business == application.business
    assert facility.name == entry.name
    participation = Participation.objects.get(facility=facility, campaign=application.campaign)
    assert participation.approved_on == datetime.date(2025, 5, 1)
    assert "登録決定" in mail.outbox[-1].subject


def test_facility_codes_stay_unique_across_rounds(reviewer):
    codes = []
    for _round in range(2):
        application = _in_review(reviewer)  # each in its own round, both numbered A00001
        services.save_checklist(application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True))
        services.approve(application, reviewer)
        codes.append(application.facilities.get().facility.code)
    assert codes[0] != codes[1] and all(code.endswith("-A00001-1") for code in codes)


def test_the_reference_carries_the_round_and_the_facility_code_keeps_its_shape(reviewer):
    """受付番号 restart in every round: `A00001` alone named one application in each. With the round in
    it the reference is unique, and the facility code (in the guide's URLs, on claims) is unchanged:
    the round once, not `R3-R3-A00001-1`."""
    applications = []
    for _round in range(2):
        application = _in_review(reviewer)
        services.save_checklist(application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True))
        services.approve(application, reviewer)
        applications.append(application)
    first, second = applications
    assert first.number == second.number == 1 and first.campaign_id != second.campaign_id
    assert first.reference == f"R{first.campaign_id}-A00001" != second.reference
    for application in applications:
        code = application.facilities.get().facility.code
        assert code == f"R{application.campaign_id}-A00001-1" == f"{application.reference}-1"
        assert code.count("R") == 1


def test_reject_needs_a_reason_and_is_final(reviewer):
    application = _in_review(reviewer)
    services.reject(application, reviewer, "市外の施設のため対象外です。")
    application.refresh_from_db()
    assert application.status == S.REJECTED and application.decided_at <= timezone.now()
    with pytest.raises(services.TransitionError, match="現在の状態"):
        services.submit(application, None)


def test_users_see_only_their_own_business():
    mine = complete_application()
    other = complete_application(campaign=mine.campaign)
    member = make_member(mine.business)
    from participants.models import Application

    assert list(Application.objects.for_user(member)) == [mine]
    assert not Application.objects.for_user(UserFactory()).exists()
    assert other not in Application.objects.for_user(member)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("カブシキガイシャ　センダイ", "ｶﾌﾞｼｷｶﾞｲｼﾔ ｾﾝﾀﾞｲ"),
        ("かぶ）せんだいほてる", "ｶﾌﾞ)ｾﾝﾀﾞｲﾎﾃﾙ"),
        ("ｾﾝﾀﾞｲ ﾀﾛｳ", "ｾﾝﾀﾞｲ ﾀﾛｳ"),
        ("ホテルサンシャイン", "ﾎﾃﾙｻﾝｼﾔｲﾝ"),  # small kana are written large in bank data
        ("sendai inn", "SENDAI INN"),
        ("スーパー", "ｽ-ﾊﾟ-"),
    ],
)
def test_account_holder_is_converted_to_zengin_kana(typed, stored):
    converted = to_zengin_kana(typed)
    assert converted == stored
    validate_zengin_kana(converted)


def test_account_holder_in_kanji_is_refused_with_the_characters():
    with pytest.raises(ValidationError, match="使えない文字: 株、式、会、社"):
        validate_zengin_kana(to_zengin_kana("株式会社ｾﾝﾀﾞｲ"))


def test_documents_are_checked_by_content():
    assert validate_document(SimpleUploadedFile("a.pdf", PDF_BYTES)) == "application/pdf"
    assert validate_document(SimpleUploadedFile("a.PNG", png_bytes())) == "image/png"
    with pytest.raises(ValidationError, match="拡張子"):
        validate_document(SimpleUploadedFile("a.pdf", png_bytes()))
    with pytest.raises(ValidationError, match="拡張子"):
        validate_document(SimpleUploadedFile("a.jpg", b"<html><script>alert(1)</script></html>"))
    with pytest.raises(ValidationError, match="PDF・JPEG・PNG"):
        validate_document(SimpleUploadedFile("a.exe", b"MZ\x90\x00"))


@override_settings(PARTICIPANT_DOCUMENT_MAX_BYTES=1024)
def test_oversized_documents_are_refused():
    with pytest.raises(ValidationError, match="大きすぎます"):
        validate_document(SimpleUploadedFile("a.pdf", PDF_BYTES + b"0" * 2048))


def test_approval_sets_each_facility_allocation_within_the_budget(reviewer):
    from claims import budget

    application = _in_review(reviewer)
    entry = application.facilities.get()
    services.save_checklist(application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True))
    too_much = application.campaign.budget + 1
    with pytest.raises(services.TransitionError, match="配分額の合計が予算額を超えます"):
        services.approve(application, reviewer, allocations={entry.pk: too_much})
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and not Facility.objects.filter(business=application.business)
    services.approve(application, reviewer, allocations={entry.pk: 500_000})
    entry.refresh_from_db()
    participation = entry.facility.participations.get(campaign=application.campaign)
    assert budget.facility_account(participation).limit == 500_000
