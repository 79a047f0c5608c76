"""The application (参加申請) pages: an overview and one form page per section.

Each section is saved on its own, so an error in one never loses what another holds. Applications
are always fetched with `Application.objects.for_user`, so another business's id is a 404. Sections
can be changed only while `is_editable_by_applicant` (下書き or 差戻し); submitting goes through
`participants.services.submit`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from participants import services
from participants.admin_views import audit_document_view
from participants.documents import serve_document, store_document
from participants.models import Application, ApplicationStatus, DocumentKind

from .access import member_required
from .forms import BankAccountForm, BusinessForm, DocumentUploadForm, FacilityEntryForm, PledgeForm
from .sections import sections

S = ApplicationStatus
UNDER_REVIEW = (S.SUBMITTED, S.IN_REVIEW, S.ESCALATED)


def _not_editable(request, application: Application) -> HttpResponse:
    messages.error(
        request,
        _("この参加申請は「%(status)s」のため変更できません。")
        % {"status": application.get_status_display()},
    )
    return redirect("members:application", application.pk)


def application_view(*, editable: bool = False) -> Callable:
    """Load the user's application from the URL (404 for anyone else's); optionally require it editable."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @member_required
        @wraps(view)
        def wrapper(request, pk, *args, **kwargs):
            application = get_object_or_404(
                Application.objects.for_user(request.user).select_related("campaign", "business"), pk=pk
            )
            if editable and not application.is_editable_by_applicant:
                return _not_editable(request, application)
            return view(request, application, *args, **kwargs)

        return wrapper

    return decorator


def _saved(request, application: Application, message: str) -> None:
    """Confirm a saved change to the user and, after 差戻し, note it in the reviewer's timeline."""
    messages.success(request, message)
    services.record_edit(application, request.user, message)


def _returned_reasons(application: Application) -> str:
    if application.status != S.RETURNED:
        return ""
    event = (
        services.applicant_timeline(application).filter(to_status=S.RETURNED).order_by("-created_at").first()
    )
    return event.note if event else ""


def _section_page(request, application, form, *, title, template="members/section_form.html", **extra):
    context = {
        "application": application,
        "form": form,
        "title": title,
        "cancel_url": reverse("members:application", args=[application.pk]),
        **extra,
    }
    return render(request, template, context)


@application_view()
def overview(request, application: Application):
    documents = list(application.documents.all())
    context = {
        "application": application,
        "sections": sections(application),
        "entries": application.facilities.select_related("facility_type", "ward", "area").prefetch_related(
            "features"
        ),
        "documents": documents,
        "returned_reasons": _returned_reasons(application),
        "timeline": services.applicant_timeline(application),
        "deadline": (
            services.deadline_message(application.campaign)
            if application.status == S.DRAFT and not application.campaign.accepts_applications()
            else ""
        ),
    }
    return render(request, "members/application.html", context)


@application_view(editable=True)
def business(request, application: Application):
    title = gettext_lazy("事業者情報")
    others_in_review = (
        Application.objects.filter(business=application.business, status__in=UNDER_REVIEW)
        .exclude(pk=application.pk)
        .exists()
    )
    if others_in_review:
        messages.error(
            request,
            _(
                "事業者情報は、ほかの参加申請の審査中は変更できません。変更が必要な場合は事務局にご連絡ください。"
            ),
        )
        return redirect("members:application", application.pk)
    form = BusinessForm(request.POST or None, instance=application.business)
    if request.method == "POST" and form.is_valid():
        form.save()
        _saved(request, application, _("事業者情報を保存しました。"))
        return redirect("members:application", application.pk)
    return _section_page(request, application, form, title=title)


@application_view()
def facilities(request, application: Application):
    entries = application.facilities.select_related("facility_type", "ward", "area")
    return render(request, "members/entry_list.html", {"application": application, "entries": entries})


@application_view(editable=True)
def entry_form(request, application: Application, entry_pk: int | None = None):
    entry = get_object_or_404(application.facilities, pk=entry_pk) if entry_pk else None
    form = FacilityEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.application = application
        saved.save()
        form.save_m2m()
        _saved(request, application, _("施設「%(name)s」を保存しました。") % {"name": saved.name})
        return redirect("members:application_facilities", application.pk)
    title = _("施設を編集") if entry else _("施設を追加")
    cancel_url = reverse("members:application_facilities", args=[application.pk])
    return _section_page(request, application, form, title=title, entry=entry, cancel_url=cancel_url)


@application_view(editable=True)
def entry_delete(request, application: Application, entry_pk: int):
    entry = get_object_or_404(application.facilities, pk=entry_pk)
    if request.method == "POST":
        name = entry.name
        entry.delete()
        _saved(request, application, _("施設「%(name)s」を削除しました。") % {"name": name})
        return redirect("members:application_facilities", application.pk)
    return render(
        request,
        "members/confirm_delete.html",
        {
            "application": application,
            "title": _("施設の削除"),
            "object_label": entry.name,
            "cancel_url": "members:application_facilities",
        },
    )


@application_view(editable=True)
def bank(request, application: Application):
    form = BankAccountForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        form.save()
        _saved(request, application, _("振込先口座を保存しました。"))
        return redirect("members:application", application.pk)
    return _section_page(request, application, form, title=gettext_lazy("振込先口座"))


@application_view()
def documents(request, application: Application):
    kinds = [kind.value for kind in DocumentKind]
    bound = None
    if request.method == "POST":
        if not application.is_editable_by_applicant:
            return _not_editable(request, application)
        kind = request.POST.get("kind")
        if kind not in kinds:
            return HttpResponseBadRequest()
        bound = DocumentUploadForm(request.POST, request.FILES, kind=kind)
        if bound.is_valid():
            try:
                store_document(application, kind, bound.cleaned_data["file"], request.user)
            except ValidationError as error:
                bound.add_error("file", error)
            else:
                _saved(
                    request,
                    application,
                    _("「%(kind)s」をアップロードしました。") % {"kind": DocumentKind(kind).label},
                )
                return redirect("members:application_documents", application.pk)
    stored = list(application.documents.all())
    groups = []
    for kind in kinds:
        form = bound if bound is not None and bound.kind == kind else DocumentUploadForm(kind=kind)
        groups.append(
            {
                "kind": kind,
                "label": DocumentKind(kind).label,
                "form": form,
                "documents": [d for d in stored if d.kind == kind],
            }
        )
    context = {"application": application, "groups": groups, "form_with_errors": bound}
    return render(request, "members/documents.html", context)


@application_view()
def document_download(request, application: Application, document_pk):
    document = get_object_or_404(application.documents, pk=document_pk)
    response = serve_document(document, request.user)
    audit_document_view(request, document, "members:document_download")
    return response


@application_view(editable=True)
def document_delete(request, application: Application, document_pk):
    document = get_object_or_404(application.documents, pk=document_pk)
    if request.method == "POST":
        label = str(document)
        document.file.delete(save=False)
        document.delete()
        _saved(request, application, _("「%(document)s」を削除しました。") % {"document": label})
        return redirect("members:application_documents", application.pk)
    return render(
        request,
        "members/confirm_delete.html",
        {
            "application": application,
            "title": _("提出書類の削除"),
            "object_label": str(document),
            "cancel_url": "members:application_documents",
        },
    )


@application_view(editable=True)
def pledges(request, application: Application):
    form = PledgeForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        form.save()
        _saved(request, application, _("誓約事項への同意を保存しました。"))
        return redirect("members:application", application.pk)
    return _section_page(
        request, application, form, title=gettext_lazy("誓約事項"), template="members/pledges.html"
    )


@application_view()
def submit(request, application: Application):
    error = ""
    if request.method == "POST" and application.is_editable_by_applicant:
        try:
            submitted = services.submit(application, request.user)
        except services.TransitionError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("参加申請を提出しました。受付番号は %(reference)s です。")
                % {"reference": submitted.reference}
                + _("審査の結果はメールでお知らせします。"),
            )
            return redirect("members:application", application.pk)
    context = {
        "application": application,
        "problems": services.completeness_problems(application)
        if application.is_editable_by_applicant
        else [],
        "error": error,
        "deadline": (
            services.deadline_message(application.campaign)
            if application.status == S.DRAFT and not application.campaign.accepts_applications()
            else ""
        ),
    }
    return render(request, "members/submit.html", context)
