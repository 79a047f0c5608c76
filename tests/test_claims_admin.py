"""Staff side of claims and settlement (実績報告・精算) in the Wagtail admin: who may open what, the
claim review, mail uploads, allocations, the budget dashboard and its forecast, monthly close with
the city's Excel reports, and payment batches with the Zengin file."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from claims import budget, forecast, payments, services
from claims.claim_file import COLUMNS
from claims.models import (
    BudgetAccount,
    Claim,
    ClaimLine,
    ClaimStatus,
    LedgerEntry,
    LedgerKind,
    MonthlyClose,
    PaymentBatch,
    PaymentBatchStatus,
    TransferSettings,
)
from claims.wagtail_hooks import register_claims_menu
from participants import services as application_services

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    CampaignFactory,
    FacilityFactory,
    ParticipationFactory,
    UserFactory,
    attach_documents,
    make_member,
)
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db
D = datetime.date
S = ClaimStatus
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def campaign():
    return CampaignFactory(
        slug="claims-admin-2025",
        budget=200_000,
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


def participate(campaign, code, allocation=50_000, **facility):
    participation = ParticipationFactory(
        facility=FacilityFactory(code=code, **facility), campaign=campaign, approved_on=D(2025, 5, 1)
    )
    if allocation:
        budget.set_allocation(participation, allocation)
    return participation


def claim_csv(*discounts: int, prefix: str = "R", extra_rows: tuple[str, ...] = ()) -> bytes:
    rows = [",".join(COLUMNS)]
    rows += [f"{prefix}-{n},2025-05-10,2025-06-01,2,2,40000,{d},," for n, d in enumerate(discounts)]
    rows += list(extra_rows)
    return ("\r\n".join(rows) + "\r\n").encode()


def submitted_claim(participation, *discounts, prefix="R"):
    outcome = services.upload(
        participation,
        D(2025, 6, 1),
        claim_csv(*discounts, prefix=prefix),
        "june.csv",
        None,
        claim_date=D(2025, 7, 1),
    )
    return services.submit(outcome.claim, None)


def login(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def claim_url(claim):
    return reverse("claims_claim", args=[claim.pk])


def action_url(claim, action):
    return reverse("claims_claim_action", args=[claim.pk, action])


def line_url(claim, line, action):
    return reverse("claims_line_action", args=[claim.pk, line.pk, action])


def page_messages(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    """The messages a redirect leaves for the next page."""
    assert response.status_code == 302
    page = client.get(response["Location"])
    return [str(message) for message in page.context["messages"]]


def balances(participation):
    account = BudgetAccount.objects.get(participation=participation)
    return (account.limit, account.submitted, account.approved, account.paid)


# --- who may open what --------------------------------------------------------------------------

STAFF = ["reviewer", "accountant", "city", "admin", "operator", "editor", "moderator"]
SCREENS = {
    "claims_list": {"reviewer", "accountant", "city", "admin"},
    "claims_upload": {"reviewer", "accountant"},
    "claims_allocations": {"accountant", "city", "admin"},
    "claims_dashboard": {"accountant", "city", "admin"},
    "claims_months": {"accountant", "city"},
    "claims_completion_report": {"accountant", "city"},
    "claims_lines_export": {"accountant", "city"},
    "claims_payments": {"accountant"},
}


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_each_screen_opens_for_its_roles_only(client, campaign, name, role):
    login(client, role)
    posted = name in ("claims_completion_report", "claims_lines_export")  # start a download job
    response = (client.post if posted else client.get)(reverse(name), {"campaign": campaign.slug})
    if role in SCREENS[name]:
        assert response.status_code == (302 if posted else 200)
    else:
        assert response.status_code in (302, 403)


@pytest.mark.parametrize("role", STAFF)
def test_claim_screens_by_role(client, campaign, role):
    participation = participate(campaign, "P1")
    claim = submitted_claim(participation, 8_000)
    batch_allowed = role == "accountant"
    login(client, role)
    detail = client.get(claim_url(claim))
    assert (detail.status_code == 200) is (role in SCREENS["claims_list"])
    edit = client.get(reverse("claims_allocation_edit", args=[participation.pk]))
    assert (edit.status_code == 200) is batch_allowed
    if not batch_allowed:
        assert edit.status_code in (302, 403)


def test_hotel_users_never_reach_the_staff_screens(client, campaign):
    claim = submitted_claim(participate(campaign, "P1"), 8_000)
    client.force_login(make_member())
    for url in (
        reverse("claims_list"),
        claim_url(claim),
        reverse("claims_payments"),
        reverse("claims_dashboard"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("accountant", True), ("admin", True), ("reviewer", False), ("city", False), ("editor", False)],
)
def test_only_admin_and_accountant_edit_the_remitter_account(client, role, allowed):
    login(client, role)
    url = reverse("wagtailsettings:edit", args=["claims", "transfersettings", TransferSettings.load().pk])
    response = client.get(url)
    assert response.status_code == (200 if allowed else 302)


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("reviewer", ["実績報告", "郵送分の登録"]),
        (
            "accountant",
            ["実績報告", "郵送分の登録", "配分額", "予算ダッシュボード", "月末締め・報告", "振込データ"],
        ),
        ("city", ["実績報告", "配分額", "予算ダッシュボード", "月末締め・報告"]),
        ("admin", ["実績報告", "配分額", "予算ダッシュボード"]),
        ("operator", []),
        ("editor", []),
    ],
)
def test_the_menu_group_shows_what_each_role_may_open(role, labels):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(role=role)
    group = register_claims_menu()
    assert str(group.label) == "実績報告・精算"
    assert [str(item.label) for item in group.menu.menu_items_for_request(request)] == labels
    assert group.is_shown(request) is bool(labels)
    request.user = AnonymousUser()
    assert not group.is_shown(request)


# --- claims list --------------------------------------------------------------------------------


def test_list_filters_counts_and_search(client, campaign):
    aoba = participate(campaign, "AOBA1", name="青葉の宿")
    izumi = participate(campaign, "IZUMI1", name="泉の湯", ward_slug="izumi", area_slug="izumi-chuo")
    first = submitted_claim(aoba, 8_000)
    second = submitted_claim(izumi, 6_000, prefix="I")
    services.start_review(second, None)
    Claim.objects.create(participation=aoba, month=D(2025, 7, 1))  # a hotel's draft is not listed
    login(client, "reviewer")
    url = reverse("claims_list")

    response = client.get(url, {"campaign": campaign.slug})
    assert [c.pk for c in response.context["page_obj"].object_list] == [first.pk, second.pk]
    counts = {item["value"]: item["count"] for item in response.context["status_counts"]}
    assert counts[S.SUBMITTED] == 1 and counts[S.IN_REVIEW] == 1 and response.context["total"] == 2
    assert S.DRAFT not in counts

    def listed(**params):
        page = client.get(url, {"campaign": campaign.slug, **params}).context["page_obj"]
        return [claim.pk for claim in page.object_list]

    assert listed(status=S.IN_REVIEW) == [second.pk]
    assert listed(ward="izumi") == [second.pk]
    assert listed(q="青葉") == [first.pk]
    assert listed(q="izumi1") == [second.pk]
    assert listed(month="2025-06") == [first.pk, second.pk]
    assert listed(month="2025-07") == [first.pk, second.pk]  # not a month of any claim: ignored
    assert listed(status="nonsense", month="garbage", page="x") == [first.pk, second.pk]
    empty = client.get(url, {"campaign": campaign.slug, "q": "存在しない"})
    assert "条件に合う実績報告はありません" in empty.content.decode()


def test_list_pages_by_fifty_and_has_an_empty_state(client, campaign):
    login(client, "reviewer")
    url = reverse("claims_list")
    assert (
        "まだ提出された実績報告がありません" in client.get(url, {"campaign": campaign.slug}).content.decode()
    )
    participation = participate(campaign, "MANY")
    Claim.objects.bulk_create(
        Claim(participation=participation, month=D(2025, 6, 1), status=S.SUBMITTED) for _ in range(51)
    )
    first = client.get(url, {"campaign": campaign.slug})
    assert len(first.context["page_obj"].object_list) == 50 and first.context["total"] == 51
    second = client.get(url, {"campaign": campaign.slug, "page": 2})
    assert len(second.context["page_obj"].object_list) == 1


# --- the claim screen and the review ------------------------------------------------------------


def test_review_path_exclude_a_line_then_approve(client, campaign):
    participation = participate(campaign, "P1")
    claim = submitted_claim(participation, 8_000, 6_000)
    reviewer = login(client, "reviewer")

    page = client.get(claim_url(claim)).content.decode()
    assert "確認を開始する" in page and "承認する" not in page  # a reviewer does not approve
    assert "50,000円" in page and "14,000円" in page  # allocation and claimed amount

    assert client.post(action_url(claim, "start_review")).status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW

    line = claim.lines.get(reservation_number="R-1")
    response = client.post(line_url(claim, line, "exclude"), {"reason": "宿泊の事実が確認できない"})
    assert "3行目を除外しました。" in follow_messages(client, response)
    line.refresh_from_db()
    assert (
        line.excluded and line.excluded_reason == "宿泊の事実が確認できない" and line.excluded_by == reviewer
    )

    # 戻す, then exclude again: both are plain POSTs while in review.
    client.post(line_url(claim, line, "include"))
    line.refresh_from_db()
    assert not line.excluded
    client.post(line_url(claim, line, "exclude"), {"reason": "宿泊の事実が確認できない"})

    # The reviewer cannot approve, even by posting.
    response = client.post(action_url(claim, "approve"), {"confirmed": "1"})
    assert response.status_code in (302, 403)
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW

    accountant = login(client, "accountant")
    confirm = client.post(action_url(claim, "approve"))
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "8,000円" in text and "元に戻せません" in text
    claim.refresh_from_db()
    assert claim.status == S.IN_REVIEW  # only the confirmed POST approves

    response = client.post(action_url(claim, "approve"), {"confirmed": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.APPROVED and claim.approved_amount == 8_000 and claim.approved_by == accountant
    assert balances(participation) == (50_000, 0, 8_000, 0)
    kinds = list(LedgerEntry.objects.filter(claim=claim).values_list("kind", "amount", "actor"))
    assert kinds == [
        (LedgerKind.SUBMITTED, 14_000, None),
        (LedgerKind.RELEASED, 14_000, accountant.pk),
        (LedgerKind.APPROVED, 8_000, accountant.pk),
    ]
    page = client.get(claim_url(claim)).content.decode()
    assert accountant.username in page and "承認による" in page  # the timeline names who did it
    assert budget.verify_ledger(campaign) == []


def test_approval_past_the_allocation_shows_the_message_and_changes_nothing(client, campaign):
    participation = participate(campaign, "P1", allocation=10_000)
    claim = submitted_claim(participation, 8_000, 6_000)
    before = (balances(participation), LedgerEntry.objects.count())
    login(client, "accountant")
    response = client.post(action_url(claim, "approve"), {"confirmed": "1"})
    assert response.status_code == 200
    assert any("施設の配分額を超えます" in message for message in page_messages(response))
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED and claim.approved_amount == 0
    assert (balances(participation), LedgerEntry.objects.count()) == before


def test_return_needs_a_reason_then_a_confirmation(client, campaign):
    participation = participate(campaign, "P1")
    claim = submitted_claim(participation, 8_000)
    login(client, "reviewer")

    response = client.post(action_url(claim, "return"), {"return-reason": "  "})
    assert response.status_code == 200
    assert "差戻しの理由を入力してください" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED

    reason = {"return-reason": "6月1日の予約の宿泊料金を確認してください。"}
    confirm = client.post(action_url(claim, "return"), reason)
    assert confirm.status_code == 200 and "6月1日の予約の宿泊料金" in confirm.content.decode()
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED

    response = client.post(action_url(claim, "return"), {**reason, "confirmed": "1"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.RETURNED and claim.return_reason.startswith("6月1日")
    assert balances(participation)[1] == 0  # the held amount is released


def test_stale_and_bad_posts_never_crash_or_change_anything(client, campaign):
    participation = participate(campaign, "P1")
    claim = submitted_claim(participation, 8_000)
    other = submitted_claim(participate(campaign, "P2"), 5_000, prefix="Q")
    login(client, "accountant")
    line = claim.lines.get()

    # Excluding while the claim is only submitted (not in review) is refused with the message.
    response = client.post(line_url(claim, line, "exclude"), {"reason": "x"})
    assert any("現在の状態（提出済み）" in m for m in follow_messages(client, response))
    # A reason is required.
    services.start_review(claim, None)
    response = client.post(line_url(claim, line, "exclude"), {"reason": ""})
    assert any("除外の理由を入力してください" in m for m in follow_messages(client, response))
    line.refresh_from_db()
    assert not line.excluded
    # A line of another claim, an unknown line action or claim action: 404. GET is not allowed.
    assert client.post(line_url(claim, other.lines.get(), "exclude"), {"reason": "x"}).status_code == 404
    assert client.post(line_url(claim, line, "delete")).status_code == 404
    assert client.post(action_url(claim, "pay")).status_code == 404
    assert client.get(action_url(claim, "approve")).status_code == 405

    # Starting a review twice, approving a returned claim: the message, nothing changes.
    response = client.post(action_url(claim, "start_review"))
    assert response.status_code == 200 and any("画面を再読み込み" in m for m in page_messages(response))
    services.return_claim(claim, "直してください", None)
    response = client.post(action_url(claim, "approve"))  # the confirmation page is not even offered
    assert any("現在の状態（差戻し）" in m for m in follow_messages(client, response))
    response = client.post(action_url(claim, "approve"), {"confirmed": "1"})
    assert response.status_code == 200 and any("現在の状態（差戻し）" in m for m in page_messages(response))
    claim.refresh_from_db()
    assert claim.status == S.RETURNED


def test_lines_are_paginated_beyond_two_hundred(client, campaign):
    participation = participate(campaign, "P1")
    claim = Claim.objects.create(participation=participation, month=D(2025, 6, 1), status=S.SUBMITTED)
    ClaimLine.objects.bulk_create(
        ClaimLine(
            claim=claim,
            participation=participation,
            row=n + 2,
            reservation_number=f"R-{n}",
            booked_on=D(2025, 5, 10),
            check_in=D(2025, 6, 1),
            nights=1,
            guests=1,
            total_charge=10_000,
            discount=2_000,
            counted_nights=1,
            max_discount=2_000,
            reimbursement=2_000,
        )
        for n in range(201)
    )
    login(client, "reviewer")
    first = client.get(claim_url(claim))
    assert len(first.context["page_obj"].object_list) == 200
    assert first.context["included_total"] == 402_000
    second = client.get(claim_url(claim), {"page": 2})
    assert [line.row for line in second.context["page_obj"].object_list] == [202]


# --- claim files that arrived by mail -----------------------------------------------------------


def test_staff_upload_a_mailed_file_and_see_every_rows_verdict(client, campaign):
    participation = participate(campaign, "P1")
    reviewer = login(client, "reviewer")
    url = reverse("claims_upload")
    assert client.get(url, {"campaign": campaign.slug}).status_code == 200
    data = claim_csv(8_000, 6_000, extra_rows=("R-9,2025-05-10,2025-06-01,2,2,40000,99000,,",))
    response = client.post(
        url,
        {
            "campaign": campaign.slug,
            "participation": participation.pk,
            "month": "2025-06",
            "file": SimpleUploadedFile("mail.csv", data),
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "受付できません" in text and "割引の上限額" in text  # the rejected row and its reason
    assert [row.accepted for row in response.context["result"].rows] == [True, True, False]
    claim = Claim.objects.get(participation=participation)
    assert claim.status == S.SUBMITTED and claim.claimed_amount == 14_000 and claim.submitted_by == reviewer
    assert claim.month == D(2025, 6, 1) and claim.lines.count() == 2
    assert balances(participation)[1] == 14_000

    # A returned claim of that month is replaced by the next file.
    services.return_claim(claim, "直してください", None)
    client.post(
        url,
        {
            "campaign": campaign.slug,
            "participation": participation.pk,
            "month": "2025-06",
            "file": SimpleUploadedFile("mail2.csv", claim_csv(5_000, prefix="S")),
        },
    )
    assert Claim.objects.filter(participation=participation).count() == 1
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED and claim.claimed_amount == 5_000


def test_upload_without_accepted_rows_or_unreadable_stores_nothing(client, campaign):
    participation = participate(campaign, "P1")
    login(client, "accountant")
    url = reverse("claims_upload")
    base = {"campaign": campaign.slug, "participation": participation.pk, "month": "2025-06"}

    rejected = client.post(url, {**base, "file": SimpleUploadedFile("bad.csv", claim_csv(99_000))})
    assert rejected.status_code == 200
    assert any("提出できる明細がありません" in m for m in page_messages(rejected))
    assert "受付できません" in rejected.content.decode()

    unreadable = client.post(url, {**base, "file": SimpleUploadedFile("x.csv", "氏名,住所\r\n".encode())})
    assert "ファイルを読み取れませんでした" in unreadable.content.decode()

    missing = client.post(url, {**base, "month": "1999-01"})
    assert missing.status_code == 200 and missing.context["form"].errors.keys() == {"month", "file"}
    assert not Claim.objects.filter(participation=participation).exists()


# --- 配分額 --------------------------------------------------------------------------------------


def test_allocation_list_shows_usage_and_who_reached_the_allocation(client, campaign):
    full = participate(campaign, "FULL", allocation=10_000)
    submitted_claim(full, 8_000, 2_000)  # submitted = allocation: 販売終了 by the engine's rule
    participate(campaign, "ROOM", allocation=50_000)
    login(client, "city")
    response = client.get(reverse("claims_allocations"), {"campaign": campaign.slug})
    rows = {row["facility"].code: row for row in response.context["rows"]}
    assert rows["FULL"]["reached"] and not rows["ROOM"]["reached"]
    assert rows["FULL"]["unused"] == 0 and rows["ROOM"]["unused"] == 50_000
    text = response.content.decode()
    assert "配分額に到達" in text and "販売終了" in text
    assert "配分額を変更" not in text  # the city reads, the accountant edits
    assert response.context["account"].allocated == 60_000


def test_allocation_edit_errors_are_shown_next_to_the_field(client, campaign):
    participation = participate(campaign, "P1", allocation=50_000)
    submitted_claim(participation, 8_000, 6_000)
    accountant = login(client, "accountant")
    url = reverse("claims_allocation_edit", args=[participation.pk])

    over = client.post(url, {"amount": "250000"})
    assert over.status_code == 200 and "予算額を超えます" in " ".join(over.context["form"].errors["amount"])
    below = client.post(url, {"amount": "10000"})
    assert "承認済み・申請中の額（14,000円）" in " ".join(below.context["form"].errors["amount"])
    for bad in ("", "abc", "-5"):
        response = client.post(url, {"amount": bad})
        assert response.status_code == 200 and "amount" in response.context["form"].errors
    assert balances(participation)[0] == 50_000

    response = client.post(url, {"amount": "60000", "note": "追加配分"})
    assert response.status_code == 302
    assert balances(participation)[0] == 60_000
    entry = LedgerEntry.objects.filter(participation=participation, kind=LedgerKind.ALLOCATED).last()
    assert (entry.amount, entry.actor, entry.note) == (10_000, accountant, "追加配分")
    assert budget.campaign_account(campaign).allocated == 60_000


def test_the_accountant_changes_the_sold_out_threshold(client, campaign):
    participation = participate(campaign, "T1", allocation=20_000)
    submitted_claim(participation, 8_000)  # 40 % of the allocation
    url = reverse("claims_sold_out_threshold")
    login(client, "city")
    assert client.post(url, {"campaign": campaign.slug, "percent": "40"}).status_code in (302, 403)
    assert budget.campaign_account(campaign).sold_out_threshold_percent == 100
    login(client, "accountant")
    bad = client.post(url, {"campaign": campaign.slug, "percent": "101"})
    assert bad.status_code == 200 and "1〜100%" in bad.content.decode()
    response = client.post(url, {"campaign": campaign.slug, "percent": "40"})
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.sold_out_at is not None
    page = client.get(reverse("claims_allocations"), {"campaign": campaign.slug}).content.decode()
    assert "<dd>40%</dd>" in page


# --- 予算ダッシュボード ----------------------------------------------------------------------------


def test_dashboard_figures_are_the_campaign_account(client, campaign):
    first = participate(campaign, "P1", area_slug="akiu-onsen")
    second = participate(campaign, "P2")
    services.approve(submitted_claim(first, 8_000), None)
    submitted_claim(second, 6_000, prefix="Q")
    login(client, "city")
    response = client.get(reverse("claims_dashboard"), {"campaign": campaign.slug})
    assert response.status_code == 200
    account = budget.campaign_account(campaign)
    shown = response.context["account"]
    assert (
        (shown.limit, shown.allocated, shown.submitted, shown.approved, shown.paid)
        == (
            account.limit,
            account.allocated,
            account.submitted,
            account.approved,
            account.paid,
        )
        == (200_000, 100_000, 6_000, 8_000, 0)
    )
    assert response.context["remaining"] == account.remaining == 192_000
    text = response.content.decode()
    assert '<td data-figure="remaining">192,000円</td>' in text
    assert '<svg role="img"' in text and "<script" not in text.split('id="figures-title"')[1]

    today = timezone.localdate()
    assert response.context["burn_down"] == [
        {"day": today, "amount": 8_000, "cumulative": 8_000, "left": 192_000}
    ]
    # 8,000 over 14 days → 192,000 lasts 336 days more.
    assert response.context["runs_out_on"] == today + datetime.timedelta(days=336)
    areas = {area["name"]: area for area in response.context["areas"]}
    assert (areas["秋保温泉"]["approved"], areas["秋保温泉"]["submitted"]) == (8_000, 0)
    assert (areas["仙台駅周辺"]["approved"], areas["仙台駅周辺"]["submitted"]) == (0, 6_000)


def test_dashboard_without_approvals_has_no_forecast(client, campaign):
    login(client, "accountant")
    response = client.get(reverse("claims_dashboard"), {"campaign": campaign.slug})
    assert response.context["runs_out_on"] is None and response.context["burn_down_chart"] is None
    assert "まだ承認がないため" in response.content.decode()


def test_forecast_no_data_no_pace_or_a_date():
    today = D(2025, 6, 30)
    assert forecast.runs_out_on({}, 100_000, today) is None
    # Approvals only before the 14-day window: pace 0, no forecast.
    assert forecast.runs_out_on({D(2025, 6, 1): 50_000}, 100_000, today) is None
    assert forecast.daily_pace({D(2025, 6, 1): 50_000}, today) == 0
    # 14,000 in the window (first day of it included) → 1,000 a day → 100,000 lasts 100 days.
    pace = {D(2025, 6, 17): 4_000, D(2025, 6, 30): 10_000, D(2025, 6, 16): 99_999}
    assert forecast.daily_pace(pace, today) == 1_000
    assert forecast.runs_out_on(pace, 100_000, today) == D(2025, 10, 8)
    # Rounded up to the day the money is gone; a used-up budget runs out today.
    assert forecast.runs_out_on(pace, 100_001, today) == D(2025, 10, 9)
    assert forecast.runs_out_on(pace, 0, today) == today


# --- 月末締め and the reports ---------------------------------------------------------------------


def test_close_a_month_then_download_its_excel(client, campaign):
    participation = participate(campaign, "P1")
    claim = services.approve(submitted_claim(participation, 8_000), None)
    Claim.objects.filter(pk=claim.pk).update(
        approved_at=timezone.make_aware(datetime.datetime(2025, 6, 20, 12))
    )
    accountant = login(client, "accountant")
    months_url = reverse("claims_months")
    page = client.get(months_url, {"campaign": campaign.slug})
    assert [row["label"] for row in page.context["rows"]][:3] == ["2025年5月", "2025年6月", "2025年7月"]

    close = {"campaign": campaign.slug, "month": "2025-06"}
    confirm = client.post(reverse("claims_month_close"), close)
    assert confirm.status_code == 200 and "元に戻せません" in confirm.content.decode()
    assert not MonthlyClose.objects.filter(campaign=campaign).exists()
    response = client.post(reverse("claims_month_close"), {**close, "confirmed": "1"})
    assert "2025年6月を締めました。" in follow_messages(client, response)
    closed = MonthlyClose.objects.get(campaign=campaign)
    assert closed.month == D(2025, 6, 1) and closed.closed_by == accountant

    again = client.post(reverse("claims_month_close"), {**close, "confirmed": "1"})
    assert any("既に締められています" in m for m in follow_messages(client, again))
    bad = client.post(reverse("claims_month_close"), {"campaign": campaign.slug, "month": "2030-13"})
    assert any("締める月を選んでください" in m for m in follow_messages(client, bad))

    client.force_login(UserFactory(role="city"))  # the city downloads what the accountant closed
    download = download_via_job(client, reverse("claims_month_report", args=[closed.pk]))
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert "attachment" in download["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(body(download))).active
    assert sheet["A4"].value == "施設コード" and sheet["A5"].value == "P1" and sheet["I5"].value == 8_000
    assert client.post(reverse("claims_month_close"), {**close, "confirmed": "1"}).status_code in (302, 403)


def test_a_month_is_closed_only_after_it_ended(client):
    running = CampaignFactory(slug="claims-admin-running")
    login(client, "accountant")
    month = timezone.localdate().replace(day=1)
    response = client.post(
        reverse("claims_month_close"), {"campaign": running.slug, "month": f"{month:%Y-%m}", "confirmed": "1"}
    )
    assert any("月末を過ぎてから" in m for m in follow_messages(client, response))
    assert not MonthlyClose.objects.filter(campaign=running).exists()


def test_completion_data_and_every_claim_row_are_real_workbooks(client, campaign):
    participation = participate(campaign, "P1")
    services.approve(submitted_claim(participation, 8_000, 6_000), None)
    login(client, "city")
    completion = download_via_job(client, reverse("claims_completion_report"), {"campaign": campaign.slug})
    assert completion["Content-Type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(body(completion))).active
    headers = [cell.value for cell in sheet[4]]
    assert sheet["A5"].value == "P1" and sheet.cell(row=5, column=headers.index("承認額") + 1).value == 14_000

    lines = download_via_job(client, reverse("claims_lines_export"), {"campaign": campaign.slug})
    assert lines.status_code == 200 and lines["Content-Type"] == XLSX and lines.streaming
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(lines.streaming_content))).active
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["R-0", "R-1"]


# --- 振込データ ----------------------------------------------------------------------------------


@pytest.fixture
def approved_claims():
    """Two facilities of an approved business (with a bank account), each with an approved claim."""
    campaign = CampaignFactory(
        slug="claims-admin-pay",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )
    reviewer = UserFactory(role="reviewer")
    application = ApplicationFactory(campaign=campaign)
    ApplicationFacilityFactory(application=application)
    ApplicationFacilityFactory(application=application)
    attach_documents(application)
    application_services.submit(application, None, today=D(2025, 4, 10))
    application_services.start_review(application, reviewer)
    application_services.save_checklist(
        application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True)
    )
    application_services.approve(application, reviewer, approved_on=D(2025, 5, 1))
    claims = []
    for index, entry in enumerate(application.facilities.order_by("pk")):
        participation = entry.facility.participations.get(campaign=campaign)
        budget.set_allocation(participation, 50_000)
        outcome = services.upload(
            participation, D(2025, 6, 1), claim_csv(8_000, prefix=f"P{index}"), "june.csv", None
        )
        claims.append(services.approve(services.submit(outcome.claim, None), None))
    return campaign, claims


def remitter_settings():
    settings = TransferSettings.load()
    settings.remitter_code = "1234567890"
    settings.remitter_name = "ｾﾝﾀﾞｲｼｼﾞﾑｷﾖｸ"
    settings.bank_code, settings.bank_name = "0001", "ミズホ"
    settings.branch_code, settings.branch_name = "100", "センダイ"
    settings.account_type, settings.account_number = "1", "7654321"
    settings.save()


def test_payment_batch_create_download_confirm(client, approved_claims):
    campaign, claims = approved_claims
    TransferSettings.objects.all().delete()  # the demo data has a remitter account; start without one
    accountant = login(client, "accountant")
    url = reverse("claims_payments")
    create = reverse("claims_payment_create")
    transfer_day = timezone.localdate() + datetime.timedelta(days=3)
    data = {"campaign": campaign.slug, "transfer_date": f"{transfer_day:%Y-%m-%d}"}

    page = client.get(url, {"campaign": campaign.slug})
    assert len(page.context["plan"].payable) == 2 and page.context["plan"].total == 16_000
    assert "振込元口座が入力されていません" in page.content.decode()

    # Without the remitter account the engine refuses; the message is shown, nothing is made.
    response = client.post(create, {**data, "confirmed": "1"})
    assert any("振込元口座" in m for m in follow_messages(client, response))
    remitter_settings()
    past = client.post(create, {**data, "transfer_date": "2020-01-06", "confirmed": "1"})
    assert any("今日以降" in m for m in follow_messages(client, past))
    missing = client.post(create, {"campaign": campaign.slug, "confirmed": "1"})
    assert missing.status_code == 200 and "transfer_date" in missing.context["form"].errors
    assert not PaymentBatch.objects.filter(campaign=campaign).exists()

    confirm = client.post(create, data)
    assert confirm.status_code == 200 and "16,000円" in confirm.content.decode()
    assert not PaymentBatch.objects.filter(campaign=campaign).exists()
    response = client.post(create, {**data, "confirmed": "1"})
    assert response.status_code == 302
    batch = PaymentBatch.objects.get(campaign=campaign)
    assert (batch.count, batch.total, batch.created_by) == (2, 16_000, accountant)
    assert all(Claim.objects.get(pk=c.pk).status == S.APPROVED for c in claims)  # not paid yet

    zengin = client.get(reverse("claims_payment_zengin", args=[batch.pk]))
    assert zengin.status_code == 200 and zengin["Content-Type"] == "application/octet-stream"
    assert f'filename="{batch.filename}"' in zengin["Content-Disposition"]
    records = zengin.content.split(b"\r\n")
    assert records[-1] == b"" and len(records) == 6
    assert all(len(record) == 120 for record in records[:-1])

    detail = client.get(reverse("claims_payment_batch", args=[batch.pk]))
    assert detail.status_code == 200 and "1234567" in detail.content.decode()  # the accountant sees it
    response = client.post(reverse("claims_payment_batch", args=[batch.pk]))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.CONFIRMED and batch.confirmed_by == accountant
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == S.PAID and claim.paid_on == transfer_day
    assert budget.campaign_account(campaign).paid == 16_000 and budget.verify_ledger(campaign) == []

    again = client.post(reverse("claims_payment_batch", args=[batch.pk]))
    assert any("既に振込確認済み" in m for m in follow_messages(client, again))
    empty = client.post(create, {**data, "confirmed": "1"})
    assert any("承認済みの実績報告がありません" in m for m in follow_messages(client, empty))


@pytest.mark.parametrize("role", ["reviewer", "city", "admin", "operator"])
def test_only_the_accountant_touches_payment_batches(client, approved_claims, role):
    campaign, claims = approved_claims
    remitter_settings()
    batch = payments.create_batch(campaign, timezone.localdate(), UserFactory(role="accountant"))
    login(client, role)
    for response in (
        client.get(reverse("claims_payment_zengin", args=[batch.pk])),
        client.post(reverse("claims_payment_batch", args=[batch.pk])),
        client.post(
            reverse("claims_payment_create"),
            {
                "campaign": campaign.slug,
                "transfer_date": f"{timezone.localdate():%Y-%m-%d}",
                "confirmed": "1",
            },
        ),
    ):
        assert response.status_code in (302, 403)
    batch.refresh_from_db()
    assert (
        batch.status == PaymentBatchStatus.CREATED
        and PaymentBatch.objects.filter(campaign=campaign).count() == 1
    )
    assert all(Claim.objects.get(pk=c.pk).status == S.APPROVED for c in claims)
