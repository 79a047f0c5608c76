"""Staff screens for claims and settlement (実績報告・精算) in the Wagtail admin.

The claims list and the claim screen with its review actions, claim files that arrived by mail,
配分額, the budget dashboard, 月末締め with the city's Excel reports, and payment batches with the
Zengin file. Views only collect input and show results: every change goes through
`claims.services`, `claims.budget`, `claims.payments` or `claims.reports`, and a refused move
(`ClaimError`, `BudgetError`, `PaymentError`, `CloseError`) is shown to the user as is with nothing
changed. Final moves ask for confirmation on a page of their own, so they work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.auth import permission_required

from audit.log import record
from audit.models import AuditAction
from campaigns.models import Campaign
from campaigns.selection import selected_campaign
from core.formatting import format_date, format_yen
from core.paging import query_without
from facilities.models import Area, Participation
from jobs.admin_views import start_download
from participants import permissions as participant_perms

from . import budget, charts, forecast, payments, reports, services
from . import permissions as perms
from .admin_forms import (
    AllocationForm,
    BatchForm,
    ClaimFilter,
    CloseMonthForm,
    ExcludeLineForm,
    ReturnForm,
    SoldOutThresholdForm,
    UploadForm,
    campaign_months,
    month_label,
)
from .models import (
    BudgetAccount,
    Claim,
    ClaimLine,
    ClaimStatus,
    LedgerEntry,
    LedgerKind,
    MonthlyClose,
    PaymentBatch,
    PaymentBatchStatus,
    TransferSettings,
)

S = ClaimStatus
PER_PAGE = 50
LINES_PER_PAGE = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What staff list: everything handed in. Drafts are the hotel's unfinished work.
LISTED_STATUSES = [choice for choice in S.choices if choice[0] != S.DRAFT]


def _with_campaign(name: str, campaign: Campaign | None, *args) -> str:
    url = reverse(name, args=args)
    return f"{url}?campaign={campaign.slug}" if campaign else url


def _download(data: bytes, filename: str, content_type: str = XLSX_TYPE) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _facility_account(participation) -> BudgetAccount:
    """The facility's balances as stored (an unsaved empty account when nothing was allocated yet)."""
    account = BudgetAccount.objects.filter(participation=participation).first()
    return account or BudgetAccount(campaign_id=participation.campaign_id, participation=participation)


# --- 実績報告 list --------------------------------------------------------------------------------


@permission_required(perms.VIEW)
def claim_list(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    handed_in = Claim.objects.none()
    if campaign is not None:
        handed_in = Claim.objects.filter(participation__campaign=campaign).exclude(status=S.DRAFT)
    months = list(handed_in.order_by("-month").values_list("month", flat=True).distinct())
    listing = handed_in.select_related("participation__facility__ward").order_by(
        "-month", "participation__facility__code", "created_at"
    )
    filterset = ClaimFilter(request.GET or None, queryset=listing, months=months)
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    counts = dict(handed_in.order_by().values_list("status").annotate(n=Count("pk")))
    status_counts = [
        {"value": value, "label": label, "count": counts.get(value, 0)} for value, label in LISTED_STATUSES
    ]
    return TemplateResponse(
        request,
        "claims/admin/claim_list.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "filter": filterset,
            "page_obj": page,
            "status_counts": status_counts,
            "total": sum(counts.values()),
            "filtered": any(request.GET.get(name) for name in ("status", "ward", "month", "q")),
            "query_string": query_without(request),
            "campaign_query": f"campaign={campaign.slug}" if campaign else "",
            "can_upload": perms.can_upload(request.user),
        },
    )


# --- claim screen and its actions ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing staff can do with a claim: who, in which states, with which form."""

    name: str
    label: Promise
    states: tuple[str, ...]
    permission: str
    run: Callable[[Claim, Any, dict[str, Any]], Any]
    success: Promise
    form_class: type[forms.Form] | None = None
    confirm: Promise | None = None  # the question of the confirmation page; None = no confirmation

    def allowed_for(self, user) -> bool:
        return user.has_perm(self.permission)

    def available(self, claim: Claim, user) -> bool:
        return claim.status in self.states and self.allowed_for(user)


ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "start_review",
            gettext_lazy("確認を開始する"),
            (S.SUBMITTED,),
            perms.REVIEW,
            lambda claim, user, data: services.start_review(claim, user),
            gettext_lazy("確認を開始しました。明細ごとに除外できます。"),
        ),
        Action(
            "return",
            gettext_lazy("差戻す"),
            (S.SUBMITTED, S.IN_REVIEW),
            perms.REVIEW,
            lambda claim, user, data: services.return_claim(claim, data["reason"], user),
            gettext_lazy("差戻しました。申請額の確保を解除しました。"),
            ReturnForm,
            confirm=gettext_lazy(
                "この実績報告を差戻しますか。理由は事業者に表示され、事業者が修正して再提出します。"
            ),
        ),
        Action(
            "approve",
            gettext_lazy("承認する"),
            (S.SUBMITTED, S.IN_REVIEW),
            perms.APPROVE,
            lambda claim, user, data: services.approve(claim, user),
            gettext_lazy("承認しました。振込データの対象になります。"),
            confirm=gettext_lazy(
                "この実績報告を承認しますか。除外していない明細の合計が承認額になり、元に戻せません。"
            ),
        ),
    ]
}


def _claim(pk) -> Claim:
    return get_object_or_404(
        Claim.objects.select_related(
            "participation__facility__ward",
            "participation__facility__area",
            "participation__facility__business",
            "participation__campaign",
            "submitted_by",
            "approved_by",
        ),
        pk=pk,
    )


def _detail_url(claim: Claim) -> str:
    return reverse("claims_claim", args=[claim.pk])


LEDGER_NOTES = {"returned": gettext_lazy("差戻しによる"), "approved": gettext_lazy("承認による")}


def _ledger(claim: Claim) -> list[LedgerEntry]:
    """The claim's money movements, oldest first, with the engine's notes in words."""
    entries = list(claim.ledger.select_related("actor").order_by("created_at", "pk"))
    for entry in entries:
        entry.note_label = LEDGER_NOTES.get(entry.note, entry.note)
    return entries


def _render_detail(request: HttpRequest, claim: Claim, bound: dict[str, forms.Form] | None = None):
    user = request.user
    bound = bound or {}
    actions = {
        name: {
            "action": action,
            "form": bound.get(name) or (action.form_class(prefix=name) if action.form_class else None),
            "url": reverse("claims_claim_action", args=[claim.pk, name]),
        }
        for name, action in ACTIONS.items()
        if action.available(claim, user)
    }
    lines = claim.lines.select_related("excluded_by").order_by("row")
    page = Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page"))
    figures = claim.lines.aggregate(
        included_amount=Sum("reimbursement", filter=Q(excluded=False)),
        excluded_count=Count("pk", filter=Q(excluded=True)),
    )
    account = _facility_account(claim.participation)
    return TemplateResponse(
        request,
        "claims/admin/claim.html",
        {
            "claim": claim,
            "facility": claim.participation.facility,
            "campaign": claim.participation.campaign,
            "account": account,
            "unused": account.limit - account.approved - account.submitted,
            "figures": figures,
            "included_total": figures["included_amount"] or 0,
            "page_obj": page,
            "actions": actions,
            "can_edit_lines": claim.status == S.IN_REVIEW and perms.can_review(user),
            "ledger": _ledger(claim),
            "list_url": _with_campaign("claims_list", claim.participation.campaign),
        },
    )


@permission_required(perms.VIEW)
def claim_detail(request: HttpRequest, pk) -> HttpResponse:
    return _render_detail(request, _claim(pk))


def _stale(claim: Claim) -> str:
    return _("この操作は現在の状態（%(status)s）ではできません。画面を再読み込みしてください。") % {
        "status": claim.get_status_display()
    }


@permission_required(perms.VIEW)
@require_POST
def claim_action(request: HttpRequest, pk, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not spec.allowed_for(request.user):
        raise PermissionDenied
    claim = _claim(pk)
    form = spec.form_class(request.POST, prefix=action) if spec.form_class else None
    if form is not None and not form.is_valid():
        return _render_detail(request, claim, {action: form})
    data = form.cleaned_data if form is not None else {}

    if spec.confirm is not None and request.POST.get("confirmed") != "1":
        if claim.status not in spec.states:
            messages.error(request, _stale(claim))
            return redirect(_detail_url(claim))
        account = _facility_account(claim.participation)
        amount = services.line_total(claim)
        items = [
            (_("施設"), f"{claim.participation.facility.code} {claim.participation.facility.name}"),
            (_("対象月"), month_label(claim.month)),
            (_("申請額"), format_yen(claim.claimed_amount)),
        ]
        if action == "approve":
            items += [
                (_("承認額（除外していない明細の合計）"), format_yen(amount)),
                (_("施設の配分額"), format_yen(account.limit)),
                (_("施設の承認済み額"), format_yen(account.approved)),
            ]
        if data.get("reason"):
            items.append((_("差戻しの理由"), data["reason"]))
        return TemplateResponse(
            request,
            "claims/admin/confirm.html",
            {
                "title": spec.label,
                "subtitle": str(claim),
                "question": spec.confirm,
                "items": items,
                "form": form,
                "url": reverse("claims_claim_action", args=[claim.pk, action]),
                "back": _detail_url(claim),
                "button": spec.label,
            },
        )

    try:
        spec.run(claim, request.user, data)
    except (services.ClaimError, budget.BudgetError) as exc:
        messages.error(request, str(exc))
        return _render_detail(request, _claim(pk), {action: form} if form is not None else None)
    messages.success(request, str(spec.success))
    return redirect(_detail_url(claim))


@permission_required(perms.REVIEW)
@require_POST
def line_action(request: HttpRequest, pk, line_pk: int, action: str) -> HttpResponse:
    """除外 (with a reason) or 戻す for one line while the claim is in review."""
    claim = _claim(pk)
    line = get_object_or_404(ClaimLine, pk=line_pk, claim=claim)
    target = _detail_url(claim)
    page = request.POST.get("page", "")
    if page.isdigit():
        target += f"?page={page}"
    target += f"#line-{line.pk}"
    try:
        if action == "exclude":
            form = ExcludeLineForm(request.POST)
            if not form.is_valid():
                problem = " ".join(str(error) for errors in form.errors.values() for error in errors)
                messages.error(request, _("%(row)s行目: %(problem)s") % {"row": line.row, "problem": problem})
                return redirect(target)
            services.exclude_line(line, form.cleaned_data["reason"], request.user)
            messages.success(request, _("%(row)s行目を除外しました。") % {"row": line.row})
        elif action == "include":
            services.include_line(line, request.user)
            messages.success(request, _("%(row)s行目を対象に戻しました。") % {"row": line.row})
        else:
            raise Http404
    except services.ClaimError as exc:
        messages.error(request, str(exc))
    return redirect(target)


# --- claim files that arrived by mail -----------------------------------------------------------


@permission_required(perms.UPLOAD)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """Enter a facility's claim file that came by mail: the same check, upload and submission as the
    hotel's own, and every row's verdict shown."""
    campaigns, campaign = selected_campaign(request)
    result = claim = None
    form = None
    if campaign is not None:
        form = UploadForm(request.POST or None, request.FILES or None, campaign=campaign)
        if request.method == "POST" and form.is_valid():
            participation = form.cleaned_data["participation"]
            month = form.cleaned_data["month"]
            uploaded = form.cleaned_data["file"]
            # A returned (or unfinished) claim of that month is corrected by the new file.
            existing = (
                Claim.objects.filter(
                    participation=participation, month=month, status__in=[S.DRAFT, S.RETURNED]
                )
                .order_by("-created_at")
                .first()
            )
            outcome = None
            try:
                with transaction.atomic():
                    outcome = services.upload(
                        participation, month, uploaded.read(), uploaded.name, request.user, claim=existing
                    )
                    if outcome.result.readable:
                        claim = services.submit(outcome.claim, request.user)
            except services.ClaimError as exc:
                claim = None
                messages.error(request, str(exc))
            result = outcome.result if outcome is not None else None
            if claim is not None:
                messages.success(
                    request,
                    _("%(facility)s の%(month)s分を提出しました（申請額 %(amount)s円）。")
                    % {
                        "facility": participation.facility.name,
                        "month": month_label(month),
                        "amount": f"{claim.claimed_amount:,}",
                    },
                )
    return TemplateResponse(
        request,
        "claims/admin/upload.html",
        {"campaigns": campaigns, "campaign": campaign, "form": form, "result": result, "claim": claim},
    )


# --- 配分額 --------------------------------------------------------------------------------------


@permission_required(perms.VIEW_BUDGET)
def allocations(request: HttpRequest, threshold_form: SoldOutThresholdForm | None = None) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    rows = []
    page = None
    account = None
    query = (request.GET.get("q") or "").strip()
    if campaign is not None:
        account = budget.campaign_account(campaign)
        participations = (
            Participation.objects.filter(campaign=campaign)
            .select_related("facility__ward", "facility__area", "budget")
            .order_by("facility__code")
        )
        if query:
            participations = participations.filter(
                Q(facility__name__icontains=query) | Q(facility__code__iexact=query)
            )
        page = Paginator(participations, PER_PAGE).get_page(request.GET.get("page"))
        for participation in page.object_list:
            try:
                facility_account = participation.budget
            except BudgetAccount.DoesNotExist:
                facility_account = BudgetAccount(limit=0)
            used = facility_account.approved + facility_account.submitted
            rows.append(
                {
                    "participation": participation,
                    "facility": participation.facility,
                    "account": facility_account,
                    "unused": facility_account.limit - used,
                    "reached": facility_account.limit > 0 and used >= facility_account.limit,
                }
            )
    return TemplateResponse(
        request,
        "claims/admin/allocations.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "account": account,
            "unallocated": account.limit - account.allocated if account else 0,
            "rows": rows,
            "page_obj": page,
            "query": query,
            "query_string": query_without(request),
            "can_allocate": perms.can_allocate(request.user),
            "threshold_form": threshold_form
            or SoldOutThresholdForm(
                initial={"percent": account.sold_out_threshold_percent if account else 100}
            ),
        },
    )


@permission_required(perms.ALLOCATE)
@require_POST
def sold_out_threshold(request: HttpRequest) -> HttpResponse:
    """The round's 販売終了 threshold; applied to every facility at once."""
    _campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    form = SoldOutThresholdForm(request.POST)
    if form.is_valid():
        ended = services.set_sold_out_threshold(campaign, form.cleaned_data["percent"])
        messages.success(
            request,
            _("販売終了の目安を %(percent)s%% にしました（新たに販売終了にした施設: %(count)s）。")
            % {"percent": form.cleaned_data["percent"], "count": ended},
        )
        return redirect(_with_campaign("claims_allocations", campaign))
    return allocations(request, threshold_form=form)


@permission_required(perms.ALLOCATE)
@require_http_methods(["GET", "POST"])
def allocation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    participation = get_object_or_404(Participation.objects.select_related("facility", "campaign"), pk=pk)
    campaign = participation.campaign
    account = _facility_account(participation)
    back = _with_campaign("claims_allocations", campaign)
    if request.method == "POST":
        form = AllocationForm(request.POST)
        if form.is_valid():
            try:
                budget.set_allocation(
                    participation,
                    form.cleaned_data["amount"],
                    actor=request.user,
                    note=form.cleaned_data["note"],
                )
            except budget.BudgetError as exc:
                form.add_error("amount", str(exc))
            else:
                services.apply_sold_out_rule(participation)
                messages.success(
                    request,
                    _("%(facility)s の配分額を %(amount)s円にしました。")
                    % {"facility": participation.facility.name, "amount": f"{form.cleaned_data['amount']:,}"},
                )
                return redirect(back)
    else:
        form = AllocationForm(initial={"amount": account.limit})
    campaign_account = budget.campaign_account(campaign)
    return TemplateResponse(
        request,
        "claims/admin/allocation_edit.html",
        {
            "participation": participation,
            "facility": participation.facility,
            "campaign": campaign,
            "account": account,
            "campaign_account": campaign_account,
            "allocatable": campaign_account.limit - campaign_account.allocated,
            "form": form,
            "back": back,
            "history": LedgerEntry.objects.filter(participation=participation, kind=LedgerKind.ALLOCATED)
            .select_related("actor")
            .order_by("-created_at", "-pk")[:20],
        },
    )


# --- 予算ダッシュボード ----------------------------------------------------------------------------


# Kept importable from here for older callers; the query lives with the ledger in `claims.budget`.
approved_per_day = budget.approved_per_day


@permission_required(perms.VIEW_BUDGET)
def dashboard(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    context: dict[str, Any] = {"campaigns": campaigns, "campaign": campaign}
    if campaign is None:
        return TemplateResponse(request, "claims/admin/dashboard.html", context)
    today = timezone.localdate()
    account = budget.campaign_account(campaign)
    per_day = approved_per_day(campaign)
    burn_down = budget.burn_down(per_day, account.limit)
    remaining = account.limit - account.approved
    runs_out = forecast.runs_out_on(per_day, remaining, today)

    by_area = {
        row["participation__facility__area"]: row
        for row in BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False)
        .values("participation__facility__area")
        .annotate(allocated=Sum("limit"), approved=Sum("approved"), submitted=Sum("submitted"))
        .order_by()
    }
    areas = []
    for area in Area.objects.all():
        row = by_area.get(area.pk, {})
        areas.append(
            {
                "name": area.name,
                "allocated": row.get("allocated") or 0,
                "approved": row.get("approved") or 0,
                "submitted": row.get("submitted") or 0,
            }
        )
    context.update(
        {
            "account": account,
            "remaining": remaining,
            "unallocated": account.limit - account.allocated,
            "burn_down": burn_down,
            "burn_down_chart": charts.line_chart([(r["day"], r["left"]) for r in burn_down], account.limit),
            "pace": forecast.daily_pace(per_day, today),
            "window": forecast.WINDOW_DAYS,
            "runs_out_on": runs_out,
            "runs_out_within_stays": runs_out is not None and runs_out <= campaign.stay_end,
            "has_approvals": bool(per_day),
            "areas": areas,
            "area_chart": charts.bar_chart([(a["name"], a["approved"], a["submitted"]) for a in areas]),
            "today": today,
        }
    )
    return TemplateResponse(request, "claims/admin/dashboard.html", context)


# --- 月末締め and the city's reports --------------------------------------------------------------


@permission_required(perms.VIEW_REPORTS)
def months(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    rows = []
    if campaign is not None:
        today = timezone.localdate()
        closes = {
            close.month: close
            for close in MonthlyClose.objects.filter(campaign=campaign).select_related("closed_by")
        }
        for month in sorted(set(campaign_months(campaign, today)) | set(closes)):
            close = closes.get(month)
            rows.append(
                {
                    "month": month,
                    "label": month_label(month),
                    "value": f"{month:%Y-%m}",
                    "close": close,
                    "amount": sum(row.get("amount", 0) for row in close.rows) if close else None,
                    "ended": reports.month_end(month) < today,
                }
            )
    return TemplateResponse(
        request,
        "claims/admin/months.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "rows": rows,
            "can_close": perms.can_close_month(request.user),
        },
    )


@permission_required(perms.CLOSE_MONTH)
@require_POST
def month_close(request: HttpRequest) -> HttpResponse:
    _campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    back = _with_campaign("claims_months", campaign)
    form = CloseMonthForm(request.POST, months=campaign_months(campaign))
    if not form.is_valid():
        messages.error(request, _("締める月を選んでください。"))
        return redirect(back)
    month = form.cleaned_data["month"]
    if request.POST.get("confirmed") != "1":
        return TemplateResponse(
            request,
            "claims/admin/confirm.html",
            {
                "title": _("月末締め"),
                "subtitle": campaign.name,
                "question": _(
                    "%(month)sを締めますか。月末までに承認した実績報告の数値が固定され、"
                    "支払実績報告はいつ出力しても同じ内容になります。元に戻せません。"
                )
                % {"month": month_label(month)},
                "items": [(_("キャンペーン"), campaign.name), (_("締める月"), month_label(month))],
                "hidden": {"campaign": campaign.slug, "month": f"{month:%Y-%m}"},
                "url": reverse("claims_month_close"),
                "back": back,
                "button": _("締める"),
            },
        )
    try:
        reports.close_month(campaign, month, request.user)
    except reports.CloseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(month)sを締めました。") % {"month": month_label(month)})
    return redirect(back)


@permission_required(perms.VIEW_REPORTS)
@require_POST
def month_report(request: HttpRequest, pk: int) -> HttpResponse:
    close = get_object_or_404(MonthlyClose.objects.select_related("campaign"), pk=pk)
    label = _("支払実績報告 %(month)s（Excel）") % {"month": f"{close.month:%Y-%m}"}
    return start_download(request, "claims.month_report", {"close": close.pk}, label)


@permission_required(perms.VIEW_REPORTS)
@require_POST
def completion_report(request: HttpRequest) -> HttpResponse:
    _campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    label = _("完成データ・事業終了報告 %(campaign)s（Excel）") % {"campaign": campaign.name}
    return start_download(request, "claims.completion_report", {"campaign": campaign.pk}, label)


@permission_required(perms.VIEW_REPORTS)
@require_POST
def claim_lines_export(request: HttpRequest) -> HttpResponse:
    """Every reported stay of the round, streamed to a file by a background job (`jobs.builders`)."""
    _campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    label = _("実績報告の全明細 %(campaign)s（Excel）") % {"campaign": campaign.name}
    return start_download(request, "claims.lines_export", {"campaign": campaign.pk}, label)


# --- 振込データ ----------------------------------------------------------------------------------


@permission_required(perms.VIEW_PAYMENTS)
def payment_batches(request: HttpRequest) -> HttpResponse:
    return _render_payments(request, BatchForm())


def _render_payments(request: HttpRequest, form: BatchForm) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    can_manage = perms.can_manage_payments(request.user)
    plan = None
    page = None
    if campaign is not None:
        if can_manage:
            plan = payments.plan_batch(campaign)
        batches = PaymentBatch.objects.filter(campaign=campaign).select_related("created_by", "confirmed_by")
        page = Paginator(batches, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "claims/admin/payments.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "plan": plan,
            "page_obj": page,
            "form": form,
            "can_manage": can_manage,
            "settings_complete": TransferSettings.load().complete,
            "can_edit_settings": request.user.has_perm("claims.change_transfersettings"),
        },
    )


@permission_required(perms.MANAGE_PAYMENTS)
@require_POST
def payment_batch_create(request: HttpRequest) -> HttpResponse:
    _campaigns, campaign = selected_campaign(request)
    if campaign is None:
        raise Http404
    form = BatchForm(request.POST)
    if not form.is_valid():
        return _render_payments(request, form)
    transfer_date = form.cleaned_data["transfer_date"]
    back = _with_campaign("claims_payments", campaign)
    if request.POST.get("confirmed") != "1":
        plan = payments.plan_batch(campaign)
        return TemplateResponse(
            request,
            "claims/admin/confirm.html",
            {
                "title": _("振込データを作成"),
                "subtitle": campaign.name,
                "question": _(
                    "この内容で振込データ（全銀ファイル）を作成しますか。"
                    "実績報告は、振込確認をするまで支払済みになりません。"
                ),
                "items": [
                    (_("振込日"), format_date(transfer_date)),
                    (_("件数"), _("%(count)s件") % {"count": len(plan.payable)}),
                    (_("合計金額"), format_yen(plan.total)),
                    (_("振込できない実績報告"), _("%(count)s件") % {"count": len(plan.problems)}),
                ],
                "hidden": {"campaign": campaign.slug, "transfer_date": f"{transfer_date:%Y-%m-%d}"},
                "url": reverse("claims_payment_create"),
                "back": back,
                "button": _("作成する"),
            },
        )
    try:
        batch = payments.create_batch(campaign, transfer_date, request.user)
    except payments.PaymentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "振込データを作成しました（%(count)s件、%(total)s円）。全銀ファイルをダウンロードしてください。"
            )
            % {"count": batch.count, "total": f"{batch.total:,}"},
        )
    return redirect(back)


@permission_required(perms.MANAGE_PAYMENTS)
def payment_batch_zengin(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(PaymentBatch, pk=pk)
    # The Zengin file carries every payee's bank account and name: each download is audited.
    record(
        AuditAction.PII_EXPORT,
        request=request,
        obj=batch,
        summary=gettext_lazy("全銀振込ファイルを出力"),
        detail={"transfer_date": batch.transfer_date, "count": batch.count, "total": batch.total},
    )
    return _download(bytes(batch.zengin_file), batch.filename, "application/octet-stream")


@permission_required(perms.VIEW_PAYMENTS)
@require_http_methods(["GET", "POST"])
def payment_batch_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch with its transfers (GET) and 振込確認 (POST): every claim of it becomes paid."""
    batch = get_object_or_404(
        PaymentBatch.objects.select_related("campaign", "created_by", "confirmed_by"), pk=pk
    )
    back = _with_campaign("claims_payments", batch.campaign)
    if request.method == "POST":
        if not perms.can_manage_payments(request.user):
            raise PermissionDenied
        try:
            payments.confirm_batch(batch, request.user)
        except (payments.PaymentError, services.ClaimError, budget.BudgetError) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("振込確認を登録しました。%(count)s件の実績報告を支払済みにしました。")
                % {"count": batch.count},
            )
        return redirect(back)
    full = participant_perms.can_see_full_account(request.user)
    transfers = [
        {
            "payment": payment,
            "facility": payment.claim.participation.facility,
            "account_number": payment.account_number if full else "****" + payment.account_number[-3:],
        }
        for payment in batch.payments.select_related("claim__participation__facility").order_by(
            "claim__participation__facility__code", "claim__month"
        )
    ]
    if full and transfers:
        record(
            AuditAction.PII_VIEW,
            request=request,
            obj=batch,
            summary=gettext_lazy("振込データの口座番号（全桁）を表示"),
            detail={"screen": "claims_payment_batch", "count": len(transfers)},
        )
    return TemplateResponse(
        request,
        "claims/admin/batch.html",
        {
            "batch": batch,
            "transfers": transfers,
            "back": back,
            "can_confirm": batch.status == PaymentBatchStatus.CREATED
            and perms.can_manage_payments(request.user),
            "can_download": perms.can_manage_payments(request.user),
        },
    )
