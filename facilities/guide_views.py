"""Views behind the facility guide page's routes (see `FacilityGuidePage`). Thin: the search is in
`facilities.search`, the data rules in the models."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING
from urllib.parse import quote_plus

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from campaigns.models import Campaign
from core import cache as versioned

from .models import Participation
from .search import PER_PAGE, ListedRow, guide_filter, load_listed

if TYPE_CHECKING:
    from .models import FacilityGuidePage

CARD_TEMPLATE = "facilities/includes/facility_card.html"
NEARBY_COUNT = 6
SOLD_OUT_PER_PAGE = 50


def _render(page: FacilityGuidePage, request: HttpRequest, template: str, context: dict) -> HttpResponse:
    return TemplateResponse(request, template, {**page.get_context(request), **context})


def current_campaign() -> Campaign | None:
    """`Campaign.objects.current()`, kept for the day under the `pages` version (a campaign's save
    bumps it): the same for every search."""
    today = timezone.localdate()
    return versioned.get_or_build(
        versioned.PAGES,
        ("current-campaign", today.isoformat()),
        lambda: Campaign.objects.current(today),
        local=True,  # read by every search: kept in the process under the version (do not modify it)
    )


def guide_index(page: FacilityGuidePage, request: HttpRequest) -> HttpResponse:
    campaign = current_campaign()
    filterset = guide_filter(request.GET, campaign)
    results = Paginator(filterset.results, PER_PAGE).get_page(request.GET.get("page"))
    guide_url = page.get_url(request) or ""  # remembered on the request: no second site lookup
    cards = result_cards(campaign, results.object_list, guide_url)
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
            "cards": cards,
            "guide_url": guide_url,
            "query_string": query.urlencode(),
            "active_filters": active_filters,
        },
    )


def result_cards(campaign: Campaign | None, rows: list[ListedRow], guide_url: str) -> list[str]:
    """The HTML of each result's card, from the cache when it has it (one `get_many` for the page).

    Rendering 20 cards was most of a search's time, and a card is the same in every search that finds
    its facility. The key is the facility, its 販売終了 state and last edit, the language and the guide's
    URL, under the `pages` version of `core.cache`, which every change a card shows bumps (a facility,
    its participation, 販売終了, a taxonomy term, the guide page). Only the missing cards are read from
    the database (one query for the rows, one for their features) and rendered, so a search whose
    cards are all cached makes no query at all.
    """
    language = get_language()
    url_digest = hashlib.md5(guide_url.encode(), usedforsecurity=False).hexdigest()[:12]
    parts = [("card", language, url_digest, row.facility, int(row.sold_out), row.updated) for row in rows]

    def render(missing: list[tuple]) -> list[str]:
        by_facility = {row.facility: row for row in rows}
        loaded = load_listed(campaign, [by_facility[item[3]] for item in missing])
        template = get_template(CARD_TEMPLATE)
        labels = {
            "label_type": gettext("種別"),
            "label_area": gettext("エリア"),
            "label_features": gettext("特徴"),
            "label_sold_out": gettext("販売終了"),
        }
        # A row that left the listing since this request read it (the change bumped `pages`, so the
        # empty card is stored under a version no one reads again) shows nothing.
        return [
            template.render(
                {"facility": row.facility, "sold_out": row.sold_out, "guide_url": guide_url, **labels}
            )
            if row is not None
            else ""
            for row in loaded
        ]

    return [mark_safe(html) for html in versioned.get_or_build_many(versioned.PAGES, parts, render)]  # noqa: S308


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
