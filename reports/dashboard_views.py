"""The city's dashboard (市ダッシュボード): one read-only page with every figure the city asks for.

Who may open it: everyone who may read the budget dashboard (`claims.view_budgetaccount`: `city`,
`accountant`, `admin`). The budget is its headline figure, and the city's role has that permission
for exactly this kind of reading. (`claims.view_monthlyclose`, the report permission, would leave
out `admin`, who supports the city.) The page answers GET and HEAD only; it has no form that
changes anything, and computing it writes nothing (`reports.dashboard`). Every figure links to its
detail screen, but only when the user may open that screen: the links ask the same permission
helpers the detail views' decorators use.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.admin.auth import permission_required

from campaigns.models import Campaign
from campaigns.selection import selected_campaign
from claims import charts as claim_charts
from claims import permissions as claim_perms
from inquiries import permissions as inquiry_perms
from participants import permissions as participant_perms
from surveys import admin_links
from surveys import charts as survey_charts
from surveys import permissions as survey_perms
from surveys.results import DayCount, Option

from . import dashboard
from .dashboard import CityDashboard, StateRow

VIEW = claim_perms.VIEW_BUDGET


def can_view(user) -> bool:
    return user.has_perm(VIEW)


def _url(name: str, *args, **query) -> str:
    url = reverse(name, args=args)
    query = {key: value for key, value in query.items() if value not in ("", None)}
    return f"{url}?{urlencode(query)}" if query else url


def _inquiry_days(request: HttpRequest) -> int:
    value = request.GET.get("days", "")
    return (
        int(value)
        if value.isdigit() and int(value) in dashboard.INQUIRY_WINDOWS
        else dashboard.DEFAULT_INQUIRY_WINDOW
    )


def _state_chart(rows: list[StateRow]) -> survey_charts.BarChart | None:
    if not any(row.count for row in rows):
        return None
    return survey_charts.option_chart([Option(row.value, row.label, row.count) for row in rows])


def _link(figures: CityDashboard, user) -> dict[str, str]:
    """Attach each figure's detail URL where the user may open it; return the section-level links."""
    campaign = figures.campaign.slug
    links: dict[str, str] = {}
    if participant_perms.can_view(user):
        links["applications"] = _url("participants_queue", campaign=campaign)
        for row in figures.applications:
            if row.value != "draft":  # drafts are the hotels' unfinished work, not in the queue
                row.url = _url("participants_queue", campaign=campaign, status=row.value)
        for case in figures.waiting:
            case.url = reverse("participants_application", args=[case.application.pk])
    if participant_perms.can_decide_escalation(user):
        links["escalations"] = reverse("participants_escalations")
    if claim_perms.can_view_budget(user):
        links["budget"] = _url("claims_dashboard", campaign=campaign)
    if claim_perms.can_view(user):
        links["claims"] = _url("claims_list", campaign=campaign)
        for row in figures.claims:
            row.url = _url("claims_list", campaign=campaign, status=row.value)
    if inquiry_perms.can_view(user):
        links["inquiries"] = reverse("inquiries_list")
        links["escalated_inquiries"] = _url("inquiries_list", status="escalated")
        for day in figures.inquiries.days:
            day.url = _url("inquiries_list", date=day.day.isoformat())
            day.cells = [
                (count, _url("inquiries_list", date=day.day.isoformat(), category=category.pk))
                for count, category in zip(day.by_category, figures.inquiries.categories, strict=True)
            ]
    else:
        for day in figures.inquiries.days:
            day.url = ""
            day.cells = [(count, "") for count in day.by_category]
    if inquiry_perms.can_view_reports(user):
        links["inquiry_reports"] = reverse("inquiries_reports")
    for item in figures.surveys:
        if survey_perms.can_view_results(user):
            item.results_url = reverse("surveys_admin:results_dashboard", args=[item.survey.pk])
        if admin_links.can_use(user):
            item.rates_url = reverse("surveys_admin:links_survey", args=[item.survey.pk])
    return links


@permission_required(VIEW)
@require_safe
def city_dashboard(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    days = _inquiry_days(request)
    context: dict = {
        "campaigns": campaigns,
        "campaign": campaign,
        "days": days,
        "windows": dashboard.INQUIRY_WINDOWS,
    }
    if isinstance(campaign, Campaign):
        figures = dashboard.city_dashboard(campaign, inquiry_days=days)
        burn_down = figures.budget.burn_down
        running = 0
        day_counts = []
        for day in figures.inquiries.days:
            running += day.total
            day_counts.append(DayCount(day.day, day.total, running))
        context.update(
            {
                "figures": figures,
                "links": _link(figures, request.user),
                "application_chart": _state_chart(figures.applications),
                "claim_chart": _state_chart(figures.claims),
                "burn_down_chart": claim_charts.line_chart(
                    [(row["day"], row["left"]) for row in burn_down], figures.budget.limit
                ),
                "inquiry_chart": survey_charts.day_chart(day_counts) if running else None,
            }
        )
    return TemplateResponse(request, "reports/admin/dashboard.html", context)
