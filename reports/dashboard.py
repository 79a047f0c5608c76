"""Every figure of the city's dashboard (市ダッシュボード), computed from the records.

Plain functions of a campaign (and of today), so the dashboard, a report or a test asks the same
question. They only read: nothing here creates or changes a row (the budget figures come from the
campaign's account as stored, or the campaign's budget when no money moved yet). Each figure is
computed by the function its own app already uses for its detail screen (`claims.budget`,
`claims.forecast`, `inquiries` tallies' rules, `surveys.admin_links`, `Application.objects
.waiting_for_city()`), so a number on the dashboard is the number behind its link.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from wagtail.models import Locale

from campaigns.models import Campaign
from claims import budget, forecast
from claims.models import BudgetAccount, Claim, ClaimLine, ClaimStatus
from inquiries.business_days import TOKYO
from inquiries.models import Inquiry, InquiryCategory, InquiryStatus, QuickTally
from participants.models import Application, ApplicationStatus
from surveys.admin_links import CLAIMED_STATUSES, response_rate
from surveys.models import Survey

# The windows the inquiries section offers (days back from today, today included).
INQUIRY_WINDOWS = (14, 30)
DEFAULT_INQUIRY_WINDOW = 14


@dataclass
class StateRow:
    """One state of applications or claims: how many, and for claims the money."""

    value: str
    label: str
    count: int = 0
    claimed: int = 0  # claims: 申請額
    approved: int = 0  # claims: 承認額
    url: str = ""  # its detail screen, set by the view when the user may open it


@dataclass
class BudgetFigures:
    limit: int  # 予算額
    allocated: int  # 配分済み
    submitted: int  # 申請中（確保済み）
    approved: int  # 承認済み
    paid: int  # 支払済み
    burn_down: list[dict]  # claims.budget.burn_down rows
    pace: int  # yen approved per day over the forecast window
    runs_out_on: datetime.date | None  # 予算消化見込み日
    stay_end: datetime.date
    window: int = forecast.WINDOW_DAYS

    @property
    def remaining(self) -> int:
        """残額: the budget less what was approved (as on the budget dashboard)."""
        return self.limit - self.approved

    @property
    def unreserved(self) -> int:
        """What is neither approved nor reserved by claims in review."""
        return self.limit - self.approved - self.submitted

    @property
    def has_approvals(self) -> bool:
        return bool(self.burn_down)

    @property
    def runs_out_within_stays(self) -> bool:
        return self.runs_out_on is not None and self.runs_out_on <= self.stay_end


@dataclass
class InquiryDay:
    day: datetime.date
    by_category: list[int]  # 応対記録 per category, in the order of `InquiryFigures.categories`
    quick: int = 0  # 簡易集計 (counted by category too, but without a record to open)

    @property
    def records(self) -> int:
        return sum(self.by_category)

    @property
    def total(self) -> int:
        return self.records + self.quick


@dataclass
class InquiryFigures:
    start: datetime.date
    end: datetime.date
    categories: list[InquiryCategory]
    days: list[InquiryDay]
    escalated: int  # inquiries still marked エスカレーション (any day)
    oldest_escalated_at: datetime.datetime | None

    @property
    def category_totals(self) -> list[int]:
        return [sum(day.by_category[index] for day in self.days) for index in range(len(self.categories))]

    @property
    def records(self) -> int:
        return sum(day.records for day in self.days)

    @property
    def quick(self) -> int:
        return sum(day.quick for day in self.days)

    @property
    def total(self) -> int:
        return self.records + self.quick


@dataclass
class SurveyFigures:
    survey: Survey
    responses: int
    stays: int  # claimed stays of the campaign (lines of handed-in claims, not excluded)
    results_url: str = ""  # set by the view when the user may open them
    rates_url: str = ""

    @property
    def rate(self) -> float | None:
        return response_rate(self.responses, self.stays)


@dataclass
class WaitingCase:
    application: Application
    escalated_at: datetime.datetime | None
    question: str
    waiting_days: int
    url: str = ""  # set by the view when the user may open it


@dataclass
class CityDashboard:
    campaign: Campaign
    today: datetime.date
    applications: list[StateRow]
    budget: BudgetFigures
    claims: list[StateRow]
    inquiries: InquiryFigures
    surveys: list[SurveyFigures]
    waiting: list[WaitingCase] = field(default_factory=list)

    @property
    def applications_total(self) -> int:
        return sum(row.count for row in self.applications)

    @property
    def claims_total(self) -> StateRow:
        return StateRow(
            "",
            "",
            count=sum(row.count for row in self.claims),
            claimed=sum(row.claimed for row in self.claims),
            approved=sum(row.approved for row in self.claims),
        )


# --- sections -------------------------------------------------------------------------------------


def application_counts(campaign: Campaign) -> list[StateRow]:
    """Applications of the round per state, drafts (the hotels' unfinished work) included."""
    counts = dict(
        Application.objects.filter(campaign=campaign).order_by().values_list("status").annotate(n=Count("pk"))
    )
    return [StateRow(value, str(label), counts.get(value, 0)) for value, label in ApplicationStatus.choices]


def budget_figures(campaign: Campaign, today: datetime.date) -> BudgetFigures:
    """The campaign's balances, the burn-down and the day the budget runs out at the present pace."""
    account = BudgetAccount.objects.filter(campaign=campaign, participation__isnull=True).first()
    if account is None:  # nothing allocated or claimed yet; read without creating the account
        account = BudgetAccount(campaign=campaign, limit=campaign.budget)
    per_day = budget.approved_per_day(campaign)
    remaining = account.limit - account.approved
    return BudgetFigures(
        limit=account.limit,
        allocated=account.allocated,
        submitted=account.submitted,
        approved=account.approved,
        paid=account.paid,
        burn_down=budget.burn_down(per_day, account.limit),
        pace=forecast.daily_pace(per_day, today),
        runs_out_on=forecast.runs_out_on(per_day, remaining, today),
        stay_end=campaign.stay_end,
    )


# What the staff claim list shows: every state but the hotels' drafts.
CLAIM_STATES = [choice for choice in ClaimStatus.choices if choice[0] != ClaimStatus.DRAFT]


def claim_counts(campaign: Campaign) -> list[StateRow]:
    """Handed-in claims of the round per state, with the claimed and the approved amounts."""
    rows = {
        row["status"]: row
        for row in Claim.objects.filter(participation__campaign=campaign)
        .exclude(status=ClaimStatus.DRAFT)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"), claimed=Sum("claimed_amount"), approved=Sum("approved_amount"))
    }
    result = []
    for value, label in CLAIM_STATES:
        row = rows.get(value, {})
        result.append(
            StateRow(
                value,
                str(label),
                row.get("n", 0),
                claimed=row.get("claimed") or 0,
                approved=row.get("approved") or 0,
            )
        )
    return result


def inquiry_figures(today: datetime.date, days: int = DEFAULT_INQUIRY_WINDOW) -> InquiryFigures:
    """Inquiries per day (Asia/Tokyo) and category over the last `days` days, today included.

    The call center is not per round, so neither are these figures. 応対記録 are counted per
    category; 簡易集計 clicks are counted per day beside them, as the daily tally does.
    """
    start = today - datetime.timedelta(days=days - 1)
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=TOKYO)
    until = datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min, tzinfo=TOKYO)
    records = {
        (row["day"], row["category_id"]): row["n"]
        for row in Inquiry.objects.filter(received_at__gte=since, received_at__lt=until)
        .annotate(day=TruncDate("received_at", tzinfo=TOKYO))
        .order_by()
        .values("day", "category_id")
        .annotate(n=Count("pk"))
    }
    quick = dict(
        QuickTally.objects.filter(at__gte=since, at__lt=until)
        .annotate(day=TruncDate("at", tzinfo=TOKYO))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )
    used = {category_id for _day, category_id in records}
    categories = [
        c for c in InquiryCategory.objects.order_by("sort_order", "pk") if c.is_active or c.pk in used
    ]
    rows = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        rows.append(
            InquiryDay(day, [records.get((day, c.pk), 0) for c in categories], quick=quick.get(day, 0))
        )
    escalated = Inquiry.objects.filter(status=InquiryStatus.ESCALATED).order_by("received_at")
    oldest = escalated.values_list("received_at", flat=True).first()
    return InquiryFigures(start, today, categories, rows, escalated.count(), oldest)


def survey_figures(campaign: Campaign) -> list[SurveyFigures]:
    """Each survey of the round (its Japanese source, which holds the answers of both languages):
    answers against the stays claimed in the round, as the per-facility rates on 回答リンク count them."""
    stays = ClaimLine.objects.filter(
        participation__campaign=campaign, excluded=False, claim__status__in=CLAIMED_STATUSES
    ).count()
    surveys = (
        Survey.objects.filter(campaign=campaign, locale=Locale.get_default())
        .annotate(response_count=Count("responses"))
        .order_by("opens_at", "pk")
    )
    return [SurveyFigures(survey, survey.response_count, stays) for survey in surveys]


def waiting_for_city(today: datetime.date) -> list[WaitingCase]:
    """Every application escalated to the city (all rounds: a decision is due whatever round is
    shown), oldest question first, with the days it has waited."""
    cases = Application.objects.waiting_for_city().select_related("business", "campaign")
    result = []
    for application in cases:
        asked = application.escalated_at
        waited = (today - timezone.localtime(asked).date()).days if asked else 0
        result.append(WaitingCase(application, asked, application.question or "", max(waited, 0)))
    return result


def city_dashboard(
    campaign: Campaign, today: datetime.date | None = None, inquiry_days: int = DEFAULT_INQUIRY_WINDOW
) -> CityDashboard:
    today = today or timezone.localdate()
    return CityDashboard(
        campaign=campaign,
        today=today,
        applications=application_counts(campaign),
        budget=budget_figures(campaign, today),
        claims=claim_counts(campaign),
        inquiries=inquiry_figures(today, inquiry_days),
        surveys=survey_figures(campaign),
        waiting=waiting_for_city(today),
    )
