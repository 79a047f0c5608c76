"""The audit log: one row per security-relevant event, never changed or removed once written.

Rows are created only by `audit.log.record`, which serialises appends and chains each row to the
previous one with SHA-256 (see `AuditEntry.canonical`). On PostgreSQL a trigger (migration 0002)
refuses UPDATE and DELETE, and `python manage.py audit_verify` detects a row altered or removed by
someone who switched the trigger off.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    LOGIN = "login", _("ログイン")
    LOGIN_FAILED = "login_failed", _("ログイン失敗")
    LOGOUT = "logout", _("ログアウト")
    ROLE_CHANGE = "role_change", _("ロールの変更")
    PERMISSION_CHANGE = "permission_change", _("権限の変更")
    PII_VIEW = "pii_view", _("個人情報の閲覧")
    PII_EXPORT = "pii_export", _("個人情報の出力")
    CLAIM_STATE = "claim_state", _("実績報告の状態変更")
    PAYMENT_STATE = "payment_state", _("支払の状態変更")
    ERASURE = "erasure", _("データの消去")
    AUDIT_EXPORT = "audit_export", _("監査ログの出力")


class AuditEntry(models.Model):
    """Who did what to which object, when and from where; `summary` and `detail` hold no personal data.

    `actor` keeps the user's id even after the user is deleted (no database constraint, DO_NOTHING):
    SET_NULL would have to UPDATE the log, which the append-only trigger refuses and which would
    change the hashed content. `actor_label` is the username at the time (for a failed login: the
    username as typed, with no user behind it).
    """

    sequence = models.PositiveBigIntegerField(_("連番"), unique=True, editable=False)
    at = models.DateTimeField(_("日時"), db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        editable=False,
    )
    actor_label = models.CharField(_("実行者のユーザー名"), max_length=150, blank=True, editable=False)
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True, editable=False)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("対象の種類"), max_length=100, blank=True, editable=False)
    object_id = models.CharField(_("対象のID"), max_length=64, blank=True, editable=False)
    summary = models.CharField(_("概要"), max_length=200, blank=True, editable=False)
    detail = models.JSONField(_("詳細"), default=dict, blank=True, editable=False)
    prev_hash = models.CharField(_("直前のハッシュ"), max_length=64, editable=False)
    hash = models.CharField(_("ハッシュ"), max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ["-sequence"]
        # Nobody adds, changes or deletes entries through a screen; reading is the only right.
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor_label"], name="audit_actor_label_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.summary}"

    def detail_text(self) -> str:
        """The detail as JSON for people (screen and Excel), not the hashed form."""
        return json.dumps(self.detail, ensure_ascii=False, sort_keys=True) if self.detail else ""

    def canonical(self) -> bytes:
        """The bytes that are hashed, so anyone can recompute `hash` from an export.

        A JSON object with exactly these keys, sorted, no spaces (separators "," and ":"),
        non-ASCII characters written as themselves (ensure_ascii=False), encoded as UTF-8:
        action, actor_id (integer or null), actor_label, at (UTC, ISO 8601 with microseconds and
        "+00:00", e.g. "2025-07-18T01:02:03.000456+00:00"), detail (the stored JSON), ip (the
        address in its compressed form, or null), object_id, object_type, prev_hash (the previous
        entry's hash; 64 zeros for the first), sequence (integer), summary.
        hash = lowercase hex SHA-256 of these bytes.
        """
        data = {
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "at": canonical_time(self.at),
            "detail": self.detail,
            "ip": canonical_ip(self.ip),
            "object_id": self.object_id,
            "object_type": self.object_type,
            "prev_hash": self.prev_hash,
            "sequence": self.sequence,
            "summary": self.summary,
        }
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def canonical_time(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")


def canonical_ip(value: Any) -> str | None:
    """PostgreSQL's inet type may print an address differently from how it was typed; hash one form."""
    if value in (None, ""):
        return None
    return ipaddress.ip_address(str(value)).compressed
