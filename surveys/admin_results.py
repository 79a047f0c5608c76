"""アンケート集計: the staff screens of survey results in the Wagtail admin.

The list of surveys, one survey's dashboard (figures, charts, free-text selection, a cross-tab chosen
with two selects), and the downloads: the answers as Excel (no personal data: lottery entries are
never read) and the 集計・分析報告書 PDF, the same as `manage.py survey_report`. Views only read
the request; the figures come from `surveys.results`. Every view requires `surveys.view_results`.
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.auth import permission_required
from wagtail.models import Locale

from core.admin_menu import PermissionMenuItem
from facilities.models import Facility
from jobs.admin_views import start_download

from . import charts
from .models import Response, Survey
from .permissions import VIEW_RESULTS, can_view_results
from .results import Filters, cross_tabulate, survey_results


def _source_surveys():
    return Survey.objects.filter(locale=Locale.get_default()).select_related("campaign")


def _survey(pk: int) -> Survey:
    return get_object_or_404(_source_surveys(), pk=pk)


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def filters_from(request: HttpRequest) -> Filters:
    """The dashboard's filters from the query string; values that do not parse are ignored."""
    version = request.GET.get("version", "")
    return Filters(
        version=int(version) if version.isdigit() else None,
        start=_date(request.GET.get("start")),
        end=_date(request.GET.get("end")),
        facility=request.GET.get("facility") or None,
    )


def _language() -> str:
    return "en" if (get_language() or "ja").startswith("en") else "ja"


@permission_required(VIEW_RESULTS)
def results_list(request: HttpRequest) -> HttpResponse:
    surveys = _source_surveys().annotate(response_count=Count("responses")).order_by("-opens_at", "pk")
    now = timezone.now()
    rows = [{"survey": survey, "is_open": survey.is_open(now)} for survey in surveys]
    return TemplateResponse(request, "surveys/admin/results_list.html", {"rows": rows})


@permission_required(VIEW_RESULTS)
def results_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _survey(pk)
    filters = filters_from(request)
    language = _language()
    results = survey_results(survey, filters, language=language)
    categorical = results.categorical
    row_key, column_key = request.GET.get("row", ""), request.GET.get("column", "")
    crosstab = None
    if row_key and column_key:
        crosstab = cross_tabulate(survey, row_key, column_key, filters, language=language)
        if crosstab is None:
            messages.warning(request, _("クロス集計には、異なる2つの選択式の質問を選んでください。"))
    facility_ids = Response.objects.filter(survey=survey, facility__isnull=False).values("facility_id")
    facilities = Facility.objects.filter(pk__in=facility_ids).order_by("code").values_list("code", "name")
    query = request.GET.copy()
    for name in ("row", "column"):
        query.pop(name, None)
    return TemplateResponse(
        request,
        "surveys/admin/results_dashboard.html",
        {
            "survey": survey,
            "results": results,
            "filters": filters,
            "questions": [
                {
                    "result": question,
                    "chart": None if question.is_free_text else charts.option_chart(question.shown_options),
                }
                for question in results.questions
            ],
            "day_chart": charts.day_chart(results.by_day),
            "categorical": categorical,
            "row_key": row_key,
            "column_key": column_key,
            "crosstab": crosstab,
            "facilities": facilities,
            "filter_query": query.urlencode(),
            "excel_url": reverse("surveys_admin:results_excel", args=[survey.pk]),
            "pdf_url": reverse("surveys_admin:results_pdf", args=[survey.pk]),
        },
    )


@permission_required(VIEW_RESULTS)
@require_POST
def results_excel(request: HttpRequest, pk: int) -> HttpResponse:
    """The answers, one row per response, with the dashboard's filters (from the query string): made
    by a background job (`jobs.builders`), 12 s at 50,000 answers."""
    survey = _survey(pk)
    filters = filters_from(request)
    params = {
        "survey": survey.pk,
        "version": filters.version,
        "start": filters.start.isoformat() if filters.start else None,
        "end": filters.end.isoformat() if filters.end else None,
        "facility": filters.facility,
        "language": _language(),
        "flags": request.GET.get("flags") == "1",
    }
    label = _("%(title)s 回答データ（Excel）") % {"title": survey.title}
    return start_download(request, "surveys.answers_excel", params, label)


@permission_required(VIEW_RESULTS)
@require_POST
def results_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 集計・分析報告書 of all responses, as `manage.py survey_report` writes it, in a background job."""
    survey = _survey(pk)
    language = "en" if request.GET.get("language") == "en" else "ja"
    label = _("%(title)s 集計・分析報告書（PDF）") % {"title": survey.title}
    return start_download(request, "surveys.report_pdf", {"survey": survey.pk, "language": language}, label)


urlpatterns = [
    path("results/", results_list, name="results_list"),
    path("results/<int:pk>/", results_dashboard, name="results_dashboard"),
    path("results/<int:pk>/answers.xlsx", results_excel, name="results_excel"),
    path("results/<int:pk>/report.pdf", results_pdf, name="results_pdf"),
]


def menu_items() -> list:
    return [
        PermissionMenuItem(
            _("アンケート集計"),
            reverse_lazy("surveys_admin:results_list"),
            icon_name="table",
            order=300,
            allowed=can_view_results,
        )
    ]
