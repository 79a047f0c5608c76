"""A background job and the file it made."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def private_storage():
    """Results may hold personal data: the private storage, served only by `jobs.admin_views.download`."""
    return storages["private"]


def _result_path(job: Job, filename: str) -> str:
    # The stored name says nothing about the content; the download name is `Job.filename`.
    return f"jobs/{timezone.now():%Y/%m}/{job.pk}-{filename}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("待機中")
    RUNNING = "running", _("作成中")
    DONE = "done", _("完了")
    FAILED = "failed", _("失敗")


class Job(models.Model):
    """One request for a file, from the click to the download.

    `params` are what the builder needs (JSON, no secrets); the permission and audit checks of the
    screen that started it have already been made when the job exists. The file lives in the private
    storage (shared by every app server) until `expires_at`, then `purge_jobs` deletes job and file.
    """

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    kind = models.CharField(_("種類"), max_length=64)
    label = models.CharField(_("内容"), max_length=200)
    params = models.JSONField(_("条件"), default=dict, blank=True)
    language = models.CharField(_("言語"), max_length=8, default="ja")
    personal_data = models.BooleanField(_("個人情報を含む"), default=False)
    status = models.CharField(_("状態"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_done = models.PositiveIntegerField(_("進捗（済み）"), default=0)
    progress_total = models.PositiveIntegerField(_("進捗（全体）"), default=0)
    error = models.TextField(_("エラー"), blank=True)
    file = models.FileField(
        _("ファイル"), storage=private_storage, upload_to=_result_path, blank=True, max_length=300
    )
    filename = models.CharField(_("ファイル名"), max_length=200, blank=True)
    content_type = models.CharField(_("ファイルの種類"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("サイズ"), default=0)
    task_result_id = models.CharField(_("タスクID"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("依頼日時"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    expires_at = models.DateTimeField(_("保存期限"), db_index=True)

    class Meta:
        verbose_name = _("ダウンロード")
        verbose_name_plural = _("ダウンロード")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    def save(self, *args, **kwargs) -> None:
        if self.expires_at is None:
            self.expires_at = self.created_at + datetime.timedelta(days=settings.JOBS_KEEP_DAYS)
        super().save(*args, **kwargs)

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        """Progress in percent, or None while the builder has not said how much there is."""
        if self.status == JobStatus.DONE:
            return 100
        if not self.progress_total:
            return None
        return min(100, self.progress_done * 100 // self.progress_total)
