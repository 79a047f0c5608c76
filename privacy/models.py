"""The record of each erasure of a campaign's personal data (what, how many, by whom, the report).

A campaign with a run counts as erased: data shared with other rounds (a business's contacts, its
users, overlapping inquiries) is erased with the last round that needs it, and that is decided by
looking up which rounds already have a run. Nothing here holds personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ErasureRun(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("キャンペーン"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("消去日時"))
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実施者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(_("実施者のユーザー名"), max_length=150)
    forced = models.BooleanField(_("実施中の確認を省略"), default=False)
    force_reason = models.TextField(_("省略の理由"), blank=True)
    categories = models.JSONField(_("消去した内容"), default=list)
    files_planned = models.PositiveIntegerField(_("削除するファイル数"), default=0)
    files_deleted = models.PositiveIntegerField(_("削除したファイル数"), default=0)
    file_failures = models.JSONField(_("削除できなかったファイル"), default=list)
    report_path = models.CharField(_("データ消去報告書"), max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("個人情報の消去")
        verbose_name_plural = pgettext_lazy("plural", "個人情報の消去")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def record_count(self) -> int:
        return sum(item.get("records", 0) for item in self.categories)
