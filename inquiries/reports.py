"""The call center's Excel deliverables: the daily and monthly tallies of 応対記録 (spec コールセンター 7).

One workbook per tally, written with `core.excel.write_table` like every other deliverable: the
category × caller type × channel cells, a sheet per category, the outcome counts and, for a month,
the count of each day. Caller names and phones are never read (the tally does not carry them).
"""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.excel import Column, new_workbook, to_bytes, write_table
from core.formatting import document_date, document_datetime, document_month

from .models import ReportKind
from .services import Tally, daily_tally, monthly_tally

AVERAGE_FORMAT = "0.0"
PERIOD_FORMATS = {
    ReportKind.DAILY: (r"\d{4}-\d{2}-\d{2}", "YYYY-MM-DD"),
    ReportKind.MONTHLY: (r"\d{4}-\d{2}", "YYYY-MM"),
}


def parse_period(kind: str, value: str) -> datetime.date:
    """The day (daily, YYYY-MM-DD) or the month's first day (monthly, YYYY-MM); ValueError names the
    expected shape."""
    if kind not in PERIOD_FORMATS:
        raise ValueError(_("種類は daily または monthly で指定してください。"))
    pattern, shape = PERIOD_FORMATS[kind]
    message = _("日付は %(shape)s の形式で指定してください（%(value)s）。") % {"shape": shape, "value": value}
    if not re.fullmatch(pattern, value or ""):
        raise ValueError(message)
    try:
        return datetime.date.fromisoformat(value if kind == ReportKind.DAILY else f"{value}-01")
    except ValueError as exc:
        raise ValueError(message) from exc


def build_tally(kind: str, day: datetime.date) -> Tally:
    return monthly_tally(day) if kind == ReportKind.MONTHLY else daily_tally(day)


def tally_period_label(tally: Tally) -> str:
    """The period in 和暦, as the city's documents date it: `令和7年7月分`, `令和7年7月18日（金）`
    (an English file gets the English date)."""
    if tally.kind == ReportKind.MONTHLY:
        return _("%(month)s分") % {"month": document_month(tally.start)}
    return document_date(tally.start, weekday=True)


def tally_title(tally: Tally) -> str:
    if tally.kind == ReportKind.MONTHLY:
        return _("応対記録 月別集計（%(period)s）") % {"period": tally_period_label(tally)}
    return _("応対記録 日別集計（%(period)s）") % {"period": tally_period_label(tally)}


def tally_filename(tally: Tally) -> str:
    period = f"{tally.start:%Y-%m}" if tally.kind == ReportKind.MONTHLY else f"{tally.start:%Y-%m-%d}"
    return f"inquiries-{tally.kind}-{period}.xlsx"


def format_deadline(deadline: datetime.datetime) -> str:
    return f"{deadline:%Y-%m-%d %H:%M}"


def _count_columns() -> list[Column]:
    return [
        Column(_("応対記録（件）"), lambda r: r.records, "int"),
        Column(_("簡易集計（件）"), lambda r: r.quick, "int"),
        Column(_("合計（件）"), lambda r: r.total, "int"),
        Column(_("平均対応時間（分）"), lambda r: r.average_duration, "int"),
    ]


def _average_format(sheet, column_index: int, first_row: int, last_row: int) -> None:
    """write_table shows ints; the average has one decimal."""
    for row in range(first_row, last_row + 1):
        sheet.cell(row=row, column=column_index).number_format = AVERAGE_FORMAT


def _totals(tally: Tally, offset: int) -> dict[int, object]:
    totals = tally.totals
    values = {offset: totals.records, offset + 1: totals.quick, offset + 2: totals.total}
    if totals.average_duration is not None:
        values[offset + 3] = totals.average_duration
    return values


def tally_workbook(tally: Tally) -> Workbook:
    workbook = new_workbook(tally_title(tally))
    write_tally_sheets(workbook, tally, first=workbook.active)
    return workbook


def write_tally_sheets(workbook: Workbook, tally: Tally, *, first=None, prefix: str = "") -> None:
    """The tally's sheets into `workbook` (the first one into `first` when given); `prefix` starts each
    sheet's name, so the tally can sit beside other tables in a report pack."""
    title = tally_title(tally)
    subtitle = _(
        "提出期限 %(deadline)s ／ 作成日時 %(now)s ／ 簡易集計は件数のみで、対応時間の平均には含みません。"
    ) % {
        "deadline": document_datetime(tally.deadline),
        "now": document_datetime(timezone.now()),
    }

    sheet = first if first is not None else workbook.create_sheet()
    sheet.title = prefix + _("分類・区分・受付方法別")
    columns = [
        Column(_("分類"), lambda r: r.category.name),
        Column(_("問い合わせ者の区分"), lambda r: r.caller_type_label),
        Column(_("受付方法"), lambda r: r.channel_label),
        *_count_columns(),
    ]
    count = write_table(sheet, columns, tally.rows, title=title, subtitle=subtitle, totals=_totals(tally, 3))
    _average_format(sheet, 7, 5, 5 + count)

    sheet = workbook.create_sheet(prefix + _("分類別"))
    columns = [Column(_("分類"), lambda r: r.category.name), *_count_columns()]
    count = write_table(
        sheet, columns, tally.by_category, title=title, subtitle=subtitle, totals=_totals(tally, 1)
    )
    _average_format(sheet, 5, 5, 5 + count)

    sheet = workbook.create_sheet(prefix + _("対応状況別"))
    columns = [Column(_("対応状況"), lambda r: r[0]), Column(_("応対記録（件）"), lambda r: r[1], "int")]
    write_table(
        sheet, columns, tally.status_rows, title=title, subtitle=subtitle, totals={1: tally.totals.records}
    )

    if tally.kind == ReportKind.MONTHLY:
        sheet = workbook.create_sheet(prefix + _("日別"))
        columns = [
            Column(_("日付"), lambda r: r.day, "date"),
            Column(_("応対記録（件）"), lambda r: r.records, "int"),
            Column(_("簡易集計（件）"), lambda r: r.quick, "int"),
            Column(_("合計（件）"), lambda r: r.total, "int"),
        ]
        write_table(
            sheet,
            columns,
            tally.by_day,
            title=title,
            subtitle=subtitle,
            totals={1: tally.totals.records, 2: tally.totals.quick, 3: tally.totals.total},
        )


def tally_report(kind: str, day: datetime.date) -> tuple[Tally, bytes]:
    tally = build_tally(kind, day)
    return tally, to_bytes(tally_workbook(tally))
