"""Reading the tabular files people send us: .xlsx, or CSV in UTF-8 (with or without BOM) or Shift_JIS.

The facility list (施設一覧) and the hotels' claim files (実績報告) follow the same file rules
(DOMAIN.md), so both readers share this module: the content decides the format (not the file name),
whole-file problems are raised as `FileProblem` with a Japanese message, and cells come back as
Python values (Excel dates as dates) with the row number the user sees in Excel.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

logger = logging.getLogger(__name__)

MAX_XLSX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024

_XLS_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: Excel 97-2003, or a password-protected xlsx
# CP932 maps the single bytes 0xA0 and 0xFD-0xFF to these private-use characters; real Shift_JIS text
# never contains them, but a UTF-16 file (Excel's "Unicode text") decodes to them plus NUL characters.
_NOT_TEXT = re.compile("[\x00\uf8f0-\uf8f3]")
DATE_PATTERN = re.compile(r"^([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})$")
# Dates outside these years are typing mistakes, and would overflow date arithmetic near year 9999.
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2099, 12, 31)
# No count or yen amount in these files comes near this; it also keeps every value storable as bigint
# and away from int()'s digit limit (Python refuses to convert strings of more than 4,300 digits).
MAX_INT = 999_999_999_999_999
_DIGITS = re.compile(r"^[0-9]+$")


class FileProblem(Exception):
    """The file as a whole cannot be read; carries the row it is about (0 = the whole file)."""

    def __init__(self, message: str, row: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.row = row


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) first, as a valid Shift_JIS file is almost never valid UTF-8."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _NOT_TEXT.search(text):
            break
        return text
    raise FileProblem(_("文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。"))


def _csv_rows(data: bytes) -> Iterator[tuple[int, Sequence[Any]]]:
    reader = csv.reader(io.StringIO(decode_csv(data), newline=""))
    number = 0
    try:
        for number, values in enumerate(reader, start=1):
            yield number, values
    except csv.Error as exc:
        raise FileProblem(
            _('CSVファイルを読み込めません。引用符（"）の対応や区切り文字を確認してください。'), number + 1
        ) from exc


def _xlsx_rows(data: bytes, max_uncompressed: int) -> Iterator[tuple[int, Sequence[Any]]]:
    from openpyxl import load_workbook

    unreadable = _("Excelファイル（.xlsx）として読み込めません。ファイルが壊れていないか確認してください。")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem(unreadable) from exc
    if expanded > max_uncompressed:
        raise FileProblem(_("Excelファイルの内容が大きすぎます。不要なシートや書式を削除してください。"))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any malformed archive or XML: the user needs the same answer
        logger.info("unreadable xlsx: %s", exc)
        raise FileProblem(unreadable) from exc
    try:
        if not workbook.worksheets:
            raise FileProblem(unreadable)
        sheet: ReadOnlyWorksheet = workbook.worksheets[0]
        # Some programs write a wrong <dimension>; read what is really there.
        sheet.reset_dimensions()
        try:
            header = next(sheet.iter_rows(max_row=1, values_only=True), ())
            yield 1, header
            width = len(header)
            if width:
                yield from enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2)
        except FileProblem:
            raise
        except Exception as exc:  # a broken sheet part shows only while streaming it
            logger.info("broken xlsx sheet: %s", exc)
            raise FileProblem(unreadable) from exc
    finally:
        workbook.close()


def read_rows(
    data: bytes,
    filename: str = "",
    *,
    empty_message: str | None = None,
    max_uncompressed: int | None = None,
) -> Iterator[tuple[int, Sequence[Any]]]:
    """The file's rows as (row number, cell values). The content decides the format, not the name.

    A generator: problems with the whole file surface as `FileProblem` while iterating.
    """
    if not data.strip() or data.strip() == b"\xef\xbb\xbf":
        raise FileProblem(empty_message or _("ファイルが空です。見出し行とデータの行を入力してください。"))
    if data.startswith(b"PK"):
        yield from _xlsx_rows(data, max_uncompressed or MAX_XLSX_UNCOMPRESSED_BYTES)
    elif data.startswith(_XLS_SIGNATURE):
        raise FileProblem(
            _(
                "Excel 97-2003 形式（.xls）やパスワード付きのファイルは読み込めません。"
                "パスワードを外し、.xlsx 形式で保存してください。"
            )
        )
    elif filename.lower().endswith(".xlsx"):
        raise FileProblem(
            _("Excelファイル（.xlsx）として読み込めません。ファイルが壊れていないか確認してください。")
        )
    else:
        yield from _csv_rows(data)


def is_blank(values: Sequence[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a whole number typed in Excel (1001.0) reads as "1001".

    An integer too long for `str()` (Python refuses more than 4,300 digits) reads as Excel's own
    "#NUM!", which every column then rejects like any other error value.
    """
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value.bit_length() > _MAX_TEXT_BITS:
        return "#NUM!"
    return str(value).strip()


_MAX_TEXT_BITS = 14_000  # about 4,200 decimal digits


class CellError(ValueError):
    """A cell that cannot be read as the value its column needs; the message is for the user."""


def parse_date(value: Any) -> datetime.date | None:
    """An Excel date, or text `YYYY-MM-DD` / `YYYY/MM/DD` (full-width digits too); None when empty."""
    if isinstance(value, datetime.datetime):
        return _in_range(value.date())
    if isinstance(value, datetime.date):
        return _in_range(value)
    text = unicodedata.normalize("NFKC", cell_text(value)).strip()
    if not text:
        return None
    match = DATE_PATTERN.match(text)
    if not match:
        raise CellError(_("日付の形式が正しくありません（例: 2025-05-09）"))
    try:
        date = datetime.date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError as exc:
        raise CellError(_("存在しない日付です（%(value)s）") % {"value": text}) from exc
    return _in_range(date)


def _in_range(date: datetime.date) -> datetime.date:
    if not MIN_DATE <= date <= MAX_DATE:
        raise CellError(
            _("日付が範囲外です（%(value)s）。%(min)s年から%(max)s年までの日付を入力してください。")
            % {"value": date.isoformat(), "min": MIN_DATE.year, "max": MAX_DATE.year}
        )
    return date


_NUMBER_NOISE = re.compile(r"[,\s円]")


def parse_int(value: Any) -> int | None:
    """A whole number that may carry `,` and `円` (DOMAIN.md); None when empty. At most `MAX_INT`.

    Only the digits 0-9 (after full-width ones are folded) count: `str.isdigit()` also accepts
    characters such as "፩" or "²" that `int()` refuses or reads differently.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise CellError(_("数値を入力してください"))
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("整数を入力してください（%(value)s）") % {"value": value})
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        shown = quote_cell(value)
        text = _NUMBER_NOISE.sub("", unicodedata.normalize("NFKC", str(value)))
        if not text:
            return None
        negative = text.startswith("-")
        if not _DIGITS.match(text.removeprefix("-")):
            raise CellError(_("数値を入力してください（%(value)s）") % {"value": shown})
        if negative:
            raise CellError(_("0以上の数値を入力してください（%(value)s）") % {"value": shown})
        if len(text.lstrip("0")) > len(str(MAX_INT)):
            raise CellError(_("数値が大きすぎます（%(value)s）") % {"value": shown})
        number = int(text)
    if number < 0:
        raise CellError(_("0以上の数値を入力してください（%(value)s）") % {"value": quote_cell(number)})
    if number > MAX_INT:
        raise CellError(_("数値が大きすぎます（%(value)s）") % {"value": quote_cell(number)})
    return number


def quote_cell(value: Any, limit: int = 30) -> str:
    """A cell as quoted back in a message: a 100,000-character cell must not make a 100,000-character one."""
    text = str(value).strip() if not isinstance(value, int) or value.bit_length() < 1000 else "…"
    return text if len(text) <= limit else text[:limit] + "…"
