"""The business-day calendar of DOMAIN.md and the call center's report deadlines (spec コールセンター 7).

A business day is not a Saturday or Sunday, not a Japanese public holiday (from `jpholiday`, which
follows the 国民の祝日に関する法律 including substitute holidays) and not in the year-end break
12/29–1/3. The daily tally is due at 12:00 on the next business day, the monthly tally at 17:00 on
the 7th business day of the following month; both as Asia/Tokyo aware datetimes.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import jpholiday

TOKYO = ZoneInfo("Asia/Tokyo")
DAILY_DEADLINE_TIME = datetime.time(12, 0)
MONTHLY_DEADLINE_TIME = datetime.time(17, 0)
MONTHLY_DEADLINE_BUSINESS_DAY = 7


def is_year_end_break(day: datetime.date) -> bool:
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and not jpholiday.is_holiday(day) and not is_year_end_break(day)


def add_business_days(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th business day after `day` (before it when negative); 0 returns `day` itself."""
    step = 1 if count >= 0 else -1
    remaining = abs(count)
    current = day
    while remaining:
        current += datetime.timedelta(days=step)
        if is_business_day(current):
            remaining -= 1
    return current


def nth_business_day_of_month(year: int, month: int, n: int) -> datetime.date:
    if n < 1:
        raise ValueError("n must be 1 or more")
    first = datetime.date(year, month, 1)
    day = first if is_business_day(first) else add_business_days(first, 1)
    return add_business_days(day, n - 1)


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def daily_deadline(day: datetime.date) -> datetime.datetime:
    """12:00 (Tokyo) on the business day after `day`."""
    return datetime.datetime.combine(add_business_days(day, 1), DAILY_DEADLINE_TIME, tzinfo=TOKYO)


def monthly_deadline(month: datetime.date) -> datetime.datetime:
    """17:00 (Tokyo) on the 7th business day of the month after `month` (any day of it)."""
    following = next_month(first_of_month(month))
    day = nth_business_day_of_month(following.year, following.month, MONTHLY_DEADLINE_BUSINESS_DAY)
    return datetime.datetime.combine(day, MONTHLY_DEADLINE_TIME, tzinfo=TOKYO)
