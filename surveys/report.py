"""集計・分析報告書: the survey's results as a PDF for the city (WeasyPrint, HTML and CSS → PDF).

The report is a Django template (`surveys/report/report.html`) filled from one pass of
`surveys.results.survey_results`, charts included as inline SVG that WeasyPrint draws itself. Text is
set in Noto Sans CJK JP, which WeasyPrint embeds (subsetted) so the PDF prints and reads the same on
any machine; without the font Japanese would come out as boxes, so it is checked first (the font
check and WeasyPrint are shared with the other PDFs in `core.pdf`).
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.pdf import FONT_FAMILY, PdfError, fonts_installed, html_to_pdf, missing_font_message

from . import charts
from .models import Survey
from .questions import AGE_GROUP, PREFECTURE
from .results import (
    CROSS_TYPES,
    LONG_TYPES,
    Option,
    QuestionResult,
    SurveyResults,
    merged_questions,
    percent,
    survey_results,
    versions_of,
)
from .versions import source_survey

COMMENTS_PER_QUESTION = 20
CHART_OPTIONS = 15  # bars of a long list (prefectures, facilities); the table lists them all
PREFECTURE_ROWS = 10  # cross-tabs by prefecture: the largest ten, then その他
CROSS_COLUMNS = 7  # columns of a cross-tab before the rest becomes その他


class ReportError(PdfError):
    """The report cannot be made (the message says why and what to do)."""


def check_fonts() -> None:
    # Looked up here (not core.pdf.check_fonts) so the report's own error type is raised.
    if not fonts_installed():
        raise ReportError(missing_font_message())


def report_filename(survey: Survey, today: datetime.date | None = None) -> str:
    today = today or timezone.localdate()
    return f"survey_{survey.slug}_report_{today:%Y%m%d}.pdf"


def cross_dimensions(questions: list[dict[str, Any]]) -> list[tuple[dict[str, Any], int | None]]:
    """The questions the report breaks every other one down by, 居住都道府県 and 年代, with the
    number of rows their tables keep (prefectures: the largest ten, then その他)."""
    dimensions = []
    for kind, rows in ((PREFECTURE, PREFECTURE_ROWS), (AGE_GROUP, None)):
        question = next((q for q in questions if q["type"] == kind), None)
        if question is not None:
            dimensions.append((question, rows))
    return dimensions


def chart_options(question: QuestionResult, limit: int = CHART_OPTIONS) -> list[Option]:
    """The bars of a question's chart: a long list keeps its `limit` largest, the rest as その他."""
    options = question.shown_options
    if question.kind not in LONG_TYPES or len(options) <= limit + 1:
        return options
    ranked = sorted(options, key=lambda option: -option.count)
    rest = sum(option.count for option in ranked[limit:])
    return [*ranked[:limit], Option("__other__", _("その他"), rest, percent(rest, question.asked))]


def collect(survey: Survey, language: str = "ja") -> SurveyResults:
    """The results with the report's cross-tabs, all in one pass over the responses."""
    survey = source_survey(survey)
    questions = merged_questions(survey, versions_of(survey), language)
    pairs = [
        (dimension["key"], other["key"], rows, CROSS_COLUMNS)
        for dimension, rows in cross_dimensions(questions)
        for other in questions
        if other["key"] != dimension["key"] and other["type"] in CROSS_TYPES
    ]
    return survey_results(survey, language=language, comment_limit=COMMENTS_PER_QUESTION, crosstabs=pairs)


def report_context(
    survey: Survey, language: str = "ja", results: SurveyResults | None = None
) -> dict[str, Any]:
    survey = source_survey(survey)
    results = results or collect(survey, language)
    questions = [
        {
            "result": question,
            "chart": None if question.is_free_text else charts.option_chart(chart_options(question)),
        }
        for question in results.questions
    ]
    crosstabs_by_dimension: dict[str, dict[str, Any]] = {}
    for table in results.crosstabs:
        group = crosstabs_by_dimension.setdefault(
            table.row_question.key, {"dimension": table.row_question, "tables": []}
        )
        group["tables"].append(table)
    return {
        "survey": survey,
        "campaign": survey.campaign,
        "results": results,
        "questions": questions,
        "crosstabs": list(crosstabs_by_dimension.values()),
        "day_chart": charts.day_chart(results.by_day, cumulative=True),
        "today": timezone.localdate(),
        "language": language,
        "font_family": FONT_FAMILY,
        "several_versions": len(results.versions) > 1,
    }


def render_html(survey: Survey, language: str = "ja", results: SurveyResults | None = None) -> str:
    with translation.override(language):
        return render_to_string("surveys/report/report.html", report_context(survey, language, results))


def build_report(survey: Survey, language: str = "ja", results: SurveyResults | None = None) -> bytes:
    """The report as PDF bytes; ReportError when the Japanese font is missing."""
    check_fonts()
    html = render_html(survey, language, results)
    return html_to_pdf(html, base_url=str(Path(__file__).parent))
