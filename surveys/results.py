"""集計: a survey's answers counted, as plain data for the dashboard, the Excel and the PDF report.

Everything is computed in one pass over the survey's responses, reading only their columns and the
`answers` JSON through a server-side cursor, so tens of thousands of responses cost one query and
flat memory. A question is its key: when a survey has several versions, a question is counted over
the responses whose version contains it (its *base*: "n of N responses were asked this question"),
and percentages are of that base. The wording is the newest version's.
"""

from __future__ import annotations

import datetime
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .models import Response, ResponseSource, Survey, SurveyVersion
from .questions import (
    CATEGORICAL_TYPES,
    FACILITY,
    FREE_TEXT,
    MULTIPLE_CHOICE,
    PREFECTURE,
    RATING,
    Choice,
    choices_for,
)
from .versions import schema_for, source_survey

COMMENT_LIMIT = 20
CHUNK = 2_000
# Types that can be a dimension of a cross-tabulation (a multiple choice counts each choice once).
CROSS_TYPES = CATEGORICAL_TYPES | {MULTIPLE_CHOICE}
# Long lists: options nobody chose are left out of tables instead of filling pages with zeros.
LONG_TYPES = {PREFECTURE, FACILITY}
LANGUAGE_LABELS = {"ja": pgettext_lazy("language", "日本語"), "en": pgettext_lazy("language", "英語")}


def percent(count: int, base: int) -> Decimal | None:
    """`count` as a percentage of `base`, one decimal, rounded half up; None without a base."""
    if not base:
        return None
    return (Decimal(count * 100) / Decimal(base)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Filters:
    """Which responses to count: one version (by number), a date range (JST days), one facility."""

    version: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    facility: str | None = None  # facility code of the response's link

    @property
    def any(self) -> bool:
        return any([self.version, self.start, self.end, self.facility])


@dataclass
class Option:
    key: str
    label: str
    count: int = 0
    percent: Decimal | None = None


@dataclass
class Comment:
    text: str
    submitted_at: datetime.datetime


@dataclass
class QuestionResult:
    number: int  # Q1, Q2… in the newest version's order
    question: dict[str, Any]  # schema entry, newest wording in the chosen language
    total: int  # N: all responses counted
    asked: int = 0  # base: responses whose version contains the question
    answered: int = 0
    options: list[Option] = field(default_factory=list)
    mean: Decimal | None = None  # rating only
    comments: list[Comment] = field(default_factory=list)  # free text only, newest first

    @property
    def key(self) -> str:
        return self.question["key"]

    @property
    def kind(self) -> str:
        return self.question["type"]

    @property
    def label(self) -> str:
        return self.question["label"]

    @property
    def unanswered(self) -> int:
        return self.asked - self.answered

    @property
    def unanswered_percent(self) -> Decimal | None:
        return percent(self.unanswered, self.asked)

    @property
    def answered_percent(self) -> Decimal | None:
        return percent(self.answered, self.asked)

    @property
    def is_partial(self) -> bool:
        """Only some responses were asked this question (it is not in every version counted)."""
        return self.asked != self.total

    @property
    def is_multiple(self) -> bool:
        return self.kind == MULTIPLE_CHOICE

    @property
    def is_free_text(self) -> bool:
        return self.kind == FREE_TEXT

    @property
    def is_categorical(self) -> bool:
        return self.kind in CROSS_TYPES

    @property
    def shown_options(self) -> list[Option]:
        """The options for tables and charts (long lists without the options nobody chose)."""
        if self.kind in LONG_TYPES:
            return [option for option in self.options if option.count]
        return self.options

    @property
    def top(self) -> Option | None:
        chosen = [option for option in self.options if option.count]
        return max(chosen, key=lambda option: option.count) if chosen else None


@dataclass
class DayCount:
    day: datetime.date
    count: int
    cumulative: int


@dataclass
class VersionCount:
    number: int
    count: int
    created_at: datetime.datetime
    question_count: int


@dataclass
class CrossTab:
    row_question: QuestionResult
    column_question: QuestionResult
    columns: list[Option]  # count = responses in that column
    rows: list[CrossRow]
    total: int  # responses that answered both

    @property
    def multiple(self) -> bool:
        return self.row_question.is_multiple or self.column_question.is_multiple

    @property
    def column_percents(self) -> list[Decimal | None]:
        return [percent(column.count, self.total) for column in self.columns]


@dataclass
class CrossRow:
    key: str
    label: str
    total: int
    cells: list[CrossCell]


@dataclass
class CrossCell:
    count: int
    percent: Decimal | None  # of the row's total

    @property
    def shade(self) -> int:
        """0–4: how dark the cell's background is (the number is always written in the cell)."""
        if not self.percent:
            return 0
        return min(4, 1 + int(self.percent) // 25)


@dataclass
class SurveyResults:
    survey: Survey
    filters: Filters
    language: str
    total: int
    versions: list[VersionCount]
    questions: list[QuestionResult]
    by_day: list[DayCount]
    by_source: list[Option]
    by_language: list[Option]
    first_at: datetime.datetime | None
    last_at: datetime.datetime | None
    crosstabs: list[CrossTab] = field(default_factory=list)

    @property
    def categorical(self) -> list[QuestionResult]:
        return [q for q in self.questions if q.is_categorical]

    def question(self, key: str) -> QuestionResult | None:
        return next((q for q in self.questions if q.key == key), None)


# --- reading ------------------------------------------------------------------------------------


def responses(survey: Survey, filters: Filters | None = None) -> QuerySet[Response]:
    """The survey's responses (always the Japanese source survey's) that `filters` select."""
    filters = filters or Filters()
    queryset = Response.objects.filter(survey=source_survey(survey))
    if filters.version:
        queryset = queryset.filter(version__number=filters.version)
    if filters.start:
        queryset = queryset.filter(submitted_at__gte=_start_of(filters.start))
    if filters.end:
        queryset = queryset.filter(submitted_at__lt=_start_of(filters.end + datetime.timedelta(days=1)))
    if filters.facility:
        queryset = queryset.filter(facility__code=filters.facility)
    return queryset


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def versions_of(survey: Survey) -> list[SurveyVersion]:
    return list(SurveyVersion.objects.filter(survey=source_survey(survey)).order_by("number"))


def merged_questions(survey: Survey, versions: list[SurveyVersion], language: str) -> list[dict[str, Any]]:
    """The union of the versions' questions: the newest version's in its order and wording, then the
    questions only older versions had (newest first). Choices only older versions had are appended."""
    questions: dict[str, dict[str, Any]] = {}
    for version in sorted(versions, key=lambda v: v.number, reverse=True):
        for question in schema_for(survey, version, language)["questions"]:
            known = questions.get(question["key"])
            if known is None:
                questions[question["key"]] = {**question, "choices": list(question.get("choices", []))}
                continue
            have = {choice["key"] for choice in known["choices"]}
            known["choices"] += [c for c in question.get("choices", []) if c["key"] not in have]
    for question in questions.values():
        if not question["choices"]:
            del question["choices"]
    return list(questions.values())


class _Question:
    """Counting of one question during the pass."""

    def __init__(self, result: QuestionResult, choices: list[Choice], comment_limit: int) -> None:
        self.result = result
        self.choices = choices
        self.counts: Counter[str] = Counter()
        self.ratings_sum = 0
        self.comments: deque[tuple[str, datetime.datetime]] = deque(maxlen=comment_limit)

    def add(self, value: Any, submitted_at: datetime.datetime) -> None:
        if value in (None, "", []):
            return
        kind = self.result.kind
        if kind == FREE_TEXT:
            text = str(value).strip()
            if not text:
                return
            if self.comments.maxlen:
                self.comments.append((text, submitted_at))
        elif kind == MULTIPLE_CHOICE:
            if not isinstance(value, list):
                value = [value]
            self.counts.update({str(key) for key in value})
        else:
            self.counts[str(value)] += 1
            if kind == RATING:
                try:
                    self.ratings_sum += int(value)
                except (TypeError, ValueError):
                    pass
        self.result.answered += 1

    def finish(self) -> QuestionResult:
        result = self.result
        base = result.asked
        if result.kind != FREE_TEXT:
            known = {choice.key for choice in self.choices}
            result.options = [
                Option(c.key, c.label, self.counts[c.key], percent(self.counts[c.key], base))
                for c in self.choices
            ]
            result.options += [
                Option(key, key, count, percent(count, base))
                for key, count in sorted(self.counts.items())
                if key not in known
            ]
        if result.kind == RATING and result.answered:
            result.mean = (Decimal(self.ratings_sum) / Decimal(result.answered)).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP
            )
        if result.kind == RATING:
            ends = {"1": result.question.get("low_label"), "5": result.question.get("high_label")}
            for option in result.options:
                if ends.get(option.key):
                    option.label = f"{option.key}（{ends[option.key]}）"
        result.comments = [Comment(text, at) for text, at in reversed(self.comments)]
        return result


class _Cross:
    """Counting of one cross-tabulation during the pass: only responses that answered both."""

    def __init__(self, row: _Question, column: _Question) -> None:
        self.row, self.column = row, column
        self.row_key, self.column_key = row.result.key, column.result.key
        self.cells: Counter[tuple[str, str]] = Counter()
        self.row_totals: Counter[str] = Counter()
        self.column_totals: Counter[str] = Counter()
        self.total = 0

    def add(self, keys: dict[str, list[str]]) -> None:
        """Count one response, given the chosen option keys of its answers (`_keys`)."""
        row_keys = keys.get(self.row_key)
        if not row_keys:
            return
        column_keys = keys.get(self.column_key)
        if not column_keys:
            return
        self.total += 1
        for row in row_keys:
            self.row_totals[row] += 1
            for column in column_keys:
                self.cells[(row, column)] += 1
        for column in column_keys:
            self.column_totals[column] += 1

    def finish(self, max_rows: int | None = None, max_columns: int | None = None) -> CrossTab:
        row_groups = _groups(self.row, self.row_totals, max_rows)
        column_groups = _groups(self.column, self.column_totals, max_columns)
        # A group's total is the sum of its options' totals: for a multiple choice, a response counts
        # once per option it chose, like its cells do.
        columns = [
            Option(key, label, sum(self.column_totals[k] for k in keys)) for key, label, keys in column_groups
        ]
        rows = []
        for key, label, keys in row_groups:
            total = sum(self.row_totals[k] for k in keys)
            cells = []
            for _column_key, _column_label, column_keys in column_groups:
                count = sum(self.cells[(r, c)] for r in keys for c in column_keys)
                cells.append(CrossCell(count, percent(count, total)))
            rows.append(CrossRow(key, label, total, cells))
        return CrossTab(self.row.result, self.column.result, columns, rows, self.total)


def _keys(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, list):
        return list(dict.fromkeys(str(key) for key in value))
    return [str(value)]


def _groups(question: _Question, totals: Counter[str], limit: int | None) -> list[tuple[str, str, list[str]]]:
    """(key, label, option keys) of a dimension: every option in order, or, when there are more than
    `limit`, the `limit` largest in order of size and the rest together as その他."""
    labels = {choice.key: choice.label for choice in question.choices}
    keys = [choice.key for choice in question.choices]
    keys += sorted(key for key in totals if key not in labels)
    if question.result.kind in LONG_TYPES or limit:
        keys = [key for key in keys if totals[key]]
    if limit and len(keys) > limit + 1:
        ranked = sorted(keys, key=lambda key: (-totals[key], keys.index(key)))
        head, rest = ranked[:limit], ranked[limit:]
        return [(key, labels.get(key, key), [key]) for key in head] + [("__other__", _("その他"), rest)]
    return [(key, labels.get(key, key), [key]) for key in keys]


# --- the pass -------------------------------------------------------------------------------------


def survey_results(
    survey: Survey,
    filters: Filters | None = None,
    *,
    language: str = "ja",
    comment_limit: int = COMMENT_LIMIT,
    crosstabs: Iterable[tuple[str, str, int | None, int | None]] = (),
) -> SurveyResults:
    """Every figure of the dashboard and the report in one pass over the responses.

    `crosstabs`: (row question key, column question key, max rows, max columns) to count in the same
    pass (unknown or non-categorical keys are skipped).
    """
    filters = filters or Filters()
    survey = source_survey(survey)
    all_versions = versions_of(survey)
    counted_versions = [v for v in all_versions if not filters.version or v.number == filters.version]
    queryset = responses(survey, filters)
    per_version = dict(queryset.order_by().values_list("version_id").annotate(n=Count("pk")))
    total = sum(per_version.values())
    schema_questions = merged_questions(survey, counted_versions, language)
    counters: dict[str, _Question] = {}
    for number, question in enumerate(schema_questions, start=1):
        result = QuestionResult(number=number, question=question, total=total)
        counters[question["key"]] = _Question(
            result, choices_for(question, survey.campaign, language), comment_limit
        )
    version_keys = {v.pk: {q["key"] for q in v.schema["questions"]} for v in counted_versions}
    for version_id, keys in version_keys.items():
        for key in keys:
            counters[key].result.asked += per_version.get(version_id, 0)
    crosses = [
        (_Cross(counters[row], counters[column]), max_rows, max_columns)
        for row, column, max_rows, max_columns in crosstabs
        if row in counters and column in counters and row != column and _crossable(counters, row, column)
    ]
    crossed = {key for cross, _rows, _columns in crosses for key in (cross.row_key, cross.column_key)}

    days: Counter[datetime.date] = Counter()
    sources: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    first_at = last_at = None
    rows = queryset.order_by("submitted_at", "pk").values_list(
        "version_id", "submitted_at", "source", "language", "answers"
    )
    for version_id, submitted_at, source, answer_language, answers in rows.iterator(chunk_size=CHUNK):
        first_at = first_at or submitted_at
        last_at = submitted_at
        days[timezone.localtime(submitted_at).date()] += 1
        sources[source] += 1
        languages[answer_language] += 1
        if not answers:
            continue
        asked = version_keys.get(version_id, ())
        for key, value in answers.items():
            if key in asked:
                counters[key].add(value, submitted_at)
        if crosses:
            keys = {key: _keys(answers.get(key)) for key in crossed}
            for cross, _rows, _columns in crosses:
                cross.add(keys)

    return SurveyResults(
        survey=survey,
        filters=filters,
        language=language,
        total=total,
        versions=_version_counts(all_versions, survey),
        questions=[counter.finish() for counter in counters.values()],
        by_day=_series(days),
        by_source=_labelled(sources, dict(ResponseSource.choices), total),
        by_language=_labelled(languages, LANGUAGE_LABELS, total),
        first_at=first_at,
        last_at=last_at,
        crosstabs=[cross.finish(max_rows, max_columns) for cross, max_rows, max_columns in crosses],
    )


def _crossable(counters: dict[str, _Question], *keys: str) -> bool:
    return all(counters[key].result.kind in CROSS_TYPES for key in keys)


def _version_counts(versions: list[SurveyVersion], survey: Survey) -> list[VersionCount]:
    counts = dict(
        Response.objects.filter(survey=survey).order_by().values_list("version_id").annotate(n=Count("pk"))
    )
    return [
        VersionCount(v.number, counts.get(v.pk, 0), v.created_at, len(v.schema.get("questions", [])))
        for v in versions
    ]


def _series(days: Counter[datetime.date]) -> list[DayCount]:
    """One entry per day from the first answer's day to the last one's, days without answers too."""
    if not days:
        return []
    day, last = min(days), max(days)
    series, cumulative = [], 0
    while day <= last:
        cumulative += days[day]
        series.append(DayCount(day, days[day], cumulative))
        day += datetime.timedelta(days=1)
    return series


def _labelled(counts: Counter[str], labels: dict[str, Any], total: int) -> list[Option]:
    keys = [key for key in labels if counts[key]] + sorted(key for key in counts if key not in labels)
    return [Option(key, str(labels.get(key, key)), counts[key], percent(counts[key], total)) for key in keys]


def cross_tabulate(
    survey: Survey,
    row_key: str,
    column_key: str,
    filters: Filters | None = None,
    *,
    language: str = "ja",
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> CrossTab | None:
    """One cross-tabulation, reading only the two answers of each response; None when either key is
    not a categorical question of the counted versions."""
    filters = filters or Filters()
    survey = source_survey(survey)
    versions = [v for v in versions_of(survey) if not filters.version or v.number == filters.version]
    questions = {q["key"]: q for q in merged_questions(survey, versions, language)}
    if row_key == column_key or row_key not in questions or column_key not in questions:
        return None
    counters = {
        key: _Question(
            QuestionResult(number=list(questions).index(key) + 1, question=questions[key], total=0),
            choices_for(questions[key], survey.campaign, language),
            0,
        )
        for key in (row_key, column_key)
    }
    if not _crossable(counters, row_key, column_key):
        return None
    cross = _Cross(counters[row_key], counters[column_key])
    pairs = (
        responses(survey, filters)
        .order_by()
        .annotate(row=KeyTransform(row_key, "answers"), column=KeyTransform(column_key, "answers"))
        .filter(row__isnull=False, column__isnull=False)
        .values_list("row", "column")
    )
    for row_value, column_value in pairs.iterator(chunk_size=CHUNK):
        cross.add({row_key: _keys(row_value), column_key: _keys(column_value)})
    return cross.finish(max_rows, max_columns)


def iter_answer_rows(survey: Survey, filters: Filters | None = None) -> Iterator[tuple]:
    """(id, submitted_at, version number, language, source, facility code, facility name, answers) of
    each response, oldest first, through a server-side cursor: the Excel's rows."""
    rows = (
        responses(survey, filters)
        .order_by("submitted_at", "pk")
        .values_list(
            "pk",
            "submitted_at",
            "version__number",
            "language",
            "source",
            "facility__code",
            "facility__name",
            "answers",
        )
    )
    return rows.iterator(chunk_size=CHUNK)
