"""The city's dashboard (市ダッシュボード): its figures are the records' own counts and sums, every figure
links to its detail screen only for users who may open it, and nobody changes anything through it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Sum
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts import matrix
from audit.models import AuditEntry
from claims import budget, forecast, services
from claims.claim_file import COLUMNS
from claims.models import BudgetAccount, Claim, ClaimLine, ClaimStatus, LedgerEntry
from inquiries.business_days import TOKYO
from inquiries.models import Inquiry, InquiryCategory, InquiryStatus, QuickTally
from participants.models import Application, ApplicationEvent, ApplicationStatus
from reports import dashboard
from reports.dashboard_hooks import register_dashboard_menu
from surveys.models import Response, ResponseSource
from surveys.versions import current_version

from .factories import (
    ApplicationFactory,
    CampaignFactory,
    FacilityFactory,
    ParticipationFactory,
    SurveyFactory,
    UserFactory,
    make_member,
)

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/admin/city-dashboard/"
A = ApplicationStatus
S = ClaimStatus


# --- building records -----------------------------------------------------------------------------


@pytest.fixture
def campaign():
    return CampaignFactory(
        slug="city-dashboard-2025",
        budget=300_000,
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


def participate(campaign, code, allocation=100_000):
    participation = ParticipationFactory(
        facility=FacilityFactory(code=code), campaign=campaign, approved_on=D(2025, 5, 1)
    )
    budget.set_allocation(participation, allocation)
    return participation


def claim_csv(*discounts: int, prefix: str) -> bytes:
    rows = [",".join(COLUMNS)]
    rows += [f"{prefix}-{n},2025-05-10,2025-06-01,2,2,40000,{d},," for n, d in enumerate(discounts)]
    return ("\r\n".join(rows) + "\r\n").encode()


def submitted_claim(participation, *discounts, prefix):
    outcome = services.upload(
        participation,
        D(2025, 6, 1),
        claim_csv(*discounts, prefix=prefix),
        "june.csv",
        None,
        claim_date=D(2025, 7, 1),
    )
    return services.submit(outcome.claim, None)


def escalate(application, days_ago: int, question: str) -> None:
    event = ApplicationEvent.objects.create(
        application=application, from_status=A.IN_REVIEW, to_status=A.ESCALATED, note=question
    )
    ApplicationEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


@pytest.fixture
def records(campaign):
    """Applications, claims, inquiries and survey answers in several states."""
    for status, count in [
        (A.DRAFT, 2),
        (A.SUBMITTED, 3),
        (A.IN_REVIEW, 1),
        (A.ESCALATED, 2),
        (A.APPROVED, 1),
    ]:
        for _ in range(count):
            ApplicationFactory(campaign=campaign, status=status)
    older, newer = Application.objects.filter(campaign=campaign, status=A.ESCALATED).order_by("pk")
    escalate(older, 6, "許可証の住所が申請と異なります。")
    escalate(newer, 2, "客室数が許可証と一致しません。")

    first, second, third = (participate(campaign, code) for code in ("CD1", "CD2", "CD3"))
    services.approve(submitted_claim(first, 8_000, 4_000, prefix="A"), None)  # approved: 12,000
    submitted_claim(second, 6_000, prefix="B")  # submitted: 6,000
    services.return_claim(submitted_claim(third, 5_000, prefix="C"), "宿泊料金の記載漏れ", None)

    today = timezone.localdate()
    categories = list(InquiryCategory.objects.filter(is_active=True).order_by("sort_order", "pk")[:2])
    noon = datetime.time(12, 0, tzinfo=TOKYO)
    for days_ago, category, status in [
        (0, categories[0], InquiryStatus.DONE),
        (0, categories[1], InquiryStatus.ESCALATED),
        (1, categories[0], InquiryStatus.CALLBACK),
        (3, categories[1], InquiryStatus.DONE),
    ]:
        Inquiry.objects.create(
            received_at=datetime.datetime.combine(today - datetime.timedelta(days=days_ago), noon),
            category=category,
            question="対象となる宿泊の期間を知りたい",
            status=status,
        )
    QuickTally.objects.create(
        at=datetime.datetime.combine(today, noon), category=categories[0], caller_type="traveller"
    )

    survey = SurveyFactory(campaign=campaign)
    version = current_version(survey)
    for facility in (first.facility, first.facility, None):
        Response.objects.create(
            survey=survey, version=version, facility=facility, source=ResponseSource.LINK, answers={}
        )
    return {"survey": survey, "categories": categories}


def login(client, role):
    user = UserFactory(role=role)
    client.force_login(user)
    return user


def figure(html: str, name: str) -> str:
    """The text of the element marked data-figure="name", links stripped."""
    match = re.search(rf'data-figure="{re.escape(name)}">(.*?)</(?:td|p)>', html, re.S)
    assert match, name
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def get(client, campaign, **params):
    response = client.get(URL, {"campaign": campaign.slug, **params})
    assert response.status_code == 200
    return response, response.content.decode()


# --- figures agree with the records -------------------------------------------------------------


def test_application_and_claim_figures_are_the_records_counts(client, campaign, records):
    login(client, "city")
    response, html = get(client, campaign)
    figures = response.context["figures"]

    for row in figures.applications:
        expected = Application.objects.filter(campaign=campaign, status=row.value).count()
        assert row.count == expected
        assert figure(html, f"application-{row.value}") == str(expected)
    assert {row.value: row.count for row in figures.applications} == {
        "draft": 2,
        "submitted": 3,
        "in_review": 1,
        "returned": 0,
        "escalated": 2,
        "approved": 1,
        "rejected": 0,
    }
    assert figure(html, "application-total") == str(Application.objects.filter(campaign=campaign).count())

    handed_in = Claim.objects.filter(participation__campaign=campaign)
    for row in figures.claims:
        of_state = handed_in.filter(status=row.value)
        sums = of_state.aggregate(claimed=Sum("claimed_amount"), approved=Sum("approved_amount"))
        assert (row.count, row.claimed, row.approved) == (
            of_state.count(),
            sums["claimed"] or 0,
            sums["approved"] or 0,
        )
    by_state = {row.value: (row.count, row.claimed, row.approved) for row in figures.claims}
    assert by_state[S.APPROVED] == (1, 12_000, 12_000)
    assert by_state[S.SUBMITTED] == (1, 6_000, 0)
    assert by_state[S.RETURNED][0] == 1
    assert S.DRAFT not in by_state
    assert figure(html, "claim-approved") == "1"
    assert figure(html, "claim-approved-approved") == "12,000円"
    assert figure(html, "claim-total") == str(handed_in.exclude(status=S.DRAFT).count())


def test_budget_figures_are_the_campaign_account_and_its_forecast(client, campaign, records):
    login(client, "city")
    response, html = get(client, campaign)
    shown = response.context["figures"].budget
    account = budget.campaign_account(campaign)
    assert (
        (shown.limit, shown.allocated, shown.submitted, shown.approved, shown.paid)
        == (
            account.limit,
            account.allocated,
            account.submitted,
            account.approved,
            account.paid,
        )
        == (300_000, 300_000, 6_000, 12_000, 0)
    )
    # The stored balances are the ledger's (what verify_ledger checks).
    assert budget.verify_ledger(campaign) == []
    assert shown.remaining == 288_000 and shown.unreserved == 282_000
    assert figure(html, "budget-remaining") == "288,000円"
    assert figure(html, "budget-submitted") == "6,000円"

    today = timezone.localdate()
    per_day = budget.approved_per_day(campaign)
    assert per_day == {today: 12_000}
    assert shown.burn_down == [{"day": today, "amount": 12_000, "cumulative": 12_000, "left": 288_000}]
    # 12,000 over 14 days → 288,000 lasts 336 days more: after the stays ended.
    assert (
        shown.runs_out_on == forecast.runs_out_on(per_day, 288_000, today) == today + datetime.timedelta(336)
    )
    assert "予算消化見込み日" in html and '<svg role="img" aria-labelledby="burn-svg-title' in html


def test_inquiries_per_day_and_category_are_the_records_counts(client, campaign, records):
    login(client, "city")
    response, html = get(client, campaign)
    inquiries = response.context["figures"].inquiries
    today = timezone.localdate()
    assert (inquiries.start, inquiries.end, len(inquiries.days)) == (
        today - datetime.timedelta(13),
        today,
        14,
    )
    for day in inquiries.days:
        since = datetime.datetime.combine(day.day, datetime.time.min, tzinfo=TOKYO)
        until = since + datetime.timedelta(days=1)
        on_day = Inquiry.objects.filter(received_at__gte=since, received_at__lt=until)
        for count, category in zip(day.by_category, inquiries.categories, strict=True):
            assert count == on_day.filter(category=category).count()
        assert day.records == on_day.count()
        assert day.quick == QuickTally.objects.filter(at__gte=since, at__lt=until).count()
        key = day.day.isoformat()
        assert figure(html, f"inquiries-{key}-total") == f"{day.total:,}"
    assert inquiries.escalated == Inquiry.objects.filter(status=InquiryStatus.ESCALATED).count()
    assert inquiries.escalated >= 1

    thirty = client.get(URL, {"campaign": campaign.slug, "days": "30"}).context["figures"].inquiries
    assert len(thirty.days) == 30 and thirty.start == today - datetime.timedelta(29)
    # A stale or made-up window falls back to 14 days.
    assert len(client.get(URL, {"days": "9999"}).context["figures"].inquiries.days) == 14


def test_survey_answers_and_rate_are_the_records(client, campaign, records):
    login(client, "city")
    response, html = get(client, campaign)
    [item] = response.context["figures"].surveys
    survey = records["survey"]
    stays = ClaimLine.objects.filter(
        participation__campaign=campaign,
        excluded=False,
        claim__status__in=[S.SUBMITTED, S.IN_REVIEW, S.APPROVED, S.PAID],
    ).count()
    assert item.survey == survey
    assert item.responses == Response.objects.filter(survey=survey).count() == 3
    assert item.stays == stays == 3  # two approved stays and one submitted; the returned one not
    assert item.rate == pytest.approx(100.0)
    assert figure(html, f"survey-{survey.pk}-rate") == "100.0%"


def test_escalated_applications_wait_oldest_first_with_their_days(client, campaign, records):
    login(client, "city")
    response, html = get(client, campaign)
    waiting = response.context["figures"].waiting
    expected = list(Application.objects.filter(status=A.ESCALATED).values_list("pk", flat=True))
    assert sorted(case.application.pk for case in waiting) == sorted(expected)  # every round's cases
    ours = [case for case in waiting if case.application.campaign_id == campaign.pk]
    assert [case.waiting_days for case in ours] == [6, 2]
    assert [case.question for case in ours] == [
        "許可証の住所が申請と異なります。",
        "客室数が許可証と一致しません。",
    ]
    stamps = [case.escalated_at for case in waiting if case.escalated_at]
    assert stamps == sorted(stamps)
    assert "客室数が許可証と一致しません。" in html
    assert figure(html, "waiting-summary").startswith("発注者確認を待っている申請が")


# --- links by permission ------------------------------------------------------------------------


def test_every_figure_links_to_its_detail_for_the_city(client, campaign, records):
    login(client, "city")
    _response, html = get(client, campaign)
    slug = campaign.slug
    survey = records["survey"]
    category = records["categories"][0]
    today = timezone.localdate().isoformat()
    for href in [
        f"{reverse('participants_queue')}?campaign={slug}&amp;status=submitted",
        f"{reverse('participants_queue')}?campaign={slug}",
        reverse("participants_escalations"),
        f"{reverse('claims_list')}?campaign={slug}&amp;status=approved",
        f"{reverse('claims_dashboard')}?campaign={slug}",
        f"{reverse('inquiries_list')}?date={today}&amp;category={category.pk}",
        f"{reverse('inquiries_list')}?status=escalated",
        reverse("inquiries_reports"),
        reverse("surveys_admin:results_dashboard", args=[survey.pk]),
        reverse("surveys_admin:links_survey", args=[survey.pk]),
    ]:
        assert f'href="{href}"' in html, href
    escalated = Application.objects.filter(campaign=campaign, status=A.ESCALATED).first()
    assert reverse("participants_application", args=[escalated.pk]) in html
    # Drafts are not in the review queue: their count is not a link.
    assert "status=draft" not in html
    # Each link opens for the city.
    for name, args in [("participants_queue", []), ("claims_list", []), ("inquiries_list", [])]:
        assert client.get(reverse(name, args=args), {"campaign": slug}).status_code == 200


def test_links_are_shown_only_where_the_user_may_go(client, campaign, records):
    login(client, "accountant")  # no call center, no survey results, no city decisions
    _response, html = get(client, campaign)
    assert reverse("participants_escalations") not in html
    assert reverse("inquiries_list") not in html and reverse("inquiries_reports") not in html
    assert "/admin/surveys/" not in html
    assert f"{reverse('claims_list')}?campaign={campaign.slug}&amp;status=approved" in html
    # The figures are the same whoever reads them.
    assert figure(html, "claim-approved") == "1"
    assert figure(html, "inquiries-records") != ""

    login(client, "admin")  # reads everything but decides nothing
    _response, html = get(client, campaign)
    assert reverse("participants_escalations") not in html
    assert reverse("inquiries_list") in html
    assert reverse("surveys_admin:results_dashboard", args=[records["survey"].pk]) in html


# --- access and read-only ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("city", True),
        ("accountant", True),
        ("admin", True),
        ("reviewer", False),
        ("operator", False),
        ("editor", False),
        ("moderator", False),
    ],
)
def test_who_may_open_the_dashboard(client, campaign, role, allowed):
    login(client, role)
    response = client.get(URL, {"campaign": campaign.slug})
    if allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 302 and "city-dashboard" not in response["Location"]
    assert (dict(matrix.BY_KEY)["reports_city_dashboard"] is not None) and (
        (role in matrix.allowed_roles(matrix.BY_KEY["reports_city_dashboard"])) == allowed
    )


def test_hotel_users_and_visitors_are_refused(client, campaign):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(make_member())
    response = client.get(URL)
    assert response.status_code == 403 or response["Location"].startswith("/admin/login/")


def test_the_city_cannot_change_anything(client, campaign, records):
    login(client, "city")
    for method in (client.post, client.put, client.patch, client.delete):
        assert method(URL, {"campaign": campaign.slug}).status_code == 405
    counts = (
        BudgetAccount.objects.count(),
        LedgerEntry.objects.count(),
        Claim.objects.count(),
        Application.objects.count(),
        ApplicationEvent.objects.count(),
        Inquiry.objects.count(),
        AuditEntry.objects.count(),
    )
    _response, html = get(client, campaign)
    assert "<form" in html and 'method="post"' not in html.split('id="applications-title"')[1]
    assert (
        BudgetAccount.objects.count(),
        LedgerEntry.objects.count(),
        Claim.objects.count(),
        Application.objects.count(),
        ApplicationEvent.objects.count(),
        Inquiry.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    assert client.head(URL, {"campaign": campaign.slug}).status_code == 200


def test_an_empty_campaign_shows_empty_states_and_writes_nothing(client):
    empty = CampaignFactory(slug="city-dashboard-empty", budget=500_000)
    login(client, "city")
    before = BudgetAccount.objects.filter(campaign=empty).count()
    response, html = get(client, empty)
    figures = response.context["figures"]
    assert figures.applications_total == 0 and figures.claims_total.count == 0 and figures.surveys == []
    assert figures.budget.limit == 500_000 and figures.budget.runs_out_on is None
    assert response.context["burn_down_chart"] is None and response.context["application_chart"] is None
    assert "このキャンペーンへの参加申込はまだありません。" in html
    assert "まだ承認がないため、見込みを出せません。" in html
    assert "このキャンペーンの実績報告はまだありません。" in html
    assert "このキャンペーンのアンケートはありません。" in html
    assert figure(html, "budget-remaining") == "500,000円"
    assert BudgetAccount.objects.filter(campaign=empty).count() == before == 0


def test_an_unknown_campaign_falls_back_to_the_current_one(client):
    login(client, "city")
    response = client.get(URL, {"campaign": "no-such-round", "days": "abc"})
    assert response.status_code == 200
    assert response.context["campaign"] == dashboard.Campaign.objects.current()


def test_the_menu_item_is_for_those_who_may_open_it():
    item = register_dashboard_menu()
    request = RequestFactory().get("/admin/")
    for role, shown in [("city", True), ("accountant", True), ("admin", True), ("reviewer", False)]:
        request.user = UserFactory(role=role)
        assert item.is_shown(request) is shown, role
    request.user = AnonymousUser()
    assert item.is_shown(request) is False
