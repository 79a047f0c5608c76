"""参加事業者データ（確定）: the Excel deliverable of the participants of one round (DOMAIN.md).

One row per facility of an approved application, with everything the business registered: business,
facility, 旅館業法 licence, 登録決定日, bank account and the sales state. Account numbers are masked
(all but the last three digits) unless the exporting user may see them whole; every export, from the
admin or the command, is recorded as a `ParticipantExport` because the file holds personal data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from audit.log import record
from audit.models import AuditAction
from core.excel import Column, new_workbook, to_bytes, write_table
from facilities.models import Participation

from .models import ApplicationFacility, ApplicationStatus, ParticipantExport
from .permissions import can_see_full_account

VIA_ADMIN = "admin"
VIA_COMMAND = "command"
VIA_CHOICES = (VIA_ADMIN, VIA_COMMAND)

HEADER_ROW = 4  # rows 1–2: title and metadata, row 3 blank (core.excel.write_table)


class ExportNotAllowed(PermissionDenied):
    """Full account numbers were asked for by someone without the right; the message says so."""


@dataclass(frozen=True)
class Row:
    """What one line of the sheet is read from."""

    entry: ApplicationFacility
    participation: Participation | None
    account_number: str

    @property
    def application(self):
        return self.entry.application

    @property
    def business(self):
        return self.entry.application.business


def _local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value else None


def _local_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    # Excel has no time zones: write the Tokyo wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _sales_state(row: Row) -> str:
    if row.participation is None:
        return ""
    return _("販売終了") if row.participation.sold_out else _("販売中")


def _approved_on(row: Row) -> datetime.date | None:
    if row.participation is not None:
        return row.participation.approved_on
    return row.application.approved_on


COLUMNS: list[Column] = [
    Column(gettext_lazy("受付番号"), lambda r: r.application.reference, "code"),
    Column(gettext_lazy("事業者名"), lambda r: r.business.name),
    Column(gettext_lazy("代表者役職"), lambda r: r.business.representative_title),
    Column(gettext_lazy("代表者氏名"), lambda r: r.business.representative),
    Column(gettext_lazy("事業者の郵便番号"), lambda r: r.business.postal_code, "code"),
    Column(gettext_lazy("所在地"), lambda r: r.business.address),
    Column(gettext_lazy("担当者氏名"), lambda r: r.business.contact_person),
    Column(gettext_lazy("事業者の電話番号"), lambda r: r.business.phone, "code"),
    Column(gettext_lazy("連絡先メールアドレス"), lambda r: r.business.email),
    Column(gettext_lazy("施設コード"), lambda r: r.entry.facility.code if r.entry.facility else "", "code"),
    Column(gettext_lazy("施設名"), lambda r: r.entry.name),
    Column(gettext_lazy("施設名カナ"), lambda r: r.entry.kana),
    Column(gettext_lazy("施設種別"), lambda r: r.entry.facility_type.name),
    Column(gettext_lazy("区"), lambda r: r.entry.ward.name),
    Column(gettext_lazy("エリア"), lambda r: r.entry.area.name),
    Column(gettext_lazy("施設の郵便番号"), lambda r: r.entry.postal_code, "code"),
    Column(gettext_lazy("住所"), lambda r: r.entry.address),
    Column(gettext_lazy("施設の電話番号"), lambda r: r.entry.phone, "code"),
    Column(gettext_lazy("ウェブサイト"), lambda r: r.entry.website),
    Column(gettext_lazy("特徴"), lambda r: "、".join(f.name for f in r.entry.features.all())),
    Column(gettext_lazy("紹介文"), lambda r: r.entry.description),
    Column(gettext_lazy("予約についての案内"), lambda r: r.entry.booking_notes),
    Column(gettext_lazy("営業許可の種別"), lambda r: r.entry.get_licence_type_display()),
    Column(gettext_lazy("営業許可番号"), lambda r: r.entry.licence_number, "code"),
    Column(gettext_lazy("営業許可日"), lambda r: r.entry.licence_date, "date"),
    Column(gettext_lazy("客室数"), lambda r: r.entry.room_count, "int"),
    Column(gettext_lazy("収容人数"), lambda r: r.entry.capacity, "int"),
    Column(gettext_lazy("販売経路"), lambda r: "、".join(r.entry.booking_channel_labels())),
    Column(gettext_lazy("提出日時"), lambda r: _local_naive(r.application.submitted_at), "datetime"),
    Column(gettext_lazy("登録決定日"), _approved_on, "date"),
    Column(gettext_lazy("金融機関コード"), lambda r: r.application.bank_code, "code"),
    Column(gettext_lazy("金融機関名"), lambda r: r.application.bank_name),
    Column(gettext_lazy("支店コード"), lambda r: r.application.branch_code, "code"),
    Column(gettext_lazy("支店名"), lambda r: r.application.branch_name),
    Column(gettext_lazy("預金種目"), lambda r: r.application.get_account_type_display()),
    Column(gettext_lazy("口座番号"), lambda r: r.account_number, "code"),
    Column(gettext_lazy("口座名義（カナ）"), lambda r: r.application.account_holder),
    Column(gettext_lazy("販売状況"), _sales_state),
    Column(
        gettext_lazy("販売終了日"),
        lambda r: _local_date(r.participation.sold_out_at) if r.participation else None,
        "date",
    ),
]


def participant_entries(campaign):
    """The facilities of the round's approved applications, in 受付番号 order."""
    return (
        ApplicationFacility.objects.filter(application__campaign=campaign)
        .filter(application__status=ApplicationStatus.APPROVED)
        .select_related("application__business", "facility", "facility_type", "ward", "area")
        .prefetch_related("features")
        .order_by("application__number", "created_at", "pk")
    )


def rows_for(campaign, *, full_account_numbers: bool) -> list[Row]:
    entries = list(participant_entries(campaign))
    facility_ids = [e.facility_id for e in entries if e.facility_id]
    participations = {
        p.facility_id: p
        for p in Participation.objects.filter(campaign=campaign, facility_id__in=facility_ids)
    }
    return [
        Row(
            entry=entry,
            participation=participations.get(entry.facility_id),
            account_number=(
                entry.application.account_number
                if full_account_numbers
                else entry.application.masked_account_number
            ),
        )
        for entry in entries
    ]


def _user_label(user) -> str:
    if user is None:
        return _("（指定なし）")
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full_name}（{user.get_username()}）" if full_name else user.get_username()


def build_workbook(
    campaign, rows: Iterable[Row], *, user=None, exported_at: datetime.datetime, full_account_numbers: bool
) -> Workbook:
    rows = list(rows)
    title = _("参加事業者データ（%(campaign)s）") % {"campaign": campaign.name}
    workbook = new_workbook(title)
    sheet = workbook.active
    sheet.title = _("参加事業者データ")
    account_note = _("口座番号: 全桁") if full_account_numbers else _("口座番号: 下3桁以外を伏せ字")
    subtitle = _("出力日時 %(at)s ／ 出力者 %(user)s ／ %(account)s ／ %(count)s件") % {
        "at": f"{timezone.localtime(exported_at):%Y/%m/%d %H:%M}",
        "user": _user_label(user),
        "account": account_note,
        "count": len(rows),
    }
    # The header row and 受付番号・事業者名 stay in view.
    write_table(sheet, COLUMNS, rows, title=title, subtitle=subtitle, freeze_columns=2)
    return workbook


def export_participants(
    campaign, user=None, via: str = VIA_ADMIN, full_account_numbers: bool = False
) -> tuple[bytes, int]:
    """Build the workbook, record the export and return the .xlsx bytes and the number of rows.

    Raises `ExportNotAllowed` when whole account numbers are asked for by a user without
    `participants.view_full_bank_account` (or by nobody in particular).
    """
    if via not in VIA_CHOICES:
        raise ValueError(f"unknown export channel {via!r}")
    if full_account_numbers and not can_see_full_account(user):
        raise ExportNotAllowed(
            _(
                "口座番号を伏せずに出力する権限がありません（経理担当など、権限のある利用者のみ出力できます）。"
            )
        )
    exported_at = timezone.now()
    rows = rows_for(campaign, full_account_numbers=full_account_numbers)
    workbook = build_workbook(
        campaign, rows, user=user, exported_at=exported_at, full_account_numbers=full_account_numbers
    )
    data = to_bytes(workbook)
    actor = user if getattr(user, "pk", None) else None
    with transaction.atomic():
        export = ParticipantExport.objects.create(
            campaign=campaign,
            exported_by=actor,
            via=via,
            full_account_numbers=full_account_numbers,
            row_count=len(rows),
        )
        # The workbook holds businesses' contacts and bank accounts: the audit trail records every one,
        # from the admin or the command (no request there, so the actor is named or "manage.py").
        record(
            AuditAction.PII_EXPORT,
            actor=actor,
            actor_label=None if actor is not None else "manage.py",
            obj=export,
            summary=(
                gettext_lazy("参加事業者データを出力（口座番号は全桁）")
                if full_account_numbers
                else gettext_lazy("参加事業者データを出力（口座番号は伏せ字）")
            ),
            detail={
                "campaign": campaign.slug,
                "via": via,
                "full_account_numbers": full_account_numbers,
                "rows": len(rows),
            },
        )
    return data, len(rows)


def export_filename(campaign, at: datetime.datetime | None = None) -> str:
    at = timezone.localtime(at or timezone.now())
    return f"participants-{campaign.slug}-{at:%Y%m%d-%H%M}.xlsx"
