"""The hotel side of claims (実績報告): lists, upload and its result, form entry, submit, 販売終了.

Thin views: every change goes through `claims.services` (upload, submit), `claims.entry` (one stay
typed into a form) or `facilities.services.mark_sold_out`; figures come from
`claims.budget.facility_account`. Participations and claims are always looked up through the user's
business, so another business's facility, claim or draft by URL is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from claims import budget, entry, services
from claims.claim_file import template_csv
from claims.management.commands.check_claim_file import HEADER as RESULT_CSV_HEADER
from claims.models import BudgetAccount, Claim, ClaimStatus
from core.paging import ShortListPaginator
from core.security import SafeCSVWriter
from facilities.models import Participation
from facilities.services import mark_sold_out

from . import claim_uploads
from .access import member_required
from .claim_forms import ClaimUploadForm, StayEntryForm, claim_months, first_claim_day, month_label

S = ClaimStatus
EDITABLE = (S.DRAFT, S.RETURNED)
CLAIMS_PER_PAGE = 20
LINES_PER_PAGE = 50
RESULT_ROWS_SHOWN = 200


# Lookups through the user's business ------------------------------------------------------------


def _participations(request):
    return Participation.objects.filter(facility__business=request.membership.business).select_related(
        "facility", "campaign"
    )


def _claims(request):
    return Claim.objects.filter(participation__facility__business=request.membership.business).select_related(
        "participation__facility", "participation__campaign"
    )


def participation_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @member_required
    @wraps(view)
    def wrapper(request, pk, *args, **kwargs):
        return view(request, get_object_or_404(_participations(request), pk=pk), *args, **kwargs)

    return wrapper


def claim_view(*, editable: bool = False) -> Callable:
    """Load the business's claim from the URL (404 for anyone else's); optionally require 下書き/差戻し."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @member_required
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            claim = get_object_or_404(_claims(request), pk=pk)
            if editable and claim.status not in EDITABLE:
                messages.error(
                    request,
                    _("この実績報告は「%(status)s」のため変更できません。")
                    % {"status": claim.get_status_display()},
                )
                return redirect("members:claim_detail", claim.pk)
            return view(request, claim, *args, **kwargs)

        return wrapper

    return decorator


# Figures ----------------------------------------------------------------------------------------


def budget_figures(participation, account: BudgetAccount | None = None) -> dict[str, int]:
    """配分額, what is used of it (approved + submitted) and what remains (`account`: already read)."""
    if account is None:
        account = budget.facility_account(participation)
    used = account.approved + account.submitted
    return {
        "allocation": account.limit,
        "approved": account.approved,
        "submitted": account.submitted,
        "used": used,
        "remaining": max(account.limit - used, 0),
        "paid": account.paid,
    }


def _open_draft(participation, month):
    return participation.claims.filter(month=month, status=S.DRAFT).order_by("-created_at").first()


def _line_figures(claim) -> dict[str, int]:
    totals = claim.lines.filter(excluded=False).aggregate(count=Count("pk"), total=Sum("reimbursement"))
    return {"count": totals["count"], "total": totals["total"] or 0}


# Lists ------------------------------------------------------------------------------------------


@member_required
def overview(request):
    # Each facility's account is joined (one query for a chain's many facilities).
    participations = list(
        _participations(request).select_related("budget").order_by("-campaign__stay_start", "facility__code")
    )
    for participation in participations:
        participation.figures = budget_figures(participation, getattr(participation, "budget", None))
    # The lists show each claim's facility, not its campaign: no campaign rows to join and build.
    claims = _claims(request).select_related(None).select_related("participation__facility")
    context = {
        "participations": participations,
        "returned": claims.filter(status=S.RETURNED),
        "page_obj": ShortListPaginator(claims, CLAIMS_PER_PAGE).get_page(request.GET.get("page")),
        "payments": claims.filter(status=S.PAID).order_by("-paid_on")[:10],
    }
    return render(request, "members/claims/overview.html", context)


@participation_view
def participation_claims(request, participation):
    claims = participation.claims.select_related("participation__facility")
    context = {
        "participation": participation,
        "figures": budget_figures(participation),
        "page_obj": ShortListPaginator(claims, CLAIMS_PER_PAGE).get_page(request.GET.get("page")),
        "payments": claims.filter(status=S.PAID).order_by("-paid_on"),
        "can_claim": bool(claim_months(participation, timezone.localdate())),
        "first_claim_day": first_claim_day(participation),
    }
    return render(request, "members/claims/participation.html", context)


# A new claim: upload or form entry ---------------------------------------------------------------


def _upload(request, participation, form, *, claim=None):
    """Run the upload for a valid form; a response when it was stored, None when the form got errors."""
    uploaded = form.cleaned_data["file"]
    data = uploaded.read()
    today = timezone.localdate()
    month = form.cleaned_data["month"] if claim is None else claim.month
    if claim is None:
        claim = _open_draft(participation, month)
    try:
        outcome = services.upload(participation, month, data, uploaded.name, request.user, claim=claim)
    except services.ClaimError as error:
        form.add_error(None, str(error))
        return None
    if not outcome.result.readable:
        for problem in outcome.result.problems:
            form.add_error(None, problem)
        if claim is not None:
            form.add_error(None, _("保存済みの明細は変更していません。"))
        return None
    claim_uploads.keep(outcome.claim, data, uploaded.name, today)
    result = outcome.result
    messages.success(
        request,
        _("ファイルを確認しました。受け付けた行 %(accepted)s件、受け付けられなかった行 %(rejected)s件です。")
        % {"accepted": len(result.accepted_rows), "rejected": len(result.rejected_rows)},
    )
    return redirect("members:claim_result", outcome.claim.pk)


@participation_view
def claim_new(request, participation):
    months = claim_months(participation, timezone.localdate())
    form = ClaimUploadForm(request.POST or None, request.FILES or None, months=months)
    if request.method == "POST" and months and form.is_valid():
        response = _upload(request, participation, form)
        if response is not None:
            return response
    context = {
        "participation": participation,
        "form": form,
        "months": months,
        "first_claim_day": first_claim_day(participation),
    }
    return render(request, "members/claims/new.html", context)


def _entry(request, participation, form, *, claim=None):
    """Add the typed stay; a response when it was added, else the rejected row (or None) for the page."""
    month = form.cleaned_data["month"] if claim is None else claim.month
    if claim is None:
        claim = _open_draft(participation, month)
    try:
        outcome = entry.add_stay(participation, month, form.row_values(), request.user, claim=claim)
    except services.ClaimError as error:
        form.add_error(None, str(error))
        return None, None
    for problem in outcome.problems:
        form.add_error(None, problem)
    if not outcome.accepted:
        return None, outcome.row
    messages.success(
        request,
        _("予約番号「%(number)s」の宿泊を追加しました（支払額 %(amount)s円）。")
        % {"number": outcome.row.reservation_number, "amount": f"{outcome.row.reimbursement:,}"},
    )
    return redirect("members:claim_entry", outcome.claim.pk), None


@participation_view
def claim_entry_new(request, participation):
    months = claim_months(participation, timezone.localdate())
    form = StayEntryForm(request.POST or None, months=months)
    rejected = None
    if request.method == "POST" and months and form.is_valid():
        response, rejected = _entry(request, participation, form)
        if response is not None:
            return response
    context = {
        "participation": participation,
        "form": form,
        "months": months,
        "rejected": rejected,
        "first_claim_day": first_claim_day(participation),
    }
    return render(request, "members/claims/entry.html", context)


# One claim --------------------------------------------------------------------------------------


@claim_view()
def claim_detail(request, claim):
    lines = claim.lines.all()
    context = {
        "claim": claim,
        "participation": claim.participation,
        "editable": claim.status in EDITABLE,
        "lines": _line_figures(claim),
        "page_obj": Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page")),
        "has_upload": claim_uploads.last(claim) is not None,
        "upload_form": ClaimUploadForm() if claim.status in EDITABLE else None,
    }
    return render(request, "members/claims/detail.html", context)


@claim_view(editable=True)
def claim_upload(request, claim):
    form = ClaimUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        response = _upload(request, claim.participation, form, claim=claim)
        if response is not None:
            return response
    context = {"claim": claim, "participation": claim.participation, "form": form}
    return render(request, "members/claims/upload.html", context)


@claim_view(editable=True)
def claim_entry(request, claim):
    form = StayEntryForm(request.POST or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        response, rejected = _entry(request, claim.participation, form, claim=claim)
        if response is not None:
            return response
    context = {
        "claim": claim,
        "participation": claim.participation,
        "form": form,
        "rejected": rejected,
        "lines": _line_figures(claim),
    }
    return render(request, "members/claims/entry.html", context)


@claim_view()
def claim_result(request, claim):
    result = claim_uploads.last_result(claim)
    context = {
        "claim": claim,
        "participation": claim.participation,
        "result": result,
        "shown": RESULT_ROWS_SHOWN,
    }
    if result is not None:
        accepted, rejected = result.accepted_rows, result.rejected_rows
        context.update(
            accepted=accepted[:RESULT_ROWS_SHOWN],
            accepted_count=len(accepted),
            rejected=rejected[:RESULT_ROWS_SHOWN],
            rejected_count=len(rejected),
            editable=claim.status in EDITABLE,
        )
    return render(request, "members/claims/result.html", context)


@claim_view()
def claim_result_csv(request, claim):
    """Every row of the last upload, with the columns of `manage.py check_claim_file`."""
    result = claim_uploads.last_result(claim)
    if result is None:
        messages.error(request, _("この実績報告には、まだファイルがアップロードされていません。"))
        return redirect("members:claim_detail", claim.pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="claim-result-{claim.participation.facility.code}-{claim.month:%Y%m}.csv"'
    )
    response.write("\ufeff")
    writer = SafeCSVWriter(response, lineterminator="\r\n")  # messages quote what hotels typed
    writer.writerow(RESULT_CSV_HEADER)
    for row in result.rows:
        writer.writerow(
            [row.row, row.status, row.counted_nights, row.max_discount, row.reimbursement, row.message]
        )
    return response


@claim_view(editable=True)
def claim_submit(request, claim):
    error = ""
    if request.method == "POST":
        try:
            submitted = services.submit(claim, request.user)
        except services.ClaimError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("%(month)sの実績報告を提出しました（申請額 %(amount)s円）。事務局の確認をお待ちください。")
                % {"month": month_label(submitted.month), "amount": f"{submitted.claimed_amount:,}"},
            )
            return redirect("members:claim_detail", claim.pk)
    context = {
        "claim": claim,
        "participation": claim.participation,
        "lines": _line_figures(claim),
        "figures": budget_figures(claim.participation),
        "error": error,
    }
    return render(request, "members/claims/submit.html", context)


@member_required
def claim_template(request):
    response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="claim-template.csv"'
    return response


# 販売終了 ---------------------------------------------------------------------------------------


@participation_view
def sold_out(request, participation):
    if participation.sold_out:
        messages.info(request, _("この施設は、すでに販売終了になっています。"))
        return redirect("members:facility_detail", participation.facility_id)
    if request.method == "POST":
        mark_sold_out(participation, request.user)
        messages.success(
            request,
            _("「%(facility)s」を販売終了にしました。施設案内に販売終了と表示されます。")
            % {"facility": participation.facility.name},
        )
        return redirect("members:facility_detail", participation.facility_id)
    context = {"participation": participation, "figures": budget_figures(participation)}
    return render(request, "members/claims/sold_out.html", context)
