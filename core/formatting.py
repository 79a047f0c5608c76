"""How dates and money are written for people (DOMAIN.md: 2025年5月26日（月）, integer yen)."""

from __future__ import annotations

import datetime

from core.i18n import is_english

_WEEKDAYS_JA = "月火水木金土日"
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# 和暦: eras that can occur in the city's documents, newest first.
_ERAS = ((datetime.date(2019, 5, 1), "令和"), (datetime.date(1989, 1, 8), "平成"))


def format_date(value: datetime.date | datetime.datetime | None, *, weekday: bool = True) -> str:
    """`2025年5月26日（月）` in Japanese, `Mon 26 May 2025` in English."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if is_english():
        text = f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
        return f"{_WEEKDAYS_EN[value.weekday()]} {text}" if weekday else text
    text = f"{value.year}年{value.month}月{value.day}日"
    return f"{text}（{_WEEKDAYS_JA[value.weekday()]}）" if weekday else text


def format_wareki(value: datetime.date) -> str:
    """`令和7年5月26日` for documents addressed to the city."""
    for start, era in _ERAS:
        if value >= start:
            year = value.year - start.year + 1
            year_text = "元" if year == 1 else str(year)
            return f"{era}{year_text}年{value.month}月{value.day}日"
    return f"{value.year}年{value.month}月{value.day}日"


def format_yen(value: int | None) -> str:
    """`120,000,000円` / `¥120,000,000`; money is always integer yen."""
    if value is None:
        return ""
    amount = f"{int(value):,}"
    return f"¥{amount}" if is_english() else f"{amount}円"
