"""Report packs (業務報告): the monthly pack of a closed month and the final pack (事業終了報告).

A pack is one Excel workbook and one PDF summary of the same figures, built in the background and
kept in the "private" storage (never under MEDIA_ROOT), so the city downloads exactly what was
handed over. A pack is one row per campaign + kind (+ month): generating it again replaces its files,
and every generation is kept as a `ReportPackRun` (who asked, when, the files' SHA-256), so the audit
trail of what was handed over survives the replacement.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def private_storage():
    """Packs are served only through a view that checks who asks (see `STORAGES["private"]`)."""
    return storages["private"]


def _pack_path(instance: ReportPack, filename: str) -> str:
    return f"reports/packs/{instance.campaign_id}/{filename}"


class PackKind(models.TextChoices):
    MONTHLY = "monthly", _("月次報告")
    FINAL = "final", _("事業終了報告")


class PackStatus(models.TextChoices):
    QUEUED = "queued", _("作成待ち")
    RUNNING = "running", _("作成中")
    DONE = "done", _("作成済み")
    FAILED = "failed", _("失敗")


class ReportPack(models.Model):
    """The current files of one pack (one per campaign, kind and month)."""

    kind = models.CharField(_("種類"), max_length=10, choices=PackKind.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("キャンペーン"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("対象月"), null=True, blank=True)
    provisional = models.BooleanField(_("暫定版"), default=False)
    status = models.CharField(_("状態"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    error = models.TextField(_("エラー"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("作成依頼日時"), auto_now_add=True)
    requested_at = models.DateTimeField(_("最終依頼日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    xlsx = models.FileField(
        _("Excel"), storage=private_storage, upload_to=_pack_path, max_length=200, blank=True
    )
    pdf = models.FileField(
        _("PDF"), storage=private_storage, upload_to=_pack_path, max_length=200, blank=True
    )
    xlsx_sha256 = models.CharField(_("Excel の SHA-256"), max_length=64, blank=True)
    pdf_sha256 = models.CharField(_("PDF の SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("報告書パック")
        verbose_name_plural = pgettext_lazy("plural", "報告書パック")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "kind", "month"],
                condition=Q(kind="monthly"),
                name="report_pack_monthly_once",
            ),
            models.UniqueConstraint(
                fields=["campaign", "kind"], condition=Q(kind="final"), name="report_pack_final_once"
            ),
            models.CheckConstraint(
                condition=(Q(kind="monthly") & Q(month__isnull=False) & Q(month__day=1))
                | (Q(kind="final") & Q(month__isnull=True)),
                name="report_pack_month_only_monthly",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == PackKind.MONTHLY and self.month:
            return f"{self.campaign_id} {self.kind} {self.month:%Y-%m}"
        return f"{self.campaign_id} {self.kind}"

    @property
    def is_busy(self) -> bool:
        return self.status in (PackStatus.QUEUED, PackStatus.RUNNING)


class ReportPackRun(models.Model):
    """One generation of a pack: kept when a later one replaces the files (who, when, which files)."""

    pack = models.ForeignKey(
        ReportPack, verbose_name=_("報告書パック"), on_delete=models.CASCADE, related_name="runs"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("依頼者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("依頼日時"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED)
    provisional = models.BooleanField(_("暫定版"), default=False)
    error = models.TextField(_("エラー"), blank=True)
    xlsx_sha256 = models.CharField(_("Excel の SHA-256"), max_length=64, blank=True)
    pdf_sha256 = models.CharField(_("PDF の SHA-256"), max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("報告書パックの作成履歴")
        verbose_name_plural = pgettext_lazy("plural", "報告書パックの作成履歴")

    def __str__(self) -> str:
        return f"{self.pack_id} {self.requested_at:%Y-%m-%d %H:%M}"
