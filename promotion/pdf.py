"""The flyer as print data: one template (`promotion/pdf/flyer.html`) for the browser preview and the PDF.

The PDF is A4 (210 × 297 mm). With bleed the CSS page stays A4 and WeasyPrint adds the 3 mm bleed
and crop marks around it, so the PDF's TrimBox is A4 and its MediaBox 216 × 303 mm, which is what a
printer's imposition software reads. Text is Noto Sans CJK JP, embedded by WeasyPrint (core.pdf);
the photo is a rendition at least as large as 300 dpi needs at its printed size (never the site's
web-sized one), and the QR code is vector (SVG). A draft is printed as a proof (校正刷り): labelled
and watermarked on every edge so it can never be mistaken for the approved data.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from core.pdf import FONT_FAMILY, PdfError, check_fonts, html_to_pdf

from .models import IMAGE_MM, Flyer, image_pixels_needed

BLEED_MM = 3
PROOF = "proof"
PREVIEW = "preview"


class FlyerError(PdfError):
    """No flyer to print (the message says why and what to do)."""


NOT_PUBLISHED = gettext_lazy(
    "このチラシはまだ公開（承認）されていません。校正刷りをダウンロードしてください。"
)


def image_source(flyer: Flyer, *, for_pdf: bool) -> str:
    """The photo's URL: a rendition covering the print box at 300 dpi (a local file URI for WeasyPrint)."""
    if flyer.image is None:
        return ""
    width, height = image_pixels_needed()
    rendition = flyer.image.get_rendition(f"fill-{width}x{height}|format-jpeg|jpegquality-92")
    if for_pdf:
        try:
            return Path(rendition.file.path).as_uri()
        except NotImplementedError:  # remote storage: WeasyPrint fetches the absolute URL
            return rendition.full_url
    return rendition.url


def flyer_context(
    flyer: Flyer,
    *,
    mark: str | None = None,
    revision: Any = None,
    for_pdf: bool = False,
    bleed: bool | None = None,
) -> dict[str, Any]:
    """Everything the template shows; the campaign's period and rule come from the `Campaign`."""
    from surveys.qr import qr_inline_svg

    from .models import default_contact, default_qr_url

    phone, hours = flyer.phone, flyer.hours
    if not phone or not hours:  # a flyer saved before the settings were filled in
        default_phone, default_hours = default_contact()
        phone, hours = phone or default_phone, hours or default_hours
    qr_url = flyer.qr_url or default_qr_url()
    return {
        "flyer": flyer,
        "campaign": flyer.campaign,
        "steps": [step.value for step in flyer.steps],
        "phone": phone,
        "hours": hours,
        "qr_url": qr_url,
        "short_url": qr_url.split("://", 1)[-1].rstrip("/"),
        "qr_svg": qr_inline_svg(qr_url),
        "image_src": image_source(flyer, for_pdf=for_pdf),
        "image_mm": IMAGE_MM,
        "bleed": flyer.bleed if bleed is None else bleed,
        "bleed_mm": BLEED_MM,
        "for_pdf": for_pdf,
        "mark": mark,
        "revision": revision,
        "printed_at": timezone.localtime(),
        "font_family": FONT_FAMILY,
    }


def render(flyer: Flyer, *, proof: bool = False, revision: Any = None, bleed: bool | None = None) -> bytes:
    """The PDF bytes; raises PdfError when the Japanese font is missing."""
    from django.template.loader import render_to_string

    check_fonts()
    context = flyer_context(
        flyer, mark=PROOF if proof else None, revision=revision, for_pdf=True, bleed=bleed
    )
    return html_to_pdf(render_to_string("promotion/pdf/flyer.html", context))


def live_pdf(flyer: Flyer, *, bleed: bool | None = None) -> bytes:
    """The approved print data: the published version (a pending draft is not included)."""
    if not flyer.live:
        raise FlyerError(NOT_PUBLISHED)
    # The row holds the live content (a draft saved on a live snippet is only a revision).
    published = flyer.live_revision.as_object() if flyer.live_revision else flyer
    return render(published, bleed=bleed)


def proof_pdf(flyer: Flyer, *, bleed: bool | None = None) -> bytes:
    """The latest saved revision (draft or not) as a 校正刷り."""
    revision = flyer.latest_revision
    draft = revision.as_object() if revision else flyer
    return render(draft, proof=True, revision=revision, bleed=bleed)


def current_flyer(today: datetime.date | None = None, *, live_only: bool = True) -> Flyer | None:
    """The flyer of the current campaign round (else the most recently published one)."""
    from campaigns.models import Campaign

    flyers = Flyer.objects.select_related("campaign")
    if live_only:
        flyers = flyers.filter(live=True)
    campaign = Campaign.objects.current(today)
    ordered = flyers.order_by("-last_published_at", "-pk")
    if campaign is not None:
        found = ordered.filter(campaign=campaign).first()
        if found is not None:
            return found
    return ordered.first()


def filename(flyer: Flyer, *, proof: bool = False, bleed: bool = False) -> str:
    kind = "proof" if proof else "print"
    suffix = "_bleed" if bleed else ""
    return f"flyer_{flyer.campaign.slug}_{flyer.pk}_{kind}{suffix}_{timezone.localdate():%Y%m%d}.pdf"
