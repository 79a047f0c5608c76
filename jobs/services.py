"""Starting, running and purging jobs: the only code that changes a `Job`."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import registry
from .models import Job, JobStatus

logger = logging.getLogger(__name__)

# The progress bar is written at most this often (seconds), so a builder may report every row.
PROGRESS_INTERVAL = 1.0


def start(user: Any, kind: str, params: dict | None = None, *, label: str = "") -> Job:
    """Record a job for `user` and queue it once the current transaction commits (a worker must not
    look for a job that is not committed yet). The caller has checked permissions already."""
    spec = registry.get(kind)
    job = Job.objects.create(
        requested_by=user if getattr(user, "pk", None) else None,
        kind=kind,
        label=str(label or kind)[:200],
        params=params or {},
        language=(get_language() or "ja")[:8],
        personal_data=spec.personal_data,
    )
    after_commit(lambda: _enqueue(job.pk))
    return job


def after_commit(callback) -> None:
    """Run `callback` once the current transaction commits. Test settings turn the wait off
    (JOBS_ENQUEUE_ON_COMMIT): pytest wraps each test in a transaction that never commits, and the
    tests read the e-mails and files right away; tests/test_jobs.py checks the real behaviour."""
    if getattr(settings, "JOBS_ENQUEUE_ON_COMMIT", True):
        transaction.on_commit(callback)
    else:
        callback()


def _enqueue(job_id: int) -> None:
    from .tasks import run_job

    result = run_job.enqueue(job_id)
    Job.objects.filter(pk=job_id).update(task_result_id=str(result.id)[:64])


def _progress_reporter(job: Job):
    last = 0.0

    def progress(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last < PROGRESS_INTERVAL and done < total:
            return
        last = now
        Job.objects.filter(pk=job.pk).update(progress_done=max(0, done), progress_total=max(0, total))

    return progress


def failure_message(job: Job) -> str:
    return _(
        "ファイルを作成できませんでした。時間をおいてもう一度お試しください。"
        "繰り返し失敗する場合は、受付番号 %(number)s をシステム管理者にお知らせください。"
    ) % {"number": job.pk}


def run(job_id: int) -> Job | None:
    """Build the job's file. A job already started is left alone, so a task delivered twice does no
    harm; every failure ends as a failed job with a message for the requester, never a traceback."""
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.filter(pk=job_id).first()
    if not claimed or job is None:
        logger.warning("job %s is not waiting to run; skipped", job_id)
        return job
    try:
        spec = registry.get(job.kind)
        with translation.override(job.language):
            output = spec.builder(job, dict(job.params), _progress_reporter(job))
            name = f"{uuid.uuid4().hex}-{output.filename}"
            content = output.content
            stored = (
                ContentFile(content, name=name) if isinstance(content, bytes) else File(content, name=name)
            )
            job.file.save(name, stored, save=False)
            job.size = stored.size or 0
            if not isinstance(content, bytes):
                content.close()
    except registry.JobError as exc:
        logger.warning("job %s (%s) failed: %s", job.pk, job.kind, exc)
        return _finish(job, JobStatus.FAILED, error=str(exc))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        with translation.override(job.language):
            return _finish(job, JobStatus.FAILED, error=failure_message(job))
    job.filename = output.filename[:200]
    job.content_type = output.content_type[:100]
    return _finish(job, JobStatus.DONE)


def _finish(job: Job, status: str, *, error: str = "") -> Job:
    job.status = status
    job.error = error
    job.finished_at = timezone.now()
    if status == JobStatus.DONE:  # the builder wrote its progress to the database, not to `job`
        done, total = Job.objects.filter(pk=job.pk).values_list("progress_done", "progress_total").get()
        job.progress_total = total
        job.progress_done = max(done, total)
    else:
        job.file = ""
    job.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "progress_done",
            "progress_total",
            "file",
            "filename",
            "content_type",
            "size",
        ]
    )
    return job


def purge(now=None) -> int:
    """Delete expired jobs and their files; returns how many. A file that cannot be deleted leaves its
    job in place to be tried again next time."""
    now = now or timezone.now()
    count = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(status=JobStatus.RUNNING).iterator():
        if job.file:
            try:
                job.file.storage.delete(job.file.name)
            except OSError:
                logger.exception("could not delete the file of job %s", job.pk)
                continue
        job.delete()
        count += 1
    return count
