"""回答データ (Excel): every response as one row, answers as labels, for the city's own analysis.

A `Response` holds no personal data and lottery entries are never read here, so the workbook can be
shared like the dashboard. Rows are streamed (openpyxl write-only mode, a server-side cursor), so
tens of thousands of responses keep memory flat. Columns follow `core.excel.Column`: one per
question of the chosen version(s) (their union, newest wording), and optionally one 0/1 column per
choice of a multiple choice question.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.excel import (
    DATETIME_FORMAT,
    HEADER_FILL,
    MAX_WIDTH,
    MIN_WIDTH,
    Column,
    as_text,
    display_width,
    write_only_value,
)

from .blocks import SurveyQuestionsBlock
from .models import ResponseSource, Survey
from .questions import FREE_TEXT, MULTIPLE_CHOICE, RATING, answer_label, choices_for
from .results import LANGUAGE_LABELS, Filters, iter_answer_rows, merged_questions, responses, versions_of
from .versions import source_survey

QUESTION_WIDTH, DATETIME_WIDTH = 30, 18
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROGRESS_EVERY = 1000  # rows between two progress reports
# (id, submitted_at, version, language, source, facility code, facility name, answers)
Row = tuple[int, datetime.datetime, int, str, str, str | None, str | None, dict[str, Any]]


def answers_filename(survey: Survey, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"survey_{survey.slug}_answers_{today:%Y%m%d}.xlsx"


def type_label(kind: str) -> str:
    block = SurveyQuestionsBlock().child_blocks.get(kind)
    return str(block.meta.label) if block is not None else kind


def _question_column(question: dict[str, Any], header: str, choices) -> Column:
    key = question["key"]
    if question["type"] == RATING:
        return Column(header, lambda row: _int_or_text(row[7].get(key)), "int")
    labels: dict[Any, str] = {}  # answers repeat: each distinct choice value is labelled once

    def label(row: Row) -> str:
        value = row[7].get(key)
        if question["type"] == FREE_TEXT or not isinstance(value, str | int | list):
            return answer_label(question, value, choices)
        memo = tuple(map(str, value)) if isinstance(value, list) else value
        if memo not in labels:
            labels[memo] = answer_label(question, value, choices)
        return labels[memo]

    return Column(header, label)


def _int_or_text(value: Any) -> Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _flag(key: str, choice_key: str) -> Callable[[Row], Any]:
    def value(row: Row) -> Any:
        chosen = row[7].get(key)
        if not isinstance(chosen, list):
            return None  # not answered, or not asked in this response's version: empty, not 0
        return 1 if choice_key in chosen else 0

    return value


def answer_columns(
    survey: Survey, filters: Filters, *, language: str = "ja", choice_flags: bool = False
) -> tuple[list[Column], list[tuple[str, dict[str, Any]]]]:
    """The columns of the answers sheet, and (header, question) of each question for the 質問 sheet."""
    sources = dict(ResponseSource.choices)
    columns = [
        Column(_("回答ID"), lambda row: row[0], "int"),
        Column(_("回答日時"), lambda row: timezone.localtime(row[1]).replace(tzinfo=None), "datetime"),
        Column(_("版"), lambda row: row[2], "int"),
        Column(_("回答言語"), lambda row: str(LANGUAGE_LABELS.get(row[3], row[3]))),
        Column(_("回答経路"), lambda row: str(sources.get(row[4], row[4]))),
        Column(_("施設コード"), lambda row: row[5], "code"),
        Column(_("施設名"), lambda row: row[6]),
    ]
    versions = [v for v in versions_of(survey) if not filters.version or v.number == filters.version]
    listed = []
    for number, question in enumerate(merged_questions(survey, versions, language), start=1):
        choices = choices_for(question, survey.campaign, language)
        header = f"Q{number} {question['label']}"
        columns.append(_question_column(question, header, choices))
        listed.append((header, question))
        if choice_flags and question["type"] == MULTIPLE_CHOICE:
            for choice in choices:
                columns.append(
                    Column(f"Q{number}：{choice.label}", _flag(question["key"], choice.key), "int")
                )
    return columns, listed


def write_answers(
    survey: Survey,
    fileobj: IO[bytes],
    filters: Filters | None = None,
    *,
    language: str = "ja",
    choice_flags: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the workbook (sheets 回答 and 質問) to `fileobj`; returns the number of responses.
    `progress(done, total)` is told every `PROGRESS_EVERY` rows (a download job's progress bar)."""
    survey = source_survey(survey)
    filters = filters or Filters()
    columns, listed = answer_columns(survey, filters, language=language, choice_flags=choice_flags)
    workbook = Workbook(write_only=True)
    workbook.properties.title = _("%(title)s 回答データ") % {"title": survey.title}
    workbook.properties.creator = str(settings.WAGTAIL_SITE_NAME)

    sheet = workbook.create_sheet(_("回答"))
    widths = [
        DATETIME_WIDTH if c.kind == "datetime" else min(display_width(c.header) + 2, QUESTION_WIDTH)
        for c in columns
    ]
    _header(sheet, [column.header for column in columns], widths)
    count = 0
    total = responses(survey, filters).count() if progress else 0
    for row in iter_answer_rows(survey, filters):
        sheet.append([_cell(sheet, column.value(row), column.kind) for column in columns])
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count, total)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"

    versions = versions_of(survey)
    questions_sheet = workbook.create_sheet(_("質問"))
    _header(questions_sheet, [_("列"), _("質問"), _("種類"), _("質問した版")], widths=[40, 60, 14, 14])
    for header, question in listed:
        asked = "、".join(
            str(v.number) for v in versions if any(q["key"] == question["key"] for q in v.schema["questions"])
        )
        questions_sheet.append(
            [
                write_only_value(questions_sheet, header),
                write_only_value(questions_sheet, question["label"]),
                type_label(question["type"]),
                asked,
            ]
        )
    workbook.save(fileobj)
    return count


def _header(sheet, headers: list[str], widths: list[int] | None = None) -> None:
    """Bold header row, frozen, with widths for Japanese text (write-only sheets: set before rows)."""
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        width = widths[index - 1] if widths else display_width(header) + 2
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, MIN_WIDTH + 4), MAX_WIDTH)
    cells = []
    for header in headers:
        cell = as_text(WriteOnlyCell(sheet, value=str(header)))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        cells.append(cell)
    sheet.append(cells)


def _cell(sheet, value: Any, kind: str) -> Any:
    if value in ("", None):
        return None
    if kind == "datetime":
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    return write_only_value(sheet, value)  # what a traveller typed stays text, never a formula
