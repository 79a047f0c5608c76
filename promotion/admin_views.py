"""The flyer's two downloads in the admin: the approved print data and the latest draft as a proof."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied

from . import pdf
from .models import Flyer
from .permissions import can_download

PDF_TYPE = "application/pdf"


def _download(request: HttpRequest, pk: int, *, proof: bool) -> HttpResponse:
    if not can_download(request.user):
        return permission_denied(request)
    flyer = get_object_or_404(Flyer.objects.select_related("campaign"), pk=pk)
    bleed = request.GET.get("bleed") == "1" if "bleed" in request.GET else None
    try:
        content = pdf.proof_pdf(flyer, bleed=bleed) if proof else pdf.live_pdf(flyer, bleed=bleed)
    except pdf.PdfError as exc:
        messages.error(request, str(exc))
        return redirect("wagtailsnippets_promotion_flyer:edit", flyer.pk)
    with_bleed = flyer.bleed if bleed is None else bleed
    response = HttpResponse(content, content_type=PDF_TYPE)
    name = pdf.filename(flyer, proof=proof, bleed=with_bleed)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def flyer_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The published (approved) flyer as print-ready PDF."""
    return _download(request, pk, proof=False)


@require_GET
def flyer_proof_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest saved revision, marked 校正, for a proof round with the city."""
    return _download(request, pk, proof=True)
