"""Excel deliverables for the city: one table per sheet, written the same way everywhere.

Every workbook the contract names (参加事業者データ, monthly payment report, 完成データ, 事業終了報告…)
is a titled table with Japanese headers, real dates and yen as numbers, an autofilter, a frozen
header row and widths that fit Japanese text. `write_table` does that once, so every deliverable looks
and behaves alike when the city filters or prints it.

Text never becomes a formula (formula injection): openpyxl turns any string that starts with `=` into
a formula when it is assigned, so every text cell is written as a string (`data_type = "s"`), and one
that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) also gets Excel's quote prefix — the same as
typing a leading `'` in Excel, so it stays text even after someone edits the cell. The value itself is
kept exactly as typed. Write-only workbooks use `write_only_value` for the same.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core.security import starts_like_formula

DATE_FORMAT = "yyyy/mm/dd"
DATETIME_FORMAT = "yyyy/mm/dd hh:mm"
MONTH_FORMAT = "yyyy/mm"
YEN_FORMAT = '#,##0"円"'
INT_FORMAT = "#,##0"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


@dataclass(frozen=True)
class Column:
    """A column: its Japanese header, how to read the value from a row, and its kind.

    kind: "text", "code" (text that must stay text, e.g. 0-leading codes), "date", "datetime",
    "month" (a date shown as its month, so Excel still sorts and filters it), "int", "yen".
    """

    header: str
    value: Callable[[Any], Any]
    kind: str = "text"


def display_width(value: Any) -> int:
    """Roughly how many Excel character widths a value needs (full-width characters count two)."""
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return 16
    if isinstance(value, datetime.date):
        return 10
    text = str(value)
    longest_line = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest_line)


def write_table(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Iterable[Any],
    *,
    title: str,
    subtitle: str = "",
    freeze_columns: int = 0,
    totals: dict[int, Any] | None = None,
) -> int:
    """Write title (row 1), subtitle (row 2), header (row 4) and the rows; returns the row count.

    `totals` maps a column index (0-based) to a value for a bold 合計 row under the table.
    """
    header_row = 4
    as_text(sheet.cell(row=1, column=1, value=str(title))).font = Font(bold=True, size=14)
    if subtitle:
        as_text(sheet.cell(row=2, column=1, value=str(subtitle)))
    widths = []
    for index, column in enumerate(columns, start=1):
        cell = as_text(sheet.cell(row=header_row, column=index, value=str(column.header)))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        widths.append(display_width(column.header))

    count = 0
    for count, row in enumerate(rows, start=1):
        for col_index, column in enumerate(columns, start=1):
            value = column.value(row)
            if value in ("", None):
                continue
            cell = sheet.cell(row=header_row + count, column=col_index, value=value)
            _format(cell, column.kind)
            widths[col_index - 1] = max(widths[col_index - 1], display_width(value))

    last_row = header_row + count
    if totals:
        total_row = last_row + 1
        sheet.cell(row=total_row, column=1, value="合計").font = Font(bold=True)
        for index, value in totals.items():
            cell = sheet.cell(row=total_row, column=index + 1, value=value)
            cell.font = Font(bold=True)
            _format(cell, columns[index].kind)

    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{max(last_row, header_row)}"
    sheet.freeze_panes = f"{get_column_letter(freeze_columns + 1)}{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    return count


def as_text(cell: Any) -> Any:
    """Keep a cell's text as text: a string cell, quote-prefixed when it starts like a formula."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if starts_like_formula(cell.value):
            cell.quotePrefix = True
    return cell


def write_only_value(sheet: Any, value: Any, number_format: str = "") -> Any:
    """A value for `sheet.append` in a write-only workbook: text as a string cell that can never
    become a formula, everything else as it is (or as a cell with `number_format`)."""
    if starts_like_formula(value):
        cell = as_text(WriteOnlyCell(sheet, value=value))
        if number_format:
            cell.number_format = number_format
        return cell
    # Other text is written as a string as it is (only "=" makes openpyxl write a formula); plain
    # values keep big write-only sheets fast.
    if number_format and value not in (None, ""):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format
        return cell
    return value


def _format(cell, kind: str) -> None:
    if isinstance(cell.value, str):
        # Values people typed (or a number column given text): always text, never a formula.
        as_text(cell)
    if kind == "date":
        cell.number_format = DATE_FORMAT
    elif kind == "datetime":
        cell.number_format = DATETIME_FORMAT
    elif kind == "month":
        cell.number_format = MONTH_FORMAT
    elif kind == "yen":
        cell.number_format = YEN_FORMAT
    elif kind == "int":
        cell.number_format = INT_FORMAT
    else:
        cell.data_type = "s"  # a text column stays text whatever the value
        if kind == "code":
            cell.number_format = "@"


def new_workbook(title: str) -> Workbook:
    workbook = Workbook()
    workbook.properties.title = title
    workbook.properties.creator = str(settings.WAGTAIL_SITE_NAME)
    return workbook


def to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
