"""Admin screens of the report packs (報告書パック): list with downloads, generate, download.

The city and the staff who deal with reports (`reports.view_reportpack`) list and download packs;
only the back office (`reports.add_reportpack`: accountant, admin) generates them — the city changes
nothing. Generating queues a background task (django-tasks) once the pack row is committed; the list
shows each pack's state and error. Files are served from the private storage through this view only.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin.auth import permission_required

from campaigns.models import Campaign
from campaigns.selection import selected_campaign
from claims.admin_forms import month_label

from . import packs
from .models import PackKind, ReportPack, ReportPackRun

VIEW = "reports.view_reportpack"
ADD = "reports.add_reportpack"
CONTENT_TYPES = {"xlsx": packs.XLSX_TYPE, "pdf": "application/pdf"}
RUNS_SHOWN = 5


def can_view(user: Any) -> bool:
    return user.has_perm(VIEW)


def can_generate(user: Any) -> bool:
    return user.has_perm(ADD)


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("種類"), choices=PackKind.choices)
    # A plain field with a select: a month that is not closed reaches the service, which says why.
    month = forms.CharField(label=gettext_lazy("対象月（締め済みの月）"), required=False, widget=forms.Select)
    provisional = forms.BooleanField(label=gettext_lazy("暫定版として作成する"), required=False)

    def __init__(self, *args: Any, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["month"].widget.choices = [("", "---")] + [
            (f"{month:%Y-%m}", month_label(month)) for month in packs.closed_months(campaign)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        if kind == PackKind.MONTHLY:
            value = data.get("month")
            if not value:
                self.add_error("month", _("締め済みの月を選んでください。"))
            else:
                try:
                    data["month_date"] = packs.parse_month(value)
                except packs.PackError as exc:
                    self.add_error("month", str(exc))
        return data


def _list_url(campaign: Campaign | None) -> str:
    url = reverse("reports_packs")
    return f"{url}?campaign={campaign.slug}" if campaign else url


def _render_list(request: HttpRequest, campaigns, campaign, form: GenerateForm | None = None, status=200):
    pack_rows = []
    if campaign is not None:
        pack_list = ReportPack.objects.filter(campaign=campaign).select_related("created_by")
        for pack in pack_list.order_by("kind", "-month"):
            runs = list(ReportPackRun.objects.filter(pack=pack).select_related("requested_by")[:RUNS_SHOWN])
            pack_rows.append({"pack": pack, "runs": runs, "label": _pack_label(pack)})
    generate = can_generate(request.user) and campaign is not None
    if generate and form is None:
        form = GenerateForm(campaign=campaign)
    return TemplateResponse(
        request,
        "reports/admin/pack_list.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "rows": pack_rows,
            "form": form if generate else None,
            "closed_months": packs.closed_months(campaign) if campaign else [],
            "final_provisional": packs.final_is_provisional(campaign) if campaign else False,
        },
        status=status,
    )


def _pack_label(pack: ReportPack) -> str:
    if pack.kind == PackKind.MONTHLY:
        return _("月次報告（%(month)s）") % {"month": month_label(pack.month)}
    label = _("事業終了報告")
    return f"{label}（{_('暫定版')}）" if pack.provisional else label


@permission_required(VIEW)
def pack_list(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    return _render_list(request, campaigns, campaign)


@require_POST
def pack_generate(request: HttpRequest) -> HttpResponse:
    """Queue a pack; an existing pack is regenerated only after a confirmation (its files are replaced)."""
    if not can_generate(request.user):
        # A plain 403 (Wagtail would turn PermissionDenied into a redirect): the city may look, not generate.
        return HttpResponseForbidden(
            _("報告書パックを作成する権限がありません。"), content_type="text/plain; charset=utf-8"
        )
    campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    form = GenerateForm(request.POST, campaign=campaign)
    if not form.is_valid():
        return _render_list(request, campaigns, campaign, form, status=400)
    kind = form.cleaned_data["kind"]
    month = form.cleaned_data.get("month_date")
    provisional = form.cleaned_data["provisional"]
    existing = ReportPack.objects.filter(
        campaign=campaign, kind=kind, month=month if kind == PackKind.MONTHLY else None
    ).first()
    if existing is not None and request.POST.get("confirmed") != "1":
        return TemplateResponse(
            request,
            "claims/admin/confirm.html",
            {
                "title": _("報告書パックの再作成"),
                "subtitle": campaign.name,
                "question": _(
                    "%(pack)sは作成済みです。作り直すと、今のファイルは新しいファイルに置き換わります"
                    "（作成の履歴とファイルの SHA-256 は残ります）。作り直しますか。"
                )
                % {"pack": _pack_label(existing)},
                "items": [(_("キャンペーン"), campaign.name), (_("報告書パック"), _pack_label(existing))],
                "hidden": {
                    "campaign": campaign.slug,
                    "kind": kind,
                    "month": f"{month:%Y-%m}" if month else "",
                    **({"provisional": "on"} if provisional else {}),
                },
                "url": reverse("reports_pack_generate"),
                "back": _list_url(campaign),
                "button": _("作り直す"),
            },
        )
    try:
        pack = packs.request_pack(campaign, kind, request.user, month=month, provisional=provisional)
    except packs.PackError as exc:
        form.add_error("month" if kind == PackKind.MONTHLY else "provisional", str(exc))
        return _render_list(request, campaigns, campaign, form, status=400)

    from .tasks import build_pack

    transaction.on_commit(lambda: build_pack.enqueue(pack.pk))
    messages.success(
        request,
        _(
            "%(pack)sの作成を受け付けました。作成が終わるとダウンロードできます（「更新」で状態を確認できます）。"
        )
        % {"pack": _pack_label(pack)},
    )
    return redirect(_list_url(campaign))


@permission_required(VIEW)
def pack_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """A pack's Excel or PDF from the private storage (never a public URL)."""
    pack = get_object_or_404(ReportPack.objects.select_related("campaign"), pk=pk)
    if fmt not in CONTENT_TYPES:
        raise Http404
    field = pack.xlsx if fmt == "xlsx" else pack.pdf
    if not field.name or not field.storage.exists(field.name):
        raise Http404
    xlsx_name, pdf_name = packs.filenames(pack)
    response = FileResponse(
        field.open("rb"),
        as_attachment=True,
        filename=xlsx_name if fmt == "xlsx" else pdf_name,
        content_type=CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response
