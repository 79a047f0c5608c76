"""When the budget runs out at the present pace (予算の消化見込み).

A plain function of the approvals per day, so the dashboard, a report or a test asks the same
question: the pace is the amount approved in the last `window` days (today included) divided by the
window, and the budget lasts `remaining / pace` days more (rounded up: the day it runs out).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

WINDOW_DAYS = 14


def approved_in_window(
    approved_per_day: Mapping[datetime.date, int], today: datetime.date, window: int = WINDOW_DAYS
) -> int:
    first = today - datetime.timedelta(days=window - 1)
    return sum(amount for day, amount in approved_per_day.items() if first <= day <= today)


def daily_pace(
    approved_per_day: Mapping[datetime.date, int], today: datetime.date, window: int = WINDOW_DAYS
) -> int:
    """Yen approved per day over the last `window` days, rounded down (for display)."""
    return approved_in_window(approved_per_day, today, window) // window


def runs_out_on(
    approved_per_day: Mapping[datetime.date, int],
    remaining: int,
    today: datetime.date,
    window: int = WINDOW_DAYS,
) -> datetime.date | None:
    """The day the remaining budget is used up at the pace of the last `window` days.

    None when there is nothing to go on: no approvals yet, or none in the window (pace 0).
    A budget already used up runs out today.
    """
    if not approved_per_day:
        return None
    in_window = approved_in_window(approved_per_day, today, window)
    if in_window <= 0:
        return None
    if remaining <= 0:
        return today
    days = -(-remaining * window // in_window)  # ceil in integers
    return today + datetime.timedelta(days=days)
