"""Staff screen for 販売終了: see which facilities of a round still sell discounted stays and change it.

Changing the state asks for confirmation and goes through `facilities.services`, which records who
and when.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from wagtail.admin.auth import permission_required

from campaigns.selection import selected_campaign

from .models import Participation
from .services import mark_sold_out, resume_sales

PER_PAGE = 50


@permission_required("facilities.change_participation")
def sales_index(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    participations = (
        Participation.objects.filter(campaign=campaign)
        .select_related("facility", "facility__area", "sold_out_by")
        .order_by("facility__kana", "facility__name")
    )
    if status == "selling":
        participations = participations.filter(sold_out_at__isnull=True)
    elif status == "sold_out":
        participations = participations.filter(sold_out_at__isnull=False)
    if query:
        participations = participations.filter(
            Q(facility__name__icontains=query)
            | Q(facility__code__icontains=query)
            | Q(facility__kana__icontains=query)
        )
    page = Paginator(participations, PER_PAGE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return TemplateResponse(
        request,
        "facilities/admin/sales_index.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "status": status,
            "query": query,
            "page_obj": page,
            "query_string": query_string.urlencode(),
        },
    )


@permission_required("facilities.change_participation")
@require_http_methods(["GET", "POST"])
def sales_change(request: HttpRequest, pk: int) -> HttpResponse:
    participation = get_object_or_404(Participation.objects.select_related("facility", "campaign"), pk=pk)
    back = reverse("facilities_sales") + f"?campaign={participation.campaign.slug}"
    if request.method == "POST":
        name = participation.facility.name
        if participation.sold_out:
            if resume_sales(participation):
                messages.success(request, _("「%(name)s」の販売を再開しました。") % {"name": name})
        elif mark_sold_out(participation, request.user):
            messages.success(request, _("「%(name)s」を販売終了にしました。") % {"name": name})
        return redirect(back)
    return TemplateResponse(
        request, "facilities/admin/sales_confirm.html", {"participation": participation, "back": back}
    )
