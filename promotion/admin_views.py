"""The flyer's two downloads in the admin: the approved print data and the latest draft as a proof.

A GET shows what will be made (print data or proof, with or without 3 mm bleed) and a button; the POST
checks what can be checked at once (permission, a published version for print data) and hands the
rendering to a download job (`jobs.builders`, WeasyPrint takes seconds), whose page gives the file.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.admin import messages
from wagtail.admin.auth import permission_denied

from jobs.admin_views import start_download

from .models import Flyer
from .pdf import NOT_PUBLISHED
from .permissions import can_download


def _download(request: HttpRequest, pk: int, *, proof: bool) -> HttpResponse:
    if not can_download(request.user):
        return permission_denied(request)
    flyer = get_object_or_404(Flyer.objects.select_related("campaign"), pk=pk)
    if not proof and not flyer.live:
        messages.error(request, str(NOT_PUBLISHED))
        return redirect("wagtailsnippets_promotion_flyer:edit", flyer.pk)
    if request.method == "POST":
        bleed = request.POST.get("bleed") == "1"
        what = _("校正刷り") if proof else _("印刷用データ")
        label = _("チラシ「%(title)s」%(what)s（PDF%(bleed)s）") % {
            "title": flyer.title,
            "what": what,
            "bleed": _("・塗り足しあり") if bleed else "",
        }
        params = {"flyer": flyer.pk, "proof": proof, "bleed": bleed}
        return start_download(request, "promotion.flyer_pdf", params, label)
    return TemplateResponse(
        request,
        "promotion/admin/download.html",
        {"flyer": flyer, "proof": proof, "bleed": flyer.bleed},
    )


@require_http_methods(["GET", "POST"])
def flyer_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The published (approved) flyer as print-ready PDF."""
    return _download(request, pk, proof=False)


@require_http_methods(["GET", "POST"])
def flyer_proof_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest saved revision, marked 校正, for a proof round with the city."""
    return _download(request, pk, proof=True)
