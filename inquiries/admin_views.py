"""Staff screens of the call center in the Wagtail admin (コールセンター).

The inquiry form with the quick-tally grid beside it, the list with search and filters, the queue of
折り返し and エスカレーション items, and the record's detail and edit screens. Views only collect input
and show results; the rules (quick-tally undo, search, tallies) live in `inquiries.services`. The
caller's name and phone are shown only to roles with `inquiries.view_caller_details`.
"""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin import messages
from wagtail.admin.auth import permission_required
from wagtail.models import Locale

from audit.log import record
from audit.models import AuditAction
from core.paging import query_without
from facilities.models import Facility, FacilityGuidePage
from jobs.admin_views import start_download

from . import permissions as perms
from . import services
from .admin_forms import InquiryFilter, InquiryForm, QuickTallyForm, active_categories
from .faq import create_faq_draft
from .models import OPEN_STATUSES, CallerType, Channel, FAQPage, Inquiry, QuickTally, SubmissionVia
from .reports import parse_period

PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FACILITY_OPTIONS_LIMIT = 3000


def _listing():
    return Inquiry.objects.select_related("category", "facility", "operator")


@permission_required(perms.VIEW)
def inquiry_list(request: HttpRequest) -> HttpResponse:
    filterset = InquiryFilter(
        request.GET or None, queryset=_listing(), include_caller=perms.can_see_caller(request.user)
    )
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(
        request,
        "inquiries/admin/list.html",
        {
            "filter": filterset,
            "page_obj": page,
            "query_string": query_without(request),
            "filtered": any(request.GET.get(name) for name in filterset.filters),
            "can_add": perms.can_add(request.user),
        },
    )


@permission_required(perms.VIEW)
def inquiry_queue(request: HttpRequest) -> HttpResponse:
    """折り返し and エスカレーション: what someone still has to do, oldest first."""
    items = _listing().filter(status__in=OPEN_STATUSES).order_by("received_at", "pk")
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "inquiries/admin/queue.html", {"page_obj": page})


def _facility_options():
    return (
        Facility.objects.filter(is_published=True)
        .order_by("code")
        .only("code", "name")[:FACILITY_OPTIONS_LIMIT]
    )


def _quick_tally_context(request: HttpRequest) -> dict:
    today = timezone.localdate()
    counts = dict(
        QuickTally.objects.filter(operator=request.user, at__date=today)
        .order_by()
        .values_list("category")
        .annotate(n=Count("pk"))
    )
    categories = list(active_categories())
    for category in categories:
        category.today_count = counts.get(category.pk, 0)
    return {
        "tally_categories": categories,
        "caller_types": CallerType.choices,
        "tally_channels": Channel.choices,
        "tally_channel": request.GET.get("channel") or Channel.PHONE,
        "today_tally_total": sum(counts.values()),
        "undoable": services.last_undoable_tally(request.user),
    }


def _public_url(page_type) -> str:
    page = page_type.objects.live().public().filter(locale=Locale.get_default()).order_by("pk").first()
    return page.url if page is not None else ""


@permission_required(perms.ADD)
@require_http_methods(["GET", "POST"])
def inquiry_create(request: HttpRequest) -> HttpResponse:
    show_caller = perms.can_see_caller(request.user)
    form = InquiryForm(request.POST or None, show_caller=show_caller)
    if request.method == "POST" and form.is_valid():
        inquiry = form.save(commit=False)
        inquiry.operator = request.user
        inquiry.save()
        messages.success(
            request,
            _("応対記録を保存しました（%(category)s）。") % {"category": inquiry.category},
            buttons=[messages.button(reverse("inquiries_detail", args=[inquiry.pk]), _("記録を見る"))],
        )
        return redirect("inquiries_new")
    context = {
        "form": form,
        "facility_options": _facility_options(),
        "guide_url": _public_url(FacilityGuidePage),
        "faq_url": _public_url(FAQPage),
        "can_quick_tally": perms.can_quick_tally(request.user),
    }
    if context["can_quick_tally"]:
        context.update(_quick_tally_context(request))
    return TemplateResponse(request, "inquiries/admin/form.html", context)


def _audit_caller_view(request: HttpRequest, inquiry: Inquiry, screen: str) -> None:
    """The caller's name and phone are personal data: a screen that shows them is in the audit trail
    (only when the record has them, so an anonymous call leaves no noise)."""
    if not (inquiry.caller_name or inquiry.caller_phone):
        return
    record(
        AuditAction.PII_VIEW,
        request=request,
        obj=inquiry,
        summary=gettext_lazy("応対記録の問い合わせ者（氏名・電話番号）を表示"),
        detail={"screen": screen},
    )


@permission_required(perms.VIEW)
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_object_or_404(_listing(), pk=pk)
    show_caller = perms.can_see_caller(request.user)
    if show_caller:
        _audit_caller_view(request, inquiry, "inquiries_detail")
    return TemplateResponse(
        request,
        "inquiries/admin/detail.html",
        {
            "inquiry": inquiry,
            "show_caller": show_caller,
            "can_change": perms.can_change(request.user),
            "can_make_faq": perms.can_make_faq(request.user),
            "faq_entries": inquiry.faq_entries.all(),
        },
    )


@permission_required(perms.CHANGE)
@require_http_methods(["GET", "POST"])
def inquiry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    inquiry = get_object_or_404(_listing(), pk=pk)
    show_caller = perms.can_see_caller(request.user)
    form = InquiryForm(request.POST or None, instance=inquiry, show_caller=show_caller)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("応対記録を更新しました。"))
        return redirect("inquiries_detail", pk=inquiry.pk)
    if request.method == "GET" and show_caller:
        _audit_caller_view(request, inquiry, "inquiries_edit")
    return TemplateResponse(
        request,
        "inquiries/admin/edit.html",
        {"form": form, "inquiry": inquiry, "facility_options": _facility_options()},
    )


@permission_required(perms.QUICK_TALLY)
@require_POST
def quick_tally(request: HttpRequest) -> HttpResponse:
    form = QuickTallyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("数える分類と区分を選んでください。"))
        return redirect("inquiries_new")
    category, caller_type = form.cleaned_data["cell"]
    channel = form.cleaned_data["channel"]
    services.add_quick_tally(request.user, category, caller_type, channel)
    messages.success(
        request,
        _("簡易集計に1件加えました: %(category)s／%(caller)s／%(channel)s")
        % {"category": category, "caller": CallerType(caller_type).label, "channel": Channel(channel).label},
    )
    return redirect(f"{reverse('inquiries_new')}?channel={channel}#quick-tally")


@permission_required(perms.QUICK_TALLY)
@require_POST
def quick_tally_undo(request: HttpRequest) -> HttpResponse:
    undone = services.undo_last_quick_tally(request.user)
    if undone is None:
        messages.warning(
            request, _("取り消せる簡易集計はありません（取り消せるのは10分以内の最後の1件です）。")
        )
    else:
        messages.success(
            request,
            _("簡易集計の最後の1件を取り消しました: %(category)s／%(caller)s")
            % {"category": undone.category, "caller": undone.get_caller_type_display()},
        )
    return redirect(f"{reverse('inquiries_new')}#quick-tally")


@permission_required(perms.MAKE_FAQ)
@require_POST
def inquiry_to_faq(request: HttpRequest, pk: int) -> HttpResponse:
    """ "FAQ にする": a draft よくある質問 from this inquiry, for editors to finish and publish."""
    inquiry = get_object_or_404(Inquiry, pk=pk)
    entry = create_faq_draft(inquiry, request.user)
    buttons = []
    if request.user.has_perm("inquiries.change_faqentry"):
        buttons.append(
            messages.button(
                reverse("wagtailsnippets_inquiries_faqentry:edit", args=[entry.pk]), _("編集する")
            )
        )
    messages.success(
        request, _("よくある質問の下書きを作成しました。編集者が確認してから公開します。"), buttons=buttons
    )
    return redirect("inquiries_detail", pk=inquiry.pk)


# --- reports: which are due, done or overdue; download; mark submitted ----------------------------


@permission_required(perms.VIEW_REPORTS)
def reports(request: HttpRequest) -> HttpResponse:
    daily, monthly = services.report_schedule()
    return TemplateResponse(
        request,
        "inquiries/admin/reports.html",
        {
            "daily": daily,
            "monthly": monthly,
            "can_submit": perms.can_submit_reports(request.user),
            "overdue": sum(1 for r in [*daily, *monthly] if r.state == services.ReportState.OVERDUE),
        },
    )


def _report_period(request: HttpRequest) -> tuple[str, datetime.date] | None:
    kind = request.POST.get("kind", "")
    try:
        return kind, parse_period(kind, request.POST.get("period", ""))
    except ValueError as exc:
        messages.error(request, str(exc))
        return None


@permission_required(perms.VIEW_REPORTS)
@require_POST
def report_download(request: HttpRequest) -> HttpResponse:
    """The tally as Excel. For staff who hand reports in, generating it here records the submission."""
    parsed = _report_period(request)
    if parsed is None:
        return redirect("inquiries_reports")
    kind, day = parsed
    if perms.can_submit_reports(request.user):
        try:
            services.record_submission(kind, day, request.user, SubmissionVia.DOWNLOAD)
        except services.SubmissionError:
            pass  # a period still running is downloadable as a preview, never marked submitted
    label = _("応対記録の集計報告 %(period)s（Excel）") % {
        "period": f"{day:%Y-%m}" if kind == "monthly" else f"{day:%Y-%m-%d}"
    }
    return start_download(request, "inquiries.tally", {"kind": kind, "day": day.isoformat()}, label)


@permission_required(perms.SUBMIT_REPORTS)
@require_POST
def report_mark_submitted(request: HttpRequest) -> HttpResponse:
    parsed = _report_period(request)
    if parsed is not None:
        kind, day = parsed
        try:
            services.record_submission(kind, day, request.user, SubmissionVia.MARKED)
        except services.SubmissionError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("提出済みとして記録しました。"))
    return redirect("inquiries_reports")
