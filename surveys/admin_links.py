"""Staff screens: per-facility survey links, QR codes, printable cards and response rates.

回答リンク・QR コード is for the roles that build surveys (`surveys.change_survey`: they hand cards to
hotels) and the roles that read results (`surveys.view_results`). Counts of answers per facility are
not personal data, so both may see them. Views check the permission again, whatever the menu shows.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.admin.auth import any_permission_required
from wagtail.models import Locale

from claims.models import ClaimLine, ClaimStatus
from core.admin_menu import PermissionMenuItem
from core.paging import query_without
from facilities.models import Participation

from . import permissions as perms
from . import qr
from .models import Response, Survey

PER_PAGE = 50
ALLOWED = (perms.EDIT, perms.VIEW_RESULTS)
# Stays a facility has claimed: lines of claims it has sent in (drafts and returned claims may still
# change), not excluded by the reviewers. One line is one stay, whatever its nights and guests.
CLAIMED_STATUSES = [ClaimStatus.SUBMITTED, ClaimStatus.IN_REVIEW, ClaimStatus.APPROVED, ClaimStatus.PAID]


def can_use(user: Any) -> bool:
    return any(user.has_perm(permission) for permission in ALLOWED)


def _count(queryset: QuerySet, group_by: str) -> Subquery:
    return Coalesce(
        Subquery(queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]),
        Value(0),
        output_field=IntegerField(),
    )


def facility_rates(survey: Survey, query: str = "") -> QuerySet[Participation]:
    """The campaign's participations with `response_count` and `stay_count`, in kana order.

    Counted in subqueries, so a page of facilities costs one query however many there are.
    """
    responses = Response.objects.filter(survey=survey, facility=OuterRef("facility_id"))
    stays = ClaimLine.objects.filter(
        participation=OuterRef("pk"), excluded=False, claim__status__in=CLAIMED_STATUSES
    )
    participations = (
        Participation.objects.filter(campaign_id=survey.campaign_id)
        .select_related("facility")
        .annotate(response_count=_count(responses, "facility"), stay_count=_count(stays, "participation"))
        .order_by("facility__kana", "facility__name", "pk")
    )
    query = query.strip()
    if query:
        participations = participations.filter(
            Q(facility__name__icontains=query)
            | Q(facility__kana__icontains=query)
            | Q(facility__code__icontains=query)
        )
    return participations


def response_rate(responses: int, stays: int) -> float | None:
    """Answers per claimed stay in percent; None where nothing was claimed (shown as —)."""
    return responses * 100 / stays if stays else None


def _survey(survey_id: int) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("campaign"), pk=survey_id, locale=Locale.get_default()
    )


def _participation(survey: Survey, code: str) -> Participation:
    return get_object_or_404(
        Participation.objects.select_related("facility"), campaign_id=survey.campaign_id, facility__code=code
    )


@any_permission_required(*ALLOWED)
def links_index(request: HttpRequest) -> HttpResponse:
    surveys = (
        Survey.objects.filter(locale=Locale.get_default())
        .select_related("campaign")
        .annotate(
            facility_count=Count("campaign__participations", distinct=True),
            response_count=Count("responses", distinct=True),
        )
        .order_by("-opens_at", "pk")
    )
    return TemplateResponse(request, "surveys/admin/links_index.html", {"surveys": surveys})


@any_permission_required(*ALLOWED)
def links_survey(request: HttpRequest, survey_id: int) -> HttpResponse:
    survey = _survey(survey_id)
    query = request.GET.get("q", "")
    page = Paginator(facility_rates(survey, query), PER_PAGE).get_page(request.GET.get("page"))
    root = qr.site_root(request)
    for participation in page.object_list:
        participation.link = qr.survey_link(survey, participation.facility, root)
        participation.rate = response_rate(participation.response_count, participation.stay_count)
    context = {
        "survey": survey,
        "page_obj": page,
        "query": query,
        "query_string": query_without(request),
        "without_facility": Response.objects.filter(survey=survey, facility__isnull=True).count(),
    }
    return TemplateResponse(request, "surveys/admin/links_survey.html", context)


@any_permission_required(*ALLOWED)
def links_qr(request: HttpRequest, survey_id: int, code: str, kind: str) -> HttpResponse:
    survey = _survey(survey_id)
    return qr.qr_response(survey, _participation(survey, code).facility, kind, request)


@any_permission_required(*ALLOWED)
def links_card(request: HttpRequest, survey_id: int, code: str) -> HttpResponse:
    survey = _survey(survey_id)
    return qr.card_response(request, survey, _participation(survey, code).facility)


urlpatterns = [
    path("links/", links_index, name="links_index"),
    path("links/<int:survey_id>/", links_survey, name="links_survey"),
    path("links/<int:survey_id>/<str:code>/qr.png", links_qr, {"kind": "png"}, name="links_qr_png"),
    path("links/<int:survey_id>/<str:code>/qr.svg", links_qr, {"kind": "svg"}, name="links_qr_svg"),
    path("links/<int:survey_id>/<str:code>/card/", links_card, name="links_card"),
]


def menu_items() -> list:
    return [
        PermissionMenuItem(
            _("回答リンク・QR コード"),
            reverse_lazy("surveys_admin:links_index"),
            icon_name="link",
            order=110,
            allowed=can_use,
        )
    ]
