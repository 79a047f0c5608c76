"""Per-facility survey links and their QR codes, for the staff screens and the members area alike.

The link is absolute and always the Japanese URL (the page has a language switch): it is printed on
cards that stay on hotel counters for the whole campaign, so it is built from the default Wagtail
Site's root URL rather than from whichever host the staff member happens to use.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from wagtail.models import Site

from .models import Survey

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
PNG_SCALE = 10  # 10 px per module: about 4 cm at 300 dpi for a typical version-4 code
BORDER = 4  # the quiet zone the QR standard asks for
LOCAL_HOSTS = {"", "localhost", "127.0.0.1"}


def site_root(request: HttpRequest | None = None) -> str:
    """`https://host` of the public site: the default Site, else the request's host."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None and (request is None or site.hostname not in LOCAL_HOSTS):
        return site.root_url
    if request is not None:  # a development site: the host the page was asked from
        return request.build_absolute_uri("/").rstrip("/")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def survey_link(survey: Survey, facility: Any, root: str) -> str:
    """The absolute per-facility URL of a survey (Japanese, /survey/<slug>/f/<code>/)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("surveys:facility_link", args=[survey.slug, facility.code])
    return root + path


def make_qr(url: str) -> segno.QRCode:
    """Error correction M (readable when slightly scuffed, still small), never boosted or micro."""
    return segno.make(url, error="m", boost_error=False, micro=False)


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="png", scale=PNG_SCALE, border=BORDER)
    return buffer.getvalue()


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    make_qr(url).save(buffer, kind="svg", scale=PNG_SCALE, border=BORDER, title=url)
    return buffer.getvalue()


def qr_inline_svg(url: str) -> str:
    """An `<svg>` element sized by CSS (for the printable card)."""
    return make_qr(url).svg_inline(scale=1, border=BORDER, omitsize=True, svgclass="qr-code")


def filename(survey: Survey, facility: Any, kind: str) -> str:
    return f"survey-qr-{survey.slug}-{facility.code}.{kind}"


def qr_response(survey: Survey, facility: Any, kind: str, request: HttpRequest | None = None) -> HttpResponse:
    """The QR code as a PNG or SVG download named after the facility code."""
    url = survey_link(survey, facility, site_root(request))
    body = qr_png(url) if kind == "png" else qr_svg(url)
    response = HttpResponse(body, content_type=FORMATS[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename(survey, facility, kind)}"'
    return response


def card_response(request: HttpRequest, survey: Survey, facility: Any) -> HttpResponse:
    """The printable card (A6): facility, survey title, QR code, short URL, in Japanese and English."""
    url = survey_link(survey, facility, site_root(request))
    english = Survey.objects.filter(
        translation_key=survey.translation_key, locale__language_code="en"
    ).first()
    context = {
        "survey": survey,
        "english": english or survey,
        "facility": facility,
        "url": url,
        "short_url": url.split("://", 1)[-1],
        "qr_svg": qr_inline_svg(url),
    }
    return render(request, "surveys/survey_card.html", context)


def facility_surveys(facility: Any, now: Any = None) -> list[Survey]:
    """Japanese surveys of the campaigns the facility takes part in that have not closed yet."""
    from django.utils import timezone
    from wagtail.models import Locale

    now = now or timezone.now()
    return list(
        Survey.objects.filter(
            locale=Locale.get_default(),
            campaign__participations__facility=facility,
            closes_at__gt=now,
        )
        .select_related("campaign")
        .order_by("opens_at", "pk")
        .distinct()
    )
