"""参加事業者データ（確定）: the Excel deliverable of the participants of one round (DOMAIN.md).

One row per participation of the round, however the facility joined: from an approved application
(参加の経緯 申請, with everything the business registered: business, facility, 旅館業法 licence, bank
account) or without one (一括取込等: the facility import of `facilities.importing`, or a participation
staff added on the facility's admin page). For those the application-only columns (受付番号, licence,
capacity, channels, bank account) stay empty and the business columns come from the facility's
business when it has one: nothing is invented. Account numbers are masked (all but the last three
digits) unless the exporting user may see them whole; every export, from the admin or the command, is
recorded as a `ParticipantExport` because the file holds personal data.

Once the round's 確定版 is frozen (`participants.frozen`), every later export also has a sheet
「確定版からの差分」: the participations added and removed since, and the fields changed (`diff`).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from audit.log import record
from audit.models import AuditAction
from core.excel import Column, new_workbook, to_bytes, write_table
from core.formatting import document_date, document_datetime
from facilities.models import Participation

from .models import ApplicationFacility, ApplicationStatus, ParticipantExport, ParticipantSnapshot
from .permissions import can_see_full_account

VIA_ADMIN = "admin"
VIA_COMMAND = "command"
VIA_CHOICES = (VIA_ADMIN, VIA_COMMAND)
# Recorded in the export log too, by `participants.frozen`.
VIA_FREEZE = "freeze"
VIA_FROZEN_DOWNLOAD = "frozen_download"

HEADER_ROW = 4  # rows 1–2: title and metadata, row 3 blank (core.excel.write_table)

SOURCE_APPLICATION = "application"
SOURCE_OTHER = "import"
SOURCE_LABELS = {
    SOURCE_APPLICATION: gettext_lazy("申請"),
    # A participation without an approved application: the facility import, or staff on the
    # facility's admin page; the data cannot tell them apart, so the label says both.
    SOURCE_OTHER: gettext_lazy("一括取込等"),
}


class ExportNotAllowed(PermissionDenied):
    """Full account numbers were asked for by someone without the right; the message says so."""


@dataclass(frozen=True)
class Row:
    """What one line of the sheet is read from: the participation, and the application entry that
    brought it when there is one."""

    participation: Participation
    entry: ApplicationFacility | None
    account_number: str

    @property
    def facility(self):
        return self.participation.facility

    @property
    def application(self):
        return self.entry.application if self.entry is not None else None

    @property
    def business(self):
        """The applicant; for a participation without an application, the facility's business if the
        facility record names one (it may not)."""
        return self.application.business if self.entry is not None else self.facility.business

    @property
    def source(self) -> str:
        return SOURCE_APPLICATION if self.entry is not None else SOURCE_OTHER

    @property
    def registered(self):
        """Where the facility's registered values are read from: the application entry (what the
        business applied with), else the facility record."""
        return self.entry if self.entry is not None else self.facility


def _local_date(value: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(value).date() if value else None


def _local_naive(value: datetime.datetime | None) -> datetime.datetime | None:
    # Excel has no time zones: write the Tokyo wall-clock time.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _sales_state(row: Row) -> str:
    return _("販売終了") if row.participation.sold_out else _("販売中")


def _business(attribute: str) -> Callable[[Row], str]:
    def read(row: Row) -> str:
        return getattr(row.business, attribute) if row.business is not None else ""

    return read


def _application(attribute: str) -> Callable[[Row], Any]:
    def read(row: Row) -> Any:
        value = getattr(row.application, attribute) if row.application is not None else ""
        return value() if callable(value) else value

    return read


def _entry(attribute: str) -> Callable[[Row], Any]:
    """A value only an application entry has (licence, capacity…): empty for other participations."""

    def read(row: Row) -> Any:
        if row.entry is None:
            return None
        value = getattr(row.entry, attribute)
        return value() if callable(value) else value

    return read


def _registered(attribute: str) -> Callable[[Row], Any]:
    return lambda row: getattr(row.registered, attribute)


@dataclass(frozen=True)
class Field:
    """One column: a stable key (the 確定版's stored values and the 差分 use it), the header, how to
    read it and its kind (`core.excel.Column`)."""

    key: str
    header: Any
    value: Callable[[Row], Any]
    kind: str = "text"
    compared: bool = True  # part of the 差分 (the sales state changes every day: not compared)


FIELDS: list[Field] = [
    Field("code", gettext_lazy("施設コード"), lambda r: r.facility.code, "code"),
    Field("name", gettext_lazy("施設名"), _registered("name")),
    Field("source", gettext_lazy("参加の経緯"), lambda r: str(SOURCE_LABELS[r.source])),
    Field(
        "reference", gettext_lazy("受付番号"), lambda r: r.application.reference if r.entry else "", "code"
    ),
    Field("business", gettext_lazy("事業者名"), _business("name")),
    Field("representative_title", gettext_lazy("代表者役職"), _business("representative_title")),
    Field("representative", gettext_lazy("代表者氏名"), _business("representative")),
    Field("business_postal_code", gettext_lazy("事業者の郵便番号"), _business("postal_code"), "code"),
    Field("business_address", gettext_lazy("所在地"), _business("address")),
    Field("contact_person", gettext_lazy("担当者氏名"), _business("contact_person")),
    Field("business_phone", gettext_lazy("事業者の電話番号"), _business("phone"), "code"),
    Field("email", gettext_lazy("連絡先メールアドレス"), _business("email")),
    Field("kana", gettext_lazy("施設名カナ"), _registered("kana")),
    Field("facility_type", gettext_lazy("施設種別"), lambda r: r.registered.facility_type.name),
    Field("ward", gettext_lazy("区"), lambda r: r.registered.ward.name),
    Field("area", gettext_lazy("エリア"), lambda r: r.registered.area.name),
    Field("postal_code", gettext_lazy("施設の郵便番号"), _entry("postal_code"), "code"),
    Field("address", gettext_lazy("住所"), _registered("address")),
    Field("phone", gettext_lazy("施設の電話番号"), _registered("phone"), "code"),
    Field("website", gettext_lazy("ウェブサイト"), _registered("website")),
    Field("features", gettext_lazy("特徴"), lambda r: "、".join(f.name for f in r.registered.features.all())),
    Field("description", gettext_lazy("紹介文"), _registered("description")),
    Field("booking_notes", gettext_lazy("予約についての案内"), _registered("booking_notes")),
    Field("licence_type", gettext_lazy("営業許可の種別"), _entry("get_licence_type_display")),
    Field("licence_number", gettext_lazy("営業許可番号"), _entry("licence_number"), "code"),
    Field("licence_date", gettext_lazy("営業許可日"), _entry("licence_date"), "date"),
    Field("room_count", gettext_lazy("客室数"), _registered("room_count"), "int"),
    Field("capacity", gettext_lazy("収容人数"), _entry("capacity"), "int"),
    Field(
        "booking_channels",
        gettext_lazy("販売経路"),
        lambda r: "、".join(r.entry.booking_channel_labels()) if r.entry else "",
    ),
    Field(
        "submitted_at",
        gettext_lazy("提出日時"),
        lambda r: _local_naive(r.application.submitted_at) if r.entry else None,
        "datetime",
    ),
    Field("approved_on", gettext_lazy("登録決定日"), lambda r: r.participation.approved_on, "date"),
    Field("bank_code", gettext_lazy("金融機関コード"), _application("bank_code"), "code"),
    Field("bank_name", gettext_lazy("金融機関名"), _application("bank_name")),
    Field("branch_code", gettext_lazy("支店コード"), _application("branch_code"), "code"),
    Field("branch_name", gettext_lazy("支店名"), _application("branch_name")),
    Field("account_type", gettext_lazy("預金種目"), _application("get_account_type_display")),
    Field("account_number", gettext_lazy("口座番号"), lambda r: r.account_number, "code"),
    Field("account_holder", gettext_lazy("口座名義（カナ）"), _application("account_holder")),
    Field("sales_state", gettext_lazy("販売状況"), _sales_state, compared=False),
    Field(
        "sold_out_on",
        gettext_lazy("販売終了日"),
        lambda r: _local_date(r.participation.sold_out_at),
        "date",
        compared=False,
    ),
]
FIELDS_BY_KEY = {f.key: f for f in FIELDS}
COLUMNS: list[Column] = [Column(f.header, f.value, f.kind) for f in FIELDS]
# The masked number hides a change of the first digits: the 確定版 also keeps a keyed digest of the
# whole number (never the number itself), compared as 口座番号.
ACCOUNT_DIGEST = "account_digest"


def participations(campaign):
    """Every participation of the round, with what the sheet reads."""
    return (
        Participation.objects.filter(campaign=campaign)
        .select_related("facility__business", "facility__facility_type", "facility__ward", "facility__area")
        .prefetch_related("facility__features")
    )


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
    """One row per participation: those from an application in 受付番号 order, then the others by
    施設コード. An application entry counts only while its facility takes part in the round."""
    entries: dict[int, ApplicationFacility] = {}
    for entry in participant_entries(campaign):
        if entry.facility_id is not None:
            entries.setdefault(entry.facility_id, entry)
    order = {facility_id: index for index, facility_id in enumerate(entries)}
    found = sorted(
        participations(campaign),
        key=lambda p: (0, order[p.facility_id], "") if p.facility_id in order else (1, 0, p.facility.code),
    )
    rows = []
    for participation in found:
        entry = entries.get(participation.facility_id)
        account = ""
        if entry is not None:
            application = entry.application
            account = (
                application.account_number if full_account_numbers else application.masked_account_number
            )
        rows.append(Row(participation=participation, entry=entry, account_number=account))
    return rows


def source_counts(rows: Iterable[Row]) -> dict[str, int]:
    counts = dict.fromkeys(SOURCE_LABELS, 0)
    for row in rows:
        counts[row.source] += 1
    return counts


# --- the values the 確定版 keeps and the 差分 compares ------------------------------------------


def _plain(value: Any) -> Any:
    """A cell value as JSON: dates as ISO text, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def _account_digest(row: Row) -> str:
    application = row.application
    if application is None or not application.account_number:
        return ""
    key = hashlib.sha256(f"participant-snapshot:{settings.SECRET_KEY}".encode()).digest()
    number = f"{application.bank_code}-{application.branch_code}-{application.account_number}"
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def row_key(row: Row) -> str:
    """A participation is the facility's place in the round (one per facility and round)."""
    return str(row.participation.facility_id)


def row_values(row: Row) -> dict[str, Any]:
    """The row as the 確定版 keeps it: Japanese labels, masked account number and its digest."""
    masked = replace(
        row, account_number=row.application.masked_account_number if row.application is not None else ""
    )
    with translation.override("ja"):
        values = {f.key: _plain(f.value(masked)) for f in FIELDS}
    values[ACCOUNT_DIGEST] = _account_digest(row)
    return values


def snapshot_rows(rows: Iterable[Row]) -> dict[str, dict[str, Any]]:
    return {row_key(row): row_values(row) for row in rows}


CHANGE_ADDED = "added"
CHANGE_REMOVED = "removed"
CHANGE_CHANGED = "changed"
CHANGE_LABELS = {
    CHANGE_ADDED: gettext_lazy("追加"),
    CHANGE_REMOVED: gettext_lazy("削除"),
    CHANGE_CHANGED: gettext_lazy("変更"),
}


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    """A participation added, removed or changed since the 確定版 (its code and name as they are now,
    or as they were for a removed one)."""

    kind: str
    code: str
    name: str
    source: str
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS[self.kind])

    @property
    def field_labels(self) -> list[str]:
        return [change.label for change in self.fields]


@dataclass(frozen=True)
class Diff:
    snapshot: ParticipantSnapshot
    changes: list[Change]

    def _of(self, kind: str) -> list[Change]:
        return [change for change in self.changes if change.kind == kind]

    @property
    def added(self) -> list[Change]:
        return self._of(CHANGE_ADDED)

    @property
    def removed(self) -> list[Change]:
        return self._of(CHANGE_REMOVED)

    @property
    def changed(self) -> list[Change]:
        return self._of(CHANGE_CHANGED)

    @property
    def is_empty(self) -> bool:
        return not self.changes


def _field_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for f in FIELDS:
        if not f.compared:
            continue
        old, new = before.get(f.key, ""), after.get(f.key, "")
        if (
            f.key == "account_number"
            and old == new
            and before.get(ACCOUNT_DIGEST) != after.get(ACCOUNT_DIGEST)
        ):
            # The masked numbers look alike but the whole number (or its bank) changed.
            changes.append(FieldChange(f.key, str(f.header), old, new))
        elif old != new:
            changes.append(FieldChange(f.key, str(f.header), old, new))
    return changes


def diff(snapshot: ParticipantSnapshot, current: dict[str, dict[str, Any]]) -> Diff:
    """What changed since the 確定版: participations added, removed, and changed with their fields
    (the sales state is not compared: it is not registered data and changes every day)."""
    frozen = snapshot.rows or {}
    changes: list[Change] = []
    with translation.override("ja"):
        for key, values in current.items():
            if key not in frozen:
                changes.append(Change(CHANGE_ADDED, values["code"], values["name"], values["source"]))
            else:
                fields = _field_changes(frozen[key], values)
                if fields:
                    changes.append(
                        Change(CHANGE_CHANGED, values["code"], values["name"], values["source"], fields)
                    )
        for key, values in frozen.items():
            if key not in current:
                changes.append(
                    Change(
                        CHANGE_REMOVED,
                        values.get("code", ""),
                        values.get("name", ""),
                        values.get("source", ""),
                    )
                )
    order = {CHANGE_ADDED: 0, CHANGE_REMOVED: 1, CHANGE_CHANGED: 2}
    changes.sort(key=lambda change: (order[change.kind], change.code))
    return Diff(snapshot=snapshot, changes=changes)


def snapshot_of(campaign) -> ParticipantSnapshot | None:
    return ParticipantSnapshot.objects.filter(campaign=campaign).select_related("frozen_by").first()


def current_diff(campaign, rows: list[Row] | None = None) -> Diff | None:
    """The 差分 against the round's 確定版, or None when there is none (or its content was erased)."""
    snapshot = snapshot_of(campaign)
    if snapshot is None or snapshot.erased_at is not None:
        return None
    rows = rows_for(campaign, full_account_numbers=False) if rows is None else rows
    return diff(snapshot, snapshot_rows(rows))


# --- the workbook --------------------------------------------------------------------------------


def user_label(user) -> str:
    if user is None:
        return _("（指定なし）")
    full_name = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return f"{full_name}（{user.get_username()}）" if full_name else user.get_username()


def _counts_text(rows: list[Row]) -> str:
    counts = source_counts(rows)
    return _("%(count)s件（申請 %(applications)s件・一括取込等 %(others)s件）") % {
        "count": len(rows),
        "applications": counts[SOURCE_APPLICATION],
        "others": counts[SOURCE_OTHER],
    }


def _account_note(full_account_numbers: bool) -> str:
    return _("口座番号: 全桁") if full_account_numbers else _("口座番号: 下3桁以外を伏せ字")


def _snapshot_note(snapshot: ParticipantSnapshot | None) -> str:
    if snapshot is None:
        return _("確定版: 未作成")
    return _("確定版: %(at)s 確定") % {"at": document_datetime(snapshot.frozen_at)}


DIFF_COLUMNS = [
    Column(gettext_lazy("区分"), lambda r: r["kind"]),
    Column(gettext_lazy("施設コード"), lambda r: r["code"], "code"),
    Column(gettext_lazy("施設名"), lambda r: r["name"]),
    Column(gettext_lazy("参加の経緯"), lambda r: r["source"]),
    Column(gettext_lazy("項目"), lambda r: r["field"]),
    Column(gettext_lazy("確定版の値"), lambda r: r["before"]),
    Column(gettext_lazy("現在の値"), lambda r: r["after"]),
]


def _diff_lines(result: Diff) -> list[dict[str, Any]]:
    lines = []
    for change in result.changes:
        base = {"kind": change.label, "code": change.code, "name": change.name, "source": change.source}
        if not change.fields:
            lines.append({**base, "field": "", "before": "", "after": ""})
        for item in change.fields:
            lines.append({**base, "field": item.label, "before": str(item.before), "after": str(item.after)})
    return lines


def write_diff_sheet(workbook: Workbook, campaign, result: Diff) -> None:
    """「確定版からの差分」: one line per added or removed participation and per changed field."""
    sheet = workbook.create_sheet(_("確定版からの差分"))
    snapshot = result.snapshot
    subtitle = _(
        "確定版 %(at)s 確定（確定者 %(user)s）／ 追加 %(added)s件・削除 %(removed)s件・変更 %(changed)s件"
        " ／ 販売状況・販売終了日は比較しません"
    ) % {
        "at": document_datetime(snapshot.frozen_at),
        "user": user_label(snapshot.frozen_by),
        "added": len(result.added),
        "removed": len(result.removed),
        "changed": len(result.changed),
    }
    if result.is_empty:
        subtitle = f"{subtitle} ／ {_('確定版からの変更はありません。')}"
    write_table(
        sheet,
        DIFF_COLUMNS,
        _diff_lines(result),
        title=_("確定版からの差分（%(campaign)s）") % {"campaign": campaign.name},
        subtitle=subtitle,
        freeze_columns=3,
    )


def build_workbook(
    campaign,
    rows: Iterable[Row],
    *,
    user=None,
    exported_at: datetime.datetime,
    full_account_numbers: bool,
    snapshot: ParticipantSnapshot | None = None,
    changes: Diff | None = None,
    frozen: bool = False,
) -> Workbook:
    """The sheet 参加事業者データ, and 確定版からの差分 when `changes` is given. `frozen`: this is the
    確定版 itself (its title says so and its metadata row names who froze it and the due date)."""
    rows = list(rows)
    if frozen:
        title = _("参加事業者データ（確定版）（%(campaign)s）") % {"campaign": campaign.name}
        subtitle = _("確定日時 %(at)s ／ 確定者 %(user)s ／ 納品期限 %(due)s ／ %(account)s ／ %(count)s") % {
            "at": document_datetime(exported_at),
            "user": user_label(user),
            "due": document_date(campaign.participant_data_due),
            "account": _account_note(full_account_numbers),
            "count": _counts_text(rows),
        }
    else:
        title = _("参加事業者データ（%(campaign)s）") % {"campaign": campaign.name}
        subtitle = _("出力日時 %(at)s ／ 出力者 %(user)s ／ %(account)s ／ %(count)s ／ %(snapshot)s") % {
            "at": document_datetime(exported_at),
            "user": user_label(user),
            "account": _account_note(full_account_numbers),
            "count": _counts_text(rows),
            "snapshot": _snapshot_note(snapshot),
        }
    workbook = new_workbook(title)
    sheet = workbook.active
    sheet.title = _("参加事業者データ")
    # The header row and 施設コード・施設名 stay in view.
    write_table(sheet, COLUMNS, rows, title=title, subtitle=subtitle, freeze_columns=2)
    if changes is not None:
        write_diff_sheet(workbook, campaign, changes)
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
    snapshot = snapshot_of(campaign)
    changes = current_diff(campaign, rows) if snapshot is not None else None
    workbook = build_workbook(
        campaign,
        rows,
        user=user,
        exported_at=exported_at,
        full_account_numbers=full_account_numbers,
        snapshot=snapshot,
        changes=changes,
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
