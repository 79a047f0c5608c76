"""ダウンロード: the requester's jobs, their progress and their files, in the Wagtail admin.

Every staff member sees only the jobs they asked for; someone else's job is a 404, whatever the role
(the screen that started it checked the permissions of the requester, not of whoever holds the link).
`start_download` is the one helper the screens of the apps call to turn a click into a job.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages

from audit.log import record
from audit.models import AuditAction

from . import services
from .models import Job, JobStatus

PER_PAGE = 30


def start_download(request: HttpRequest, kind: str, params: dict, label: str) -> HttpResponse:
    """Queue `kind` for the signed-in user and send them to the job's page. Call it from a POST view
    after its permission checks (and audit entries)."""
    job = services.start(request.user, kind, params, label=label)
    return redirect("jobs_detail", pk=job.pk)


def _my_job(request: HttpRequest, pk: int) -> Job:
    return get_object_or_404(Job, pk=pk, requested_by=request.user)


def _status(job: Job) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "finished": job.is_finished,
        "done": job.progress_done,
        "total": job.progress_total,
        "percent": job.percent,
        "error": job.error,
        "download_url": reverse("jobs_download", args=[job.pk]) if job.status == JobStatus.DONE else "",
        "filename": job.filename,
    }


def job_list(request: HttpRequest) -> HttpResponse:
    jobs = Job.objects.filter(requested_by=request.user)
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("page"))
    return TemplateResponse(request, "jobs/admin/list.html", {"page_obj": page})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _my_job(request, pk)
    response = TemplateResponse(
        request,
        "jobs/admin/detail.html",
        {"job": job, "status_url": reverse("jobs_status", args=[job.pk])},
    )
    response["Cache-Control"] = "private, no-store"
    return response


def job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the page's script polls while the job runs."""
    response = JsonResponse(_status(_my_job(request, pk)))
    response["Cache-Control"] = "private, no-store"
    return response


def job_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _my_job(request, pk)
    if job.status != JobStatus.DONE or not job.file:
        return redirect("jobs_detail", pk=job.pk)
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, OSError):
        messages.error(
            request,
            _("ファイルが見つかりません。保存期限を過ぎたか、削除されました。もう一度作成してください。"),
        )
        return redirect("jobs_list")
    if job.personal_data:
        record(
            AuditAction.PII_EXPORT,
            request=request,
            obj=job,
            summary=gettext_lazy("個人情報を含むファイルをダウンロード"),
            detail={"kind": job.kind, "size": job.size},
        )
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type=job.content_type)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("jobs/", job_list, name="jobs_list"),
    path("jobs/<int:pk>/", job_detail, name="jobs_detail"),
    path("jobs/<int:pk>/status.json", job_status, name="jobs_status"),
    path("jobs/<int:pk>/download/", job_download, name="jobs_download"),
]
