"""参加事業者データ（確定版）: freezing the round's participant data as the delivered file (spec 6.1 (4)).

The spec asks for the participants' data as 確定データ by a date (令和7年5月9日 for the 2025 round;
`Campaign.participant_data_due`). `freeze` makes the workbook of every participation of the round
once, keeps it in the private storage with its SHA-256 and the values it holds, and records who froze
it and when; the round then has its 確定版 for good (a second freeze is refused). `open_frozen` hands
the very same file out again, checked against its hash and recorded like every personal-data
download. Later exports carry the 差分 against it (`participants.export.diff`), and `reminders` tells
the staff who may freeze which rounds still have no 確定版 and how long until (or since) the due date.

The 確定版 is written with masked account numbers: the city, which receives it, may not see whole
numbers in this platform either (the accountant's full export stays a separate download).
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record
from audit.models import AuditAction
from campaigns.models import Campaign
from core.excel import to_bytes
from core.formatting import document_date, document_datetime

from . import permissions as perms
from .export import (
    VIA_FREEZE,
    VIA_FROZEN_DOWNLOAD,
    build_workbook,
    rows_for,
    snapshot_of,
    snapshot_rows,
    user_label,
)
from .models import ParticipantExport, ParticipantSnapshot


class FreezeError(Exception):
    """The 確定版 cannot be made (or given out); the message (Japanese) is shown as is."""


def frozen_filename(campaign: Campaign, at: datetime.datetime) -> str:
    return f"participants-{campaign.slug}-kakutei-{timezone.localtime(at):%Y%m%d-%H%M}.xlsx"


def already_frozen_message(snapshot: ParticipantSnapshot) -> str:
    return _("このキャンペーンの確定版は%(at)sに%(user)sが作成済みです。確定版は1回だけ作成できます。") % {
        "at": document_datetime(snapshot.frozen_at),
        "user": user_label(snapshot.frozen_by),
    }


def freeze(campaign: Campaign, user, *, via_request=None) -> ParticipantSnapshot:
    """Freeze the round's 参加事業者データ as its 確定版 and return it.

    Refused (FreezeError) when the round already has one or has no participation at all; a user
    without the right gets PermissionDenied. The export log and the audit trail record it.
    """
    if not perms.can_freeze(user):
        raise PermissionDenied(_("参加事業者データを確定版にする権限がありません。"))
    frozen_at = timezone.now()
    with transaction.atomic():
        # One freeze at a time per round: the campaign row is the lock, the unique row the guarantee.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        existing = snapshot_of(campaign)
        if existing is not None:
            raise FreezeError(already_frozen_message(existing))
        rows = rows_for(campaign, full_account_numbers=False)
        if not rows:
            raise FreezeError(
                _("このキャンペーンには参加施設がないため、確定版を作成できません。") + " " + _empty_hint()
            )
        with translation.override("ja"):  # the deliverable is the city's Japanese document
            workbook = build_workbook(
                campaign, rows, user=user, exported_at=frozen_at, full_account_numbers=False, frozen=True
            )
        content = to_bytes(workbook)
        filename = frozen_filename(campaign, frozen_at)
        snapshot = ParticipantSnapshot(
            campaign=campaign,
            frozen_at=frozen_at,
            frozen_by=user,
            due_on=campaign.participant_data_due,
            row_count=len(rows),
            filename=filename,
            sha256=hashlib.sha256(content).hexdigest(),
            rows=snapshot_rows(rows),
        )
        snapshot.file.save(filename, ContentFile(content), save=False)
        try:
            # A savepoint: if the rows cannot be written, the file just stored is taken away again.
            with transaction.atomic():
                snapshot.save()
                export = ParticipantExport.objects.create(
                    campaign=campaign,
                    exported_by=user,
                    via=VIA_FREEZE,
                    full_account_numbers=False,
                    row_count=len(rows),
                )
                record(
                    AuditAction.PII_EXPORT,
                    request=via_request,
                    actor=user,
                    obj=snapshot,
                    summary=gettext_lazy("参加事業者データを確定版として保存（口座番号は伏せ字）"),
                    detail={
                        "campaign": campaign.slug,
                        "rows": len(rows),
                        "sha256": snapshot.sha256,
                        "due_on": snapshot.due_on.isoformat(),
                        "export": export.pk,
                    },
                )
        except IntegrityError as exc:
            snapshot.file.storage.delete(snapshot.file.name)
            raise FreezeError(_("同時に確定版が作成されました。画面を更新して確認してください。")) from exc
        except BaseException:
            snapshot.file.storage.delete(snapshot.file.name)
            raise
    return snapshot


def _empty_hint() -> str:
    return _("参加申請を登録決定するか、施設を一括取込してから作成してください。")


def open_frozen(snapshot: ParticipantSnapshot, user, *, via_request=None) -> bytes:
    """The 確定版's bytes for a download, after checking them against the recorded SHA-256; the
    download is recorded in the export log and the audit trail."""
    if not perms.can_download_frozen(user):
        raise PermissionDenied(_("参加事業者データ（確定版）をダウンロードする権限がありません。"))
    if snapshot.erased_at is not None or not snapshot.file.name:
        raise FreezeError(_("確定版のファイルは、個人情報の消去により削除されています。"))
    storage = snapshot.file.storage
    if not storage.exists(snapshot.file.name):
        raise FreezeError(_("確定版のファイルが見つかりません。システム管理者に連絡してください。"))
    with snapshot.file.open("rb") as handle:
        content = handle.read()
    if hashlib.sha256(content).hexdigest() != snapshot.sha256:
        raise FreezeError(
            _(
                "確定版のファイルが確定時の SHA-256 と一致しません。ダウンロードを止めました。"
                "システム管理者に連絡してください。"
            )
        )
    with transaction.atomic():
        export = ParticipantExport.objects.create(
            campaign=snapshot.campaign,
            exported_by=user,
            via=VIA_FROZEN_DOWNLOAD,
            full_account_numbers=False,
            row_count=snapshot.row_count,
        )
        record(
            AuditAction.PII_EXPORT,
            request=via_request,
            actor=user,
            obj=snapshot,
            summary=gettext_lazy("参加事業者データ（確定版）をダウンロード"),
            detail={"campaign": snapshot.campaign.slug, "sha256": snapshot.sha256, "export": export.pk},
        )
    return content


# --- the reminder on the admin dashboard -----------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    campaign: Campaign
    due_on: datetime.date
    days_left: int  # negative: overdue by that many days

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def due_today(self) -> bool:
        return self.days_left == 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left

    @property
    def due_text(self) -> str:
        return document_date(self.due_on)


def reminders(today: datetime.date | None = None) -> list[Reminder]:
    """The rounds that take applications or run today and still have no 確定版, soonest due first."""
    today = today or timezone.localdate()
    rounds = Campaign.objects.filter(
        application_start__lte=today, stay_end__gte=today, participant_snapshot__isnull=True
    )
    found = [
        Reminder(campaign=c, due_on=c.participant_data_due, days_left=(c.participant_data_due - today).days)
        for c in rounds
    ]
    return sorted(found, key=lambda r: (r.due_on, r.campaign.pk))


def due_status(campaign: Campaign, today: datetime.date | None = None) -> Reminder:
    today = today or timezone.localdate()
    due = campaign.participant_data_due
    return Reminder(campaign=campaign, due_on=due, days_left=(due - today).days)
