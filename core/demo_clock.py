"""The demo's clock: `seed_demo` plays the demo round's history at the moments it happened.

Services stamp what they do with `timezone.now()` (audit entries, application events, the budget
ledger, e-mails), so the demo calls them with the clock moved to each past moment (time-machine, not
ticking), in chronological order: every record then carries a consistent past time and nothing is
later than now. Office work (review, approval, payments, the call center) happens on business days
between 9:00 and 17:00 in Tokyo; hotels and travellers act at any hour.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone

from inquiries.business_days import TOKYO, add_business_days, is_business_day

OFFICE_OPENS = datetime.time(9, 0)
OFFICE_CLOSES = datetime.time(17, 0)


def now() -> datetime.datetime:
    """The real present (or the one the test session pinned), in Tokyo."""
    return timezone.localtime(timezone.now(), TOKYO)


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TOKYO)


@contextmanager
def at(when: datetime.datetime) -> Iterator[None]:
    """Run the block with the clock stopped at `when`, which must not be later than now."""
    if when > timezone.now():
        raise ValueError(f"demo history cannot happen in the future ({when.isoformat()})")
    with time_machine.travel(when, tick=False):
        yield


def office_day(day: datetime.date) -> datetime.date:
    """`day` if the office works that day, else the next business day."""
    return day if is_business_day(day) else add_business_days(day, 1)


def office_days(day: datetime.date, count: int) -> datetime.date:
    """The `count`-th business day after `day` (before it when negative)."""
    return add_business_days(day, count)


def office_moment(day: datetime.date, minutes: int) -> datetime.datetime:
    """`minutes` after the office opens on `day` (a business day), capped just before it closes."""
    opens = moment(day, OFFICE_OPENS.hour, OFFICE_OPENS.minute)
    last = moment(day, OFFICE_CLOSES.hour, OFFICE_CLOSES.minute) - datetime.timedelta(minutes=1)
    return min(opens + datetime.timedelta(minutes=max(minutes, 0)), last)


def in_office_hours(when: datetime.datetime) -> bool:
    local = timezone.localtime(when, TOKYO)
    return is_business_day(local.date()) and OFFICE_OPENS <= local.time() < OFFICE_CLOSES


def office_slots_before(
    limit: datetime.datetime, count: int, gap_minutes: int = 20
) -> list[datetime.datetime]:
    """`count` moments in office hours before `limit`, `gap_minutes` apart, latest first."""
    slots: list[datetime.datetime] = []
    current = timezone.localtime(limit, TOKYO) - datetime.timedelta(minutes=5)
    while len(slots) < count:
        if in_office_hours(current):
            slots.append(current)
            current -= datetime.timedelta(minutes=gap_minutes)
            continue
        # Step back to the close of the previous office day.
        day = current.date()
        if not is_business_day(day) or current.time() < OFFICE_OPENS:
            day = add_business_days(day, -1)
        current = moment(day, OFFICE_CLOSES.hour, OFFICE_CLOSES.minute) - datetime.timedelta(minutes=7)
    return slots


class Timeline:
    """Steps of the demo's history, played in chronological order.

    A step may schedule later steps (a claim reviewed schedules its approval); steps whose moment lies
    after `until` are dropped, which is what leaves the latest work in progress, as it is today.
    """

    def __init__(self, until: datetime.datetime) -> None:
        self.until = until
        self._steps: list[tuple[datetime.datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._playing: datetime.datetime | None = None

    def add(self, when: datetime.datetime, action: Callable[[], None]) -> bool:
        """Schedule `action` at `when`; False (and nothing scheduled) when that is after `until`."""
        if self._playing is not None and when < self._playing:
            raise ValueError(f"a step cannot go back in time: {when} is before {self._playing}")
        if when > self.until:
            return False
        heapq.heappush(self._steps, (when, next(self._order), action))
        return True

    def play(self) -> int:
        played = 0
        while self._steps:
            when, _order, action = heapq.heappop(self._steps)
            self._playing = when
            with at(when):
                action()
            played += 1
        return played
