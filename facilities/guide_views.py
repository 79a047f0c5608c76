"""Views behind the facility guide page's routes (see `FacilityGuidePage`). Thin: the search is in
`facilities.search`, the data rules in the models."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from campaigns.models import Campaign

from .models import Participation
from .search import PER_PAGE, guide_filter, with_terms

if TYPE_CHECKING:
    from .models import FacilityGuidePage

NEARBY_COUNT = 6
SOLD_OUT_PER_PAGE = 50


def _render(page: FacilityGuidePage, request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return TemplateResponse(request, template, {**page.get_context(request), **context})


def guide_index(page: FacilityGuidePage, request: HttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    filterset = guide_filter(request.GET, campaign)
    results = filterset.paginator(PER_PAGE).get_page(request.GET.get("page"))
    results.object_list = with_terms(results.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    active_filters = _active_filter_links(filterset, query)
    return _render(
        page,
        request,
        "facilities/facility_guide_page.html",
        {
            "campaign": campaign,
            "filter": filterset,
            "form": filterset.form,
            "results": results,
            "query_string": query.urlencode(),
            "active_filters": active_filters,
        },
    )


def _active_filter_links(filterset, query) -> list[dict[str, str]]:
    """One 'remove' link per active filter value, so an empty result can be loosened in one click."""
    cleaned = getattr(filterset.form, "cleaned_data", {})
    fields = filterset.form.fields
    links: list[dict[str, str]] = []

    def add(name: str, label: str, keep_features: list[str] | None = None) -> None:
        remaining = query.copy()
        if keep_features is None:
            remaining.pop(name, None)
        else:
            remaining.setlist("feature", keep_features)
        links.append({"field": str(fields[name].label), "label": label, "query": remaining.urlencode()})

    if cleaned.get("q"):
        add("q", cleaned["q"])
    for name in ("ward", "area", "type"):
        if cleaned.get(name):
            add(name, cleaned[name].display_name)
    features = list(cleaned.get("feature") or [])
    for feature in features:
        add("feature", feature.display_name, [other.slug for other in features if other != feature])
    if cleaned.get("available"):
        add("available", str(fields["available"].label))
    return links


def facility_detail(page: FacilityGuidePage, request: HttpRequest, code: str) -> HttpResponse:
    campaign = Campaign.objects.current()
    participation = (
        Participation.objects.listed(campaign)
        .select_related("facility", "facility__ward", "facility__area", "facility__facility_type")
        .prefetch_related("facility__features", "facility__photos__image")
        .filter(facility__code=code)
        .first()
    )
    if participation is None:
        raise Http404("No such facility in the current campaign")
    facility = participation.facility
    nearby = (
        Participation.objects.listed(campaign)
        .filter(facility__area=facility.area)
        .exclude(pk=participation.pk)
        .select_related("facility", "facility__facility_type")
        .order_by("facility__kana", "facility__name")[:NEARBY_COUNT]
    )
    return _render(
        page,
        request,
        "facilities/facility_detail.html",
        {
            "campaign": campaign,
            "participation": participation,
            "facility": facility,
            "nearby": nearby,
            "map_url": "https://www.google.com/maps/search/?api=1&query="
            + quote_plus(f"{facility.address} {facility.name}"),
            "breadcrumb_tail": facility.name,
            "route_suffix": f"{facility.code}/",
        },
    )


def sold_out(page: FacilityGuidePage, request: HttpRequest) -> HttpResponse:
    campaign = Campaign.objects.current()
    participations = (
        Participation.objects.listed(campaign)
        .filter(sold_out_at__isnull=False)
        .select_related("facility", "facility__area", "facility__facility_type")
        .order_by("-sold_out_at", "facility__kana")
    )
    results = Paginator(participations, SOLD_OUT_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        page,
        request,
        "facilities/sold_out.html",
        {
            "campaign": campaign,
            "results": results,
            "breadcrumb_tail": gettext("販売終了施設一覧"),
            "route_suffix": "sold-out/",
        },
    )
