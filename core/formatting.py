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


def _local(value: datetime.date | datetime.datetime) -> datetime.date | datetime.datetime:
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def _wareki_year(value: datetime.date) -> str:
    """`令和7年` (`令和元年` for its first year); a date before 平成 keeps its 西暦 year."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    for start, era in _ERAS:
        if day >= start:
            year = day.year - start.year + 1
            return f"{era}{'元' if year == 1 else year}年"
    return f"{day.year}年"


def format_wareki(value: datetime.date | datetime.datetime, *, weekday: bool = False) -> str:
    """`令和7年5月26日` (`令和7年5月26日（月）` with `weekday`) for documents addressed to the city
    (a moment: its day in Tokyo)."""
    value = _local(value)
    text = f"{_wareki_year(value)}{value.month}月{value.day}日"
    return f"{text}（{_WEEKDAYS_JA[value.weekday()]}）" if weekday else text


def format_wareki_month(value: datetime.date) -> str:
    """`令和8年11月` for a month (any day of it): the city's reports are titled by month."""
    value = _local(value)
    first = datetime.date(value.year, value.month, 1)
    return f"{_wareki_year(first)}{first.month}月"


def format_wareki_datetime(value: datetime.datetime) -> str:
    """`令和8年12月7日 14:05` (Tokyo time) for the "made at" lines of the city's documents."""
    value = _local(value)
    return f"{format_wareki(value)} {value:%H:%M}"


def format_wareki_period(start: datetime.date, end: datetime.date) -> str:
    """`令和7年5月26日〜令和7年7月10日`: a period in the city's documents."""
    return f"{format_wareki(start)}〜{format_wareki(end)}"


# The city's documents in the active language: 和暦 in Japanese; an English rendering (a file made for
# staff who use the English admin, the English survey report) has no use for the era.


def document_date(value: datetime.date | datetime.datetime, *, weekday: bool = False) -> str:
    """`令和8年12月7日` (`Mon 7 Dec 2026` / `7 Dec 2026` in English)."""
    return format_date(value, weekday=weekday) if is_english() else format_wareki(value, weekday=weekday)


def document_month(value: datetime.date) -> str:
    """`令和8年11月` (`November 2026` in English)."""
    return f"{value:%B %Y}" if is_english() else format_wareki_month(value)


def document_datetime(value: datetime.datetime) -> str:
    """`令和8年12月7日 14:05` (`7 Dec 2026 14:05` in English), Tokyo time."""
    if is_english():
        return f"{format_date(value, weekday=False)} {_local(value):%H:%M}"
    return format_wareki_datetime(value)


def document_period(start: datetime.date, end: datetime.date) -> str:
    """`令和7年5月26日〜令和7年7月10日` (`26 May 2025 – 10 Jul 2025` in English)."""
    if is_english():
        return f"{format_date(start, weekday=False)} – {format_date(end, weekday=False)}"
    return format_wareki_period(start, end)


def format_yen(value: int | None) -> str:
    """`120,000,000円` / `¥120,000,000`; money is always integer yen."""
    if value is None:
        return ""
    amount = f"{int(value):,}"
    return f"¥{amount}" if is_english() else f"{amount}円"
