"""Open data: the facility guide as JSON and CSV, with the guide's own filters.

`GET /api/facilities/` → `{"count": N, "next": url|null, "previous": url|null, "results": [...]}`,
100 per page (`page`); `GET /api/facilities.csv` → every match as CSV (UTF-8 with BOM so Excel opens
it). Unlike the guide page, an unknown filter value is a 400 with the reasons: a program should learn
that its query is wrong rather than get everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.views.decorators.http import require_safe
from wagtail.models import Locale

from campaigns.models import Campaign
from core import cache as versioned
from core.security import SafeCSVWriter

from .models import FacilityGuidePage, Participation
from .search import guide_filter, load_listed, with_terms

API_PER_PAGE = 100
CSV_CHUNK = 2000
FIELDS = [
    "code",
    "name",
    "kana",
    "type",
    "ward",
    "area",
    "address",
    "features",
    "sold_out",
    "url",
    "updated_at",
]


def _guide_url(request: HttpRequest) -> str | None:
    """The guide page's absolute URL (default language); the page's URL is cached with the chrome."""

    def guide_path() -> str:
        guide = (
            FacilityGuidePage.objects.live().public().filter(locale=Locale.get_default()).first()
            or FacilityGuidePage.objects.live().public().first()
        )
        return (guide.url or "") if guide else ""

    path = versioned.get_or_build(versioned.CHROME, ("guide-url",), guide_path)
    return request.build_absolute_uri(path) if path else None


def _row(participation: Participation, guide_url: str | None) -> dict[str, Any]:
    facility = participation.facility
    return {
        "code": facility.code,
        "name": facility.name,
        "kana": facility.kana,
        "type": facility.facility_type.slug,
        "ward": facility.ward.slug,
        "area": facility.area.slug,
        "address": facility.address,
        "features": [feature.slug for feature in facility.feature_list],
        "sold_out": participation.sold_out,
        "url": f"{guide_url}{facility.code}/" if guide_url else None,
        "updated_at": facility.updated_at.isoformat(),
    }


def _filtered(request: HttpRequest):
    filterset = guide_filter(request.GET, Campaign.objects.current())
    errors = {
        name: [str(message) for message in messages] for name, messages in filterset.form.errors.items()
    }
    return filterset, errors


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"  # open data: any site may use it
    return response


@require_safe
def facilities_json(request: HttpRequest) -> HttpResponse:
    filterset, errors = _filtered(request)
    if errors:
        return _cors(JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}))
    page = Paginator(filterset.results, API_PER_PAGE).get_page(request.GET.get("page"))
    guide_url = _guide_url(request)

    def page_link(number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return _cors(
        JsonResponse(
            {
                "count": page.paginator.count,
                "next": page_link(page.next_page_number()) if page.has_next() else None,
                "previous": page_link(page.previous_page_number()) if page.has_previous() else None,
                "results": [
                    _row(participation, guide_url)
                    for participation in load_listed(filterset.campaign, page.object_list)
                    if participation is not None
                ],
            },
            json_dumps_params={"ensure_ascii": False},
        )
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_safe
def facilities_csv(request: HttpRequest) -> HttpResponse:
    filterset, errors = _filtered(request)
    if errors:
        lines = [f"{name}: {' '.join(messages)}" for name, messages in errors.items()]
        return _cors(HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8"))
    queryset = filterset.ordered()
    guide_url = _guide_url(request)
    writer = SafeCSVWriter(_Echo())  # names and texts that start like a formula stay text in Excel

    def rows() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(FIELDS)
        chunk: list[Participation] = []
        for participation in queryset.iterator(chunk_size=CSV_CHUNK):
            chunk.append(participation)
            if len(chunk) == CSV_CHUNK:
                yield from csv_lines(chunk)
                chunk = []
        yield from csv_lines(chunk)

    def csv_lines(chunk: list[Participation]) -> Iterator[str]:
        for participation in with_terms(chunk):
            row = _row(participation, guide_url)
            row["features"] = " ".join(row["features"])
            row["sold_out"] = "1" if row["sold_out"] else "0"
            yield writer.writerow([row[name] if row[name] is not None else "" for name in FIELDS])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="facilities.csv"'
    return _cors(response)
