"""A survey's questions as plain data: the frozen schema of a `SurveyVersion`.

The builder edits a StreamField (`surveys.blocks`); answers, reports and the public form read this
schema instead, so that what a question meant when it was answered never changes under its answers.

Schema (JSON):
    {"pages": [{"title": str}, ...],
     "questions": [{"key", "type", "label", "help_text", "required", "page",
                    "choices": [{"key", "label"}],        # single_choice / multiple_choice only
                    "low_label", "high_label",            # rating only
                    "multiline"}]}                        # free_text only

Answer values (a response's `answers` maps question key to one of these):
    single_choice, prefecture, age_group, facility, stay_month -> the choice key (str)
    multiple_choice -> list of choice keys;  rating -> int 1..5;  free_text -> str
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.prefectures import PREFECTURES

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
RATING = "rating"
FREE_TEXT = "free_text"
PREFECTURE = "prefecture"
AGE_GROUP = "age_group"
FACILITY = "facility"
STAY_MONTH = "stay_month"
PAGE_BREAK = "page_break"

QUESTION_TYPES = [
    SINGLE_CHOICE,
    MULTIPLE_CHOICE,
    RATING,
    FREE_TEXT,
    PREFECTURE,
    AGE_GROUP,
    FACILITY,
    STAY_MONTH,
]
# Types whose answer is one key from a list: they can be counted and cross-tabulated.
CATEGORICAL_TYPES = {SINGLE_CHOICE, PREFECTURE, AGE_GROUP, FACILITY, STAY_MONTH, RATING}

RATING_SCALE = [1, 2, 3, 4, 5]
FREE_TEXT_MAX_LENGTH = 2000

OVERSEAS = "99"  # residence outside Japan, after the 47 prefectures
AGE_GROUPS: list[tuple[str, Any]] = [
    ("u19", _("19歳以下")),
    ("20s", _("20代")),
    ("30s", _("30代")),
    ("40s", _("40代")),
    ("50s", _("50代")),
    ("60s", _("60代")),
    ("70plus", _("70歳以上")),
]


@dataclass(frozen=True)
class Choice:
    key: str
    label: str


def schema_from_stream(stream: Iterable[Any]) -> dict[str, Any]:
    """The schema of a `SurveyQuestionsBlock` value (a StreamValue)."""
    pages: list[dict[str, str]] = [{"title": ""}]
    questions: list[dict[str, Any]] = []
    for child in stream:
        value = child.value
        if child.block_type == PAGE_BREAK:
            if questions and questions[-1]["page"] == len(pages) - 1:
                pages.append({"title": value.get("title") or ""})
            else:  # a break before any question on the page only renames it
                pages[-1] = {"title": value.get("title") or ""}
            continue
        question: dict[str, Any] = {
            "key": str(child.id),
            "type": child.block_type,
            "label": value["label"],
            "help_text": value.get("help_text") or "",
            "required": bool(value.get("required")),
            "page": len(pages) - 1,
        }
        if child.block_type in (SINGLE_CHOICE, MULTIPLE_CHOICE):
            question["choices"] = [
                {"key": str(item.id), "label": item.value} for item in value["choices"].bound_blocks
            ]
        elif child.block_type == RATING:
            question["low_label"] = value.get("low_label") or ""
            question["high_label"] = value.get("high_label") or ""
        elif child.block_type == FREE_TEXT:
            question["multiline"] = bool(value.get("multiline"))
        questions.append(question)
    if len(pages) > 1 and not any(q["page"] == len(pages) - 1 for q in questions):
        pages.pop()  # a trailing break opens no page
    return {"pages": pages, "questions": questions}


def structure(schema: dict[str, Any]) -> list[list[Any]]:
    """What a question means, without its wording: the parts that answers depend on.

    Order, page breaks and wording are left out on purpose: they may change while answers exist.
    """
    return sorted(
        [q["key"], q["type"], q["required"], sorted(c["key"] for c in q.get("choices", []))]
        for q in schema.get("questions", [])
    )


def structure_hash(schema: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(structure(schema), ensure_ascii=False).encode()).hexdigest()


def localize(schema: dict[str, Any], translated_stream: Iterable[Any] | None) -> dict[str, Any]:
    """The schema with the wording of a translation (same keys), falling back to the original.

    A translation that is out of date never changes the structure: only labels whose keys still
    exist are taken over.
    """
    if translated_stream is None:
        return schema
    translated = schema_from_stream(translated_stream)
    by_key = {q["key"]: q for q in translated["questions"]}
    questions = []
    for question in schema["questions"]:
        other = by_key.get(question["key"])
        if other is None:
            questions.append(question)
            continue
        merged = dict(question)
        for field in ("label", "help_text", "low_label", "high_label"):
            if other.get(field):
                merged[field] = other[field]
        if "choices" in question:
            labels = {c["key"]: c["label"] for c in other.get("choices", [])}
            merged["choices"] = [
                {"key": c["key"], "label": labels.get(c["key"]) or c["label"]} for c in question["choices"]
            ]
        questions.append(merged)
    pages = [dict(page) for page in schema["pages"]]
    if len(translated["pages"]) == len(pages):
        for page, other_page in zip(pages, translated["pages"], strict=True):
            page["title"] = other_page["title"] or page["title"]
    return {"pages": pages, "questions": questions}


def stay_months(start: datetime.date, end: datetime.date) -> list[str]:
    """Month keys ("2025-10") from the month of `start` to the month of `end`."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def month_label(key: str, language: str) -> str:
    year, month = (int(part) for part in key.split("-"))
    if language == "en":
        return datetime.date(year, month, 1).strftime("%B %Y")
    return f"{year}年{month}月"


def choices_for(question: dict[str, Any], campaign: Any, language: str = "ja") -> list[Choice]:
    """The answer options of a question, in display order, labelled in `language`.

    Prefectures, age groups, months and facilities come from code and the campaign, not from the
    schema: the 47 prefectures never change, and the list of facilities grows during a campaign.
    """
    kind = question["type"]
    if kind in (SINGLE_CHOICE, MULTIPLE_CHOICE):
        return [Choice(c["key"], c["label"]) for c in question["choices"]]
    if kind == RATING:
        return [Choice(str(value), str(value)) for value in RATING_SCALE]
    if kind == PREFECTURE:
        english = language == "en"
        options = [Choice(code, en if english else ja) for code, ja, en in PREFECTURES]
        return [*options, Choice(OVERSEAS, str(pgettext_lazy("residence", "海外")))]
    if kind == AGE_GROUP:
        return [Choice(key, str(label)) for key, label in AGE_GROUPS]
    if kind == STAY_MONTH:
        return [
            Choice(key, month_label(key, language))
            for key in stay_months(campaign.stay_start, campaign.stay_end)
        ]
    if kind == FACILITY:
        from facilities.models import Facility

        facilities = (
            Facility.objects.filter(participations__campaign=campaign, is_published=True)
            .order_by("kana", "name")
            .values_list("code", "name")
            .distinct()
        )
        return [Choice(code, name) for code, name in facilities]
    return []


def answer_label(question: dict[str, Any], value: Any, choices: list[Choice]) -> str:
    """An answer as text for exports and reports."""
    if value in (None, "", []):
        return ""
    labels = {choice.key: choice.label for choice in choices}
    if question["type"] == MULTIPLE_CHOICE:
        return "、".join(labels.get(key, key) for key in value)
    if question["type"] == FREE_TEXT:
        return str(value)
    return labels.get(str(value), str(value))
