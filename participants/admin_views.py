"""Staff screens for participant applications in the Wagtail admin (審査).

The review queue, the review screen with its actions, the city's list of escalated cases, document
downloads and the 参加事業者データ export. Every state change goes through `participants.services`;
a refused move (`TransitionError`) is shown to the user as is and nothing changes. Final moves
(登録決定, 不承認, 差戻し) ask for confirmation on a page of their own, so they work without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST
from wagtail.admin.auth import permission_required

from audit.log import record
from audit.models import AuditAction
from campaigns.models import Campaign
from campaigns.selection import selected_campaign
from core.paging import query_without
from jobs.admin_views import start_download

from . import export as participant_export
from . import frozen, services
from . import permissions as perms
from .admin_forms import (
    QUEUE_STATUSES,
    ApplicationFilter,
    ApproveForm,
    ChecklistForm,
    CityDecisionForm,
    CommentForm,
    EscalateForm,
    RejectForm,
    ReturnForm,
    campaign_choices,
)
from .documents import serve_document
from .models import (
    Application,
    ApplicationDocument,
    ApplicationFacility,
    ApplicationStatus,
    EventKind,
    ParticipantExport,
    ParticipantSnapshot,
)

S = ApplicationStatus
PER_PAGE = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- review queue -------------------------------------------------------------------------------


@permission_required(perms.VIEW)
def queue(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    handed_in = Application.objects.none()
    if campaign is not None:
        handed_in = Application.objects.filter(campaign=campaign).exclude(status=S.DRAFT)
    listing = (
        handed_in.select_related("business", "reviewer")
        .prefetch_related(Prefetch("facilities", ApplicationFacility.objects.select_related("ward")))
        .order_by(F("submitted_at").asc(nulls_last=True), "number")
    )
    filterset = ApplicationFilter(request.GET or None, queryset=listing)
    page = Paginator(filterset.qs, PER_PAGE).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.ward_names = list(dict.fromkeys(f.ward.name for f in application.facilities.all()))
    counts = dict(handed_in.order_by().values_list("status").annotate(n=Count("pk")))
    status_counts = [
        {"value": value, "label": label, "count": counts.get(value, 0)} for value, label in QUEUE_STATUSES
    ]
    filtered = any(request.GET.get(name) for name in ("status", "ward", "q"))
    return TemplateResponse(
        request,
        "participants/admin/queue.html",
        {
            "campaigns": campaigns,
            "campaign": campaign,
            "filter": filterset,
            "page_obj": page,
            "status_counts": status_counts,
            "total": sum(counts.values()),
            "filtered": filtered,
            "query_string": query_without(request),
            "campaign_query": f"campaign={campaign.slug}" if campaign else "",
            "can_export": perms.can_export(request.user),
            "can_view_export_log": perms.can_view_export_log(request.user),
        },
    )


@permission_required(perms.DECIDE)
def escalations(request: HttpRequest) -> HttpResponse:
    """発注者確認の案件: every case waiting for the city's decision, oldest question first."""
    cases = Application.objects.waiting_for_city().select_related("business", "campaign", "reviewer")
    page = Paginator(cases, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "participants/admin/escalations.html", {"page_obj": page})


# --- review screen and its actions --------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One thing staff can do on the review screen: who, in which states, with which form."""

    name: str
    label: Promise
    states: tuple[str, ...]
    permissions: tuple[str, ...]  # any of them
    run: Callable[[Application, Any, dict[str, Any]], Any]
    success: Promise
    form_class: type[forms.Form] | None = None
    confirm: Promise | None = None  # the question of the confirmation page; None = no confirmation

    def allowed_for(self, user) -> bool:
        return any(user.has_perm(permission) for permission in self.permissions)

    def available(self, application: Application, user) -> bool:
        return application.status in self.states and self.allowed_for(user)

    def make_form(self, application: Application, data=None) -> forms.Form | None:
        if self.form_class is None:
            return None
        prefix = self.name
        if self.form_class in (ChecklistForm, ApproveForm):
            return self.form_class(data, application=application, prefix=prefix)
        return self.form_class(data, prefix=prefix)


ALL_STATES = tuple(S.values)
ACTIONS: dict[str, Action] = {
    action.name: action
    for action in [
        Action(
            "start_review",
            gettext_lazy("審査を開始する"),
            (S.SUBMITTED,),
            (perms.REVIEW,),
            lambda application, user, data: services.start_review(application, user),
            gettext_lazy("審査を開始しました。"),
        ),
        Action(
            "checklist",
            gettext_lazy("チェックリストを保存"),
            (S.IN_REVIEW, S.ESCALATED),
            (perms.REVIEW,),
            lambda application, user, data: services.save_checklist(application, user, data),
            gettext_lazy("チェックリストを保存しました。"),
            ChecklistForm,
        ),
        Action(
            "comment",
            gettext_lazy("メモを追加"),
            ALL_STATES,
            (perms.REVIEW, perms.DECIDE),
            lambda application, user, data: services.add_comment(application, user, data["note"]),
            gettext_lazy("審査メモを追加しました。"),
            CommentForm,
        ),
        Action(
            "return",
            gettext_lazy("差戻す"),
            (S.IN_REVIEW,),
            (perms.REVIEW,),
            lambda application, user, data: services.return_for_correction(
                application, user, data["reasons"]
            ),
            gettext_lazy("差戻しました。申請者にメールで知らせます。"),
            ReturnForm,
            confirm=gettext_lazy("この申請を差戻しますか。理由は申請者に表示され、メールで知らせます。"),
        ),
        Action(
            "escalate",
            gettext_lazy("発注者確認へ"),
            (S.IN_REVIEW,),
            (perms.REVIEW,),
            lambda application, user, data: services.escalate(application, user, data["question"]),
            gettext_lazy("発注者確認に回しました。"),
            EscalateForm,
        ),
        Action(
            "approve",
            gettext_lazy("登録決定する"),
            (S.IN_REVIEW,),
            (perms.REVIEW,),
            lambda application, user, data: services.approve(
                application,
                user,
                approved_on=data["approved_on"],
                note=data.get("note", ""),
                allocations={
                    int(key.removeprefix("allocation_")): value or 0
                    for key, value in data.items()
                    if key.startswith("allocation_")
                },
            ),
            gettext_lazy("登録決定しました。施設は参加施設のご案内に掲載されます。"),
            ApproveForm,
            confirm=gettext_lazy(
                "この申請を登録決定しますか。施設が参加施設のご案内に掲載され、申請者にメールで知らせます。"
            ),
        ),
        Action(
            "reject",
            gettext_lazy("不承認にする"),
            (S.IN_REVIEW,),
            (perms.REVIEW,),
            lambda application, user, data: services.reject(application, user, data["reason"]),
            gettext_lazy("不承認にしました。申請者にメールで知らせます。"),
            RejectForm,
            confirm=gettext_lazy("この申請を不承認にしますか。理由は申請者に表示され、元に戻せません。"),
        ),
        Action(
            "decide",
            gettext_lazy("判断を登録する"),
            (S.ESCALATED,),
            (perms.DECIDE,),
            lambda application, user, data: services.record_city_decision(
                application, user, data["decision"]
            ),
            gettext_lazy("判断を登録しました。案件は審査担当に戻りました。"),
            CityDecisionForm,
        ),
    ]
}


def _application(pk) -> Application:
    return get_object_or_404(Application.objects.select_related("business", "campaign", "reviewer"), pk=pk)


def _detail_url(application: Application) -> str:
    return reverse("participants_application", args=[application.pk])


def _render_detail(
    request: HttpRequest, application: Application, bound: dict[str, forms.Form] | None = None
) -> HttpResponse:
    user = request.user
    bound = bound or {}
    actions = {
        name: {
            "action": action,
            "form": bound.get(name) or action.make_form(application),
            "url": reverse("participants_application_action", args=[application.pk, name]),
        }
        for name, action in ACTIONS.items()
        if action.available(application, user)
    }
    facilities = application.facilities.select_related(
        "facility_type", "ward", "area", "facility"
    ).prefetch_related("features")
    checklist = [
        (Application._meta.get_field(name).verbose_name, getattr(application, name))
        for name in Application.CHECKLIST_FIELDS
    ]
    pledges = [
        (Application._meta.get_field(name).verbose_name, getattr(application, name))
        for name in Application.PLEDGE_FIELDS
    ]
    events = list(application.events.select_related("actor"))
    escalation = next((e for e in reversed(events) if e.to_status == S.ESCALATED), None)
    answer = next((e for e in reversed(events) if e.kind == EventKind.CITY_DECISION), None)
    waiting_for_city = application.status == S.ESCALATED
    full_account = perms.can_see_full_account(user)
    if full_account and application.account_number:
        # The whole account number is personal data: every showing of it is in the audit trail.
        record(
            AuditAction.PII_VIEW,
            request=request,
            obj=application,
            summary=gettext_lazy("参加申請の口座番号（全桁）を表示"),
            detail={"screen": "participants_application", "number": application.number},
        )
    return TemplateResponse(
        request,
        "participants/admin/application.html",
        {
            "application": application,
            "business": application.business,
            "facilities": facilities,
            "documents": application.documents.all(),
            "account_number": perms.account_number_for(application, user),
            "full_account": full_account,
            "checklist": checklist,
            "pledges": pledges,
            "actions": actions,
            "events": events,
            "escalation_question": escalation.note if waiting_for_city and escalation else "",
            "city_decision": answer if application.status == S.IN_REVIEW else None,
            "queue_url": reverse("participants_queue") + f"?campaign={application.campaign.slug}",
            "can_review": perms.can_review(user),
            "can_decide": perms.can_decide_escalation(user),
        },
    )


@permission_required(perms.VIEW)
def application_detail(request: HttpRequest, pk) -> HttpResponse:
    return _render_detail(request, _application(pk))


def _precheck(action: Action, application: Application) -> str | None:
    """Before asking for confirmation, say at once why the move cannot happen (the services decide
    again when it is confirmed)."""
    if application.status not in action.states:
        return _("この操作は現在の状態（%(status)s）ではできません。画面を再読み込みしてください。") % {
            "status": application.get_status_display()
        }
    if action.name == "approve" and not application.checklist_complete:
        return _("審査チェックリストのすべての項目を確認してから登録決定してください。")
    return None


@permission_required(perms.VIEW)
@require_POST
def application_action(request: HttpRequest, pk, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if not spec.allowed_for(request.user):
        raise PermissionDenied
    application = _application(pk)
    form = spec.make_form(application, request.POST)
    if form is not None and not form.is_valid():
        return _render_detail(request, application, {action: form})
    data = form.cleaned_data if form is not None else {}

    if spec.confirm is not None and request.POST.get("confirmed") != "1":
        problem = _precheck(spec, application)
        if problem:
            messages.error(request, problem)
            return _render_detail(request, application, {action: form})
        return TemplateResponse(
            request,
            "participants/admin/confirm.html",
            {
                "application": application,
                "action": spec,
                "form": form,
                "data": data,
                "url": reverse("participants_application_action", args=[application.pk, action]),
                "back": _detail_url(application),
            },
        )

    try:
        spec.run(application, request.user, data)
    except services.TransitionError as exc:
        messages.error(request, str(exc))
        return _render_detail(request, _application(pk), {action: form} if form is not None else None)
    messages.success(request, str(spec.success))
    return redirect(_detail_url(application))


@permission_required(perms.VIEW)
def document_download(request: HttpRequest, pk) -> HttpResponse:
    document = get_object_or_404(ApplicationDocument, pk=pk)
    response = serve_document(document, request.user)
    audit_document_view(request, document, "participants_document")
    return response


def audit_document_view(request: HttpRequest, document: ApplicationDocument, screen: str) -> None:
    """Application documents (licences, passbooks) are personal data: each download is logged with the
    kind and the application, never the uploaded file's name, which may carry a person's name."""
    record(
        AuditAction.PII_VIEW,
        request=request,
        obj=document,
        summary=gettext_lazy("提出書類を表示"),
        detail={
            "screen": screen,
            "application": str(document.application_id),
            "kind": document.kind,
            "size": document.size,
        },
    )


# --- 参加事業者データ ---------------------------------------------------------------------------


class ExportForm(forms.Form):
    # The round is picked with the selector at the top of the page (its summary is that round's).
    campaign = forms.ModelChoiceField(
        label=gettext_lazy("キャンペーン"),
        queryset=campaign_choices(),
        empty_label=None,
        to_field_name="slug",
        widget=forms.HiddenInput,
    )
    full_account_numbers = forms.BooleanField(
        label=gettext_lazy("口座番号を伏せずに出力する"),
        required=False,
        help_text=gettext_lazy("出力したことは記録されます。ファイルの取扱いに注意してください。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if not perms.can_see_full_account(user):
            del self.fields["full_account_numbers"]


def _forbidden(message: str) -> HttpResponse:
    # A plain 403 (Wagtail would turn PermissionDenied into a redirect to the dashboard).
    return HttpResponseForbidden(message, content_type="text/plain; charset=utf-8")


def _export_url(campaign) -> str:
    url = reverse("participants_export")
    return f"{url}?campaign={campaign.slug}" if campaign is not None else url


def _export_summary(campaign) -> dict[str, Any]:
    """What the export screen says about a round: its rows by 参加の経緯, the 確定版 and the 差分."""
    if campaign is None:
        return {}
    rows = participant_export.rows_for(campaign, full_account_numbers=False)
    counts = participant_export.source_counts(rows)
    snapshot = participant_export.snapshot_of(campaign)
    return {
        "row_count": len(rows),
        "application_count": counts[participant_export.SOURCE_APPLICATION],
        "other_count": counts[participant_export.SOURCE_OTHER],
        "snapshot": snapshot,
        "changes": participant_export.current_diff(campaign, rows) if snapshot is not None else None,
        "due": frozen.due_status(campaign),
    }


@permission_required(perms.EXPORT)
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    campaigns, campaign = selected_campaign(request)
    if request.method == "POST":
        form = ExportForm(request.POST, user=request.user)
        if form.is_valid():
            campaign = form.cleaned_data["campaign"]
            full = form.cleaned_data.get("full_account_numbers", False)
            # The builder calls export_participants, which records the export and its audit entry
            # with the requester as the exporter.
            params = {"campaign": campaign.pk, "full_account_numbers": bool(full)}
            label = _("参加事業者データ %(campaign)s（Excel）") % {"campaign": campaign.name}
            return start_download(request, "participants.export", params, label)
    else:
        form = ExportForm(initial={"campaign": campaign.slug if campaign else None}, user=request.user)
    return TemplateResponse(
        request,
        "participants/admin/export.html",
        {
            "form": form,
            "campaigns": campaigns,
            "campaign": campaign,
            **_export_summary(campaign),
            "can_freeze": perms.can_freeze(request.user),
            "can_download_frozen": perms.can_download_frozen(request.user),
            "can_view_export_log": perms.can_view_export_log(request.user),
        },
        status=200 if request.method == "GET" else 400,
    )


@require_http_methods(["GET", "POST"])
def freeze(request: HttpRequest) -> HttpResponse:
    """確定版として保存: a confirmation page first (what will be frozen, for which round, the due
    date), then the freeze itself. The round is named exactly (an unknown one is a 404): a stale
    bookmark must never freeze another round than the one on the page."""
    if not perms.can_freeze(request.user):
        return _forbidden(_("参加事業者データを確定版にする権限がありません。"))
    slug = request.POST.get("campaign") if request.method == "POST" else request.GET.get("campaign")
    if slug:
        campaign = Campaign.objects.filter(slug=slug).first()
    else:
        campaign = None if request.method == "POST" else selected_campaign(request)[1]
    if campaign is None:
        raise Http404
    back = _export_url(campaign)
    if request.method == "POST" and request.POST.get("confirmed") == "1":
        try:
            snapshot = frozen.freeze(campaign, request.user, via_request=request)
        except frozen.FreezeError as exc:
            messages.error(request, str(exc))
            return redirect(back)
        messages.success(
            request,
            _("%(campaign)sの参加事業者データを確定版として保存しました（%(count)s件、SHA-256 %(hash)s）。")
            % {"campaign": campaign.name, "count": snapshot.row_count, "hash": snapshot.sha256},
        )
        return redirect(back)
    summary = _export_summary(campaign)
    problem = ""
    if summary["snapshot"] is not None:
        problem = frozen.already_frozen_message(summary["snapshot"])
    elif not summary["row_count"]:
        problem = _("このキャンペーンには参加施設がないため、確定版を作成できません。")
    return TemplateResponse(
        request,
        "participants/admin/freeze_confirm.html",
        {"campaign": campaign, "back": back, "problem": problem, **summary},
        status=409 if problem and request.method == "POST" else 200,
    )


@require_http_methods(["GET"])
def frozen_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The 確定版 exactly as it was frozen (checked against its SHA-256), recorded like every
    download of personal data."""
    if not perms.can_download_frozen(request.user):
        return _forbidden(_("参加事業者データ（確定版）をダウンロードする権限がありません。"))
    snapshot = get_object_or_404(ParticipantSnapshot.objects.select_related("campaign"), pk=pk)
    try:
        content = frozen.open_frozen(snapshot, request.user, via_request=request)
    except frozen.FreezeError as exc:
        messages.error(request, str(exc))
        return redirect(_export_url(snapshot.campaign))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, snapshot.filename)
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required(perms.EXPORT_LOG)
def export_log(request: HttpRequest) -> HttpResponse:
    records = ParticipantExport.objects.select_related("campaign", "exported_by")
    page = Paginator(records, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "participants/admin/export_log.html", {"page_obj": page})
