"""Issue 8: every look at and export of personal data, and every claim and payment state change, is in
the audit trail — with who, what and which object, and never the personal data itself."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from claims import budget, payments, services
from claims.claim_file import COLUMNS
from claims.models import ClaimStatus, TransferSettings
from participants import services as application_services
from participants.export import VIA_ADMIN, export_participants

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    CampaignFactory,
    UserFactory,
    attach_documents,
    make_member,
)

pytestmark = pytest.mark.django_db
D = datetime.date
S = ClaimStatus

ACCOUNT_NUMBER = "7654321"
HOLDER = "ｶ)ﾓﾘﾉﾐﾔｺﾎﾃﾙ"
CALLER_NAME = "仙台 花子"
CALLER_PHONE = "022-123-9876"


WIRED = [AuditAction.PII_VIEW, AuditAction.PII_EXPORT, AuditAction.CLAIM_STATE, AuditAction.PAYMENT_STATE]


def _last_sequence() -> int:
    last = AuditEntry.objects.order_by("-sequence").first()
    return last.sequence if last else 0


class Trail:
    """The audit entries written since it was made, oldest first; by default only the actions wired here
    (making users logs their roles, and signing in logs a login)."""

    def __init__(self) -> None:
        self.start = _last_sequence()

    def entries(self, action: str | None = None) -> list[AuditEntry]:
        entries = AuditEntry.objects.filter(sequence__gt=self.start).order_by("sequence")
        entries = entries.filter(action__in=[action] if action else WIRED)
        return list(entries)

    def one(self, action: str) -> AuditEntry:
        entries = self.entries(action)
        assert len(entries) == 1, [str(entry) for entry in entries]
        return entries[0]


def assert_no_personal_data(entry: AuditEntry, *values: str) -> None:
    text = entry.summary + json.dumps(entry.detail, ensure_ascii=False)
    for value in values:
        assert value not in text, f"{value!r} in audit entry {text!r}"


@pytest.fixture
def trail(seeded) -> Trail:
    return Trail()


def _approved_application(campaign, *, facilities: int = 1):
    reviewer = UserFactory(role="reviewer")
    application = ApplicationFactory(campaign=campaign, account_number=ACCOUNT_NUMBER, account_holder=HOLDER)
    for _ in range(facilities):
        ApplicationFacilityFactory(application=application)
    attach_documents(application)
    application_services.submit(application, None, today=D(2025, 4, 10))
    application_services.start_review(application, reviewer)
    application_services.save_checklist(
        application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True)
    )
    application_services.approve(application, reviewer, approved_on=D(2025, 5, 1))
    return application


@pytest.fixture
def claims_campaign(seeded):
    return CampaignFactory(
        slug="audit-2025",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


def _claim(campaign, application, *discounts: int, prefix: str = "GUEST"):
    participation = application.facilities.first().facility.participations.get(campaign=campaign)
    budget.set_allocation(participation, 50_000)
    rows = [",".join(COLUMNS)]
    rows += [f"{prefix}-{n},2025-05-10,2025-06-01,2,2,40000,{d},," for n, d in enumerate(discounts)]
    outcome = services.upload(
        participation,
        D(2025, 6, 1),
        ("\r\n".join(rows) + "\r\n").encode(),
        "june.csv",
        None,
        claim_date=D(2025, 6, 30),
    )
    return outcome.claim


def test_each_claim_state_change_is_one_entry_with_states_and_amounts(trail, claims_campaign):
    application = _approved_application(claims_campaign)
    hotel = make_member(application.business)
    reviewer = UserFactory(role="reviewer")
    accountant = UserFactory(role="accountant")
    claim = _claim(claims_campaign, application, 8000, 6000)
    line = claim.lines.order_by("row").first()

    services.submit(claim, hotel)
    services.start_review(claim, reviewer)
    services.exclude_line(line, "宿泊者 山田様の二重計上", reviewer)
    services.include_line(line, reviewer)
    services.return_claim(claim, "山田様の明細を確認してください", reviewer)
    services.submit(claim, hotel)
    services.approve(claim, accountant)

    entries = trail.entries(AuditAction.CLAIM_STATE)
    steps = [(e.detail["event"], e.detail["from"], e.detail["to"], e.actor_id) for e in entries]
    assert steps == [
        ("submit", S.DRAFT, S.SUBMITTED, hotel.pk),
        ("start_review", S.SUBMITTED, S.IN_REVIEW, reviewer.pk),
        ("exclude_line", S.IN_REVIEW, S.IN_REVIEW, reviewer.pk),
        ("include_line", S.IN_REVIEW, S.IN_REVIEW, reviewer.pk),
        ("return", S.IN_REVIEW, S.RETURNED, reviewer.pk),
        ("submit", S.RETURNED, S.SUBMITTED, hotel.pk),
        ("approve", S.SUBMITTED, S.APPROVED, accountant.pk),
    ]
    assert {(e.object_type, e.object_id) for e in entries} == {("claims.claim", str(claim.pk))}
    assert entries[0].detail["claimed_amount"] == 14_000
    assert entries[2].detail["claim_total"] == 6_000 and entries[2].detail["line_row"] == line.row
    assert entries[3].detail["claim_total"] == 14_000
    assert entries[-1].detail["approved_amount"] == 14_000
    assert entries[-1].summary.startswith("実績報告 ") and entries[-1].summary.endswith("承認")
    for entry in entries:
        assert_no_personal_data(entry, "山田", "GUEST-", ACCOUNT_NUMBER, HOLDER)


def test_a_claim_change_that_is_refused_leaves_no_entry(trail, claims_campaign):
    application = _approved_application(claims_campaign)
    claim = _claim(claims_campaign, application, 8000)
    with pytest.raises(services.ClaimError):
        services.approve(claim, UserFactory(role="accountant"))  # still a draft
    assert trail.entries() == []


def _remitter() -> None:
    settings = TransferSettings.load()
    settings.remitter_code = "1234567890"
    settings.remitter_name = "ｾﾝﾀﾞｲｼ"
    settings.bank_code, settings.bank_name = "0001", "ミズホ"
    settings.branch_code, settings.branch_name = "100", "センダイ"
    settings.account_type, settings.account_number = "1", "1111111"
    settings.save()


@pytest.fixture
def batch(claims_campaign):
    """A payment batch of two approved claims (one facility each) of a business with a bank account."""
    application = _approved_application(claims_campaign, facilities=2)
    claims = []
    for entry in application.facilities.order_by("pk"):
        participation = entry.facility.participations.get(campaign=claims_campaign)
        budget.set_allocation(participation, 50_000)
        data = (",".join(COLUMNS) + f"\r\nB-{entry.pk},2025-05-10,2025-06-01,2,2,40000,8000,,\r\n").encode()
        outcome = services.upload(
            participation, D(2025, 6, 1), data, "june.csv", None, claim_date=D(2025, 6, 30)
        )
        claims.append(services.approve(services.submit(outcome.claim, None), None))
    _remitter()
    return payments.create_batch(claims_campaign, D(2099, 1, 5), UserFactory(role="accountant")), claims


def test_creating_and_confirming_a_batch_are_payment_state_entries(trail, batch):
    batch, claims = batch
    created = trail.one(AuditAction.PAYMENT_STATE)
    assert created.actor_id == batch.created_by_id and created.object_type == "claims.paymentbatch"
    assert created.object_id == str(batch.pk)
    assert created.detail | {"claims": None} == {
        "event": "create",
        "from": "",
        "to": "created",
        "campaign": batch.campaign_id,
        "transfer_date": "2099-01-05",
        "count": 2,
        "total": 16_000,
        "claims": None,
    }
    assert sorted(created.detail["claims"]) == sorted(str(claim.pk) for claim in claims)

    accountant = UserFactory(role="accountant")
    start = _last_sequence()
    payments.confirm_batch(batch, accountant)
    confirmed = [e for e in trail.entries(AuditAction.PAYMENT_STATE) if e.sequence > start]
    assert len(confirmed) == 1 and confirmed[0].actor_id == accountant.pk
    assert (confirmed[0].detail["from"], confirmed[0].detail["to"]) == ("created", "confirmed")
    paid = [e for e in trail.entries(AuditAction.CLAIM_STATE) if e.sequence > start]
    assert sorted(e.object_id for e in paid) == sorted(str(claim.pk) for claim in claims)
    assert {(e.detail["event"], e.detail["to"], e.detail["approved_amount"]) for e in paid} == {
        ("paid", S.PAID, 8_000)
    }
    assert paid[-1].sequence < confirmed[0].sequence  # the batch's entry is the transaction's last step
    for entry in [created, *confirmed, *paid]:
        assert_no_personal_data(entry, ACCOUNT_NUMBER, HOLDER, "ﾓﾘﾉﾐﾔｺ")


def test_batch_screen_logs_the_full_account_view_for_the_accountant_only(client, trail, batch):
    batch, _claims = batch
    url = reverse("claims_payment_batch", args=[batch.pk])
    reader = UserFactory()  # may read batches, sees account numbers masked: nothing to log
    reader.user_permissions.set(
        Permission.objects.filter(
            codename__in=["access_admin", "view_paymentbatch"],
            content_type__app_label__in=["wagtailadmin", "claims"],
        )
    )
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 200 and ACCOUNT_NUMBER not in response.content.decode()
    assert trail.entries(AuditAction.PII_VIEW) == []
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    response = client.get(url)
    assert response.status_code == 200 and ACCOUNT_NUMBER in response.content.decode()
    entry = trail.one(AuditAction.PII_VIEW)
    assert entry.actor_id == accountant.pk and entry.object_id == str(batch.pk)
    assert entry.detail == {"screen": "claims_payment_batch", "count": 2}
    assert_no_personal_data(entry, ACCOUNT_NUMBER, HOLDER)


def test_zengin_download_is_a_personal_data_export(client, trail, batch):
    batch, _claims = batch
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    response = client.get(reverse("claims_payment_zengin", args=[batch.pk]))
    assert response.status_code == 200 and ACCOUNT_NUMBER.encode() in response.content
    entry = trail.one(AuditAction.PII_EXPORT)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        accountant.pk,
        "claims.paymentbatch",
        str(batch.pk),
    )
    assert entry.detail == {"transfer_date": "2099-01-05", "count": 2, "total": 16_000}
    assert_no_personal_data(entry, ACCOUNT_NUMBER, HOLDER)


@pytest.fixture
def application(claims_campaign):
    return _approved_application(claims_campaign)


def test_application_detail_logs_the_full_account_number_shown_to_the_accountant(client, trail, application):
    url = reverse("participants_application", args=[application.pk])
    client.force_login(UserFactory(role="reviewer"))  # sees the number masked: nothing to log
    assert client.get(url).status_code == 200
    assert trail.entries() == []
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    response = client.get(url)
    assert ACCOUNT_NUMBER in response.content.decode()
    entry = trail.one(AuditAction.PII_VIEW)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        accountant.pk,
        "participants.application",
        str(application.pk),
    )
    assert entry.ip == "127.0.0.1" and entry.detail["screen"] == "participants_application"
    assert_no_personal_data(entry, ACCOUNT_NUMBER, HOLDER, application.business.name)


def test_staff_document_download_is_logged_without_the_file_name(client, trail, application):
    document = application.documents.get(kind="passbook_copy")
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)
    response = client.get(reverse("participants_document", args=[document.pk]))
    assert response.status_code == 200
    entry = trail.one(AuditAction.PII_VIEW)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        reviewer.pk,
        "participants.applicationdocument",
        str(document.pk),
    )
    assert entry.detail == {
        "screen": "participants_document",
        "application": str(application.pk),
        "kind": "passbook_copy",
        "size": document.size,
    }
    assert_no_personal_data(entry, document.original_name, "tsucho")


def test_a_missing_document_is_a_404_and_no_entry(client, trail, application):
    client.force_login(UserFactory(role="reviewer"))
    response = client.get(reverse("participants_document", args=["00000000-0000-0000-0000-000000000000"]))
    assert response.status_code == 404 and trail.entries() == []


def test_members_document_download_is_logged(client, trail, application):
    hotel = make_member(application.business)
    document = application.documents.get(kind="licence_copy")
    client.force_login(hotel)
    response = client.get(reverse("members:document_download", args=[application.pk, document.pk]))
    assert response.status_code == 200
    entry = trail.one(AuditAction.PII_VIEW)
    assert entry.actor_id == hotel.pk and entry.object_id == str(document.pk)
    assert entry.detail["screen"] == "members:document_download" and entry.detail["kind"] == "licence_copy"
    assert_no_personal_data(entry, document.original_name, "kyoka")


def test_participant_export_from_the_admin_is_logged(client, trail, application):
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    response = client.post(
        reverse("participants_export"),
        {"campaign": application.campaign.slug, "full_account_numbers": "on"},
    )
    assert response.status_code == 302  # to the download job, which has made the file by now
    entry = trail.one(AuditAction.PII_EXPORT)
    assert entry.actor_id == accountant.pk and entry.object_type == "participants.participantexport"
    assert entry.detail == {
        "campaign": application.campaign.slug,
        "via": VIA_ADMIN,
        "full_account_numbers": True,
        "rows": 1,
    }
    assert "全桁" in entry.summary
    assert_no_personal_data(entry, ACCOUNT_NUMBER, HOLDER, application.business.name)


def test_participant_export_from_the_command_is_logged(tmp_path, trail, application):
    out = tmp_path / "participants.xlsx"
    call_command("export_participants", "--campaign", application.campaign.slug, "--out", str(out))
    assert out.exists()
    entry = trail.one(AuditAction.PII_EXPORT)
    assert entry.actor_id is None and entry.actor_label == "manage.py"
    assert entry.detail["via"] == "command" and entry.detail["full_account_numbers"] is False
    assert "伏せ字" in entry.summary


def test_participant_export_refused_leaves_no_entry(trail, application):
    from participants.export import ExportNotAllowed

    with pytest.raises(ExportNotAllowed):
        export_participants(application.campaign, UserFactory(role="city"), full_account_numbers=True)
    assert trail.entries() == []


@pytest.fixture
def inquiry(seeded):
    from django.utils import timezone

    from inquiries.models import Inquiry, InquiryCategory

    return Inquiry.objects.create(
        category=InquiryCategory.objects.filter(is_active=True).first(),
        question="割引の上限はいくらですか",
        received_at=timezone.now(),
        caller_name=CALLER_NAME,
        caller_phone=CALLER_PHONE,
    )


@pytest.mark.parametrize("url_name", ["inquiries_detail", "inquiries_edit"])
def test_inquiry_screens_log_the_caller_shown(client, trail, inquiry, url_name):
    operator = UserFactory(role="operator")
    client.force_login(operator)
    response = client.get(reverse(url_name, args=[inquiry.pk]))
    assert response.status_code == 200 and CALLER_PHONE in response.content.decode()
    entry = trail.one(AuditAction.PII_VIEW)
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        operator.pk,
        "inquiries.inquiry",
        str(inquiry.pk),
    )
    assert entry.detail == {"screen": url_name}
    assert_no_personal_data(entry, CALLER_NAME, CALLER_PHONE)


def test_inquiry_without_caller_details_leaves_no_entry(client, trail, inquiry):
    client.force_login(UserFactory(role="city"))
    inquiry.caller_name = inquiry.caller_phone = ""
    inquiry.save()
    assert client.get(reverse("inquiries_detail", args=[inquiry.pk])).status_code == 200
    assert trail.entries() == []
