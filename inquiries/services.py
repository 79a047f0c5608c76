"""Rules of the call center: quick tallies and their undo, the daily and monthly tallies, and the record
of reports handed to the city. Views, the admin downloads and `inquiry_report` all call these.

Tallies never read the caller's name or phone: they count by category × caller type × channel, keep
the quick-tally counts in their own column, and average the duration of the full records only (a
quick tally has no duration).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Replace, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.text import search_terms

from .business_days import (
    TOKYO,
    daily_deadline,
    first_of_month,
    is_business_day,
    monthly_deadline,
    next_month,
)
from .models import (
    CallerType,
    Channel,
    Inquiry,
    InquiryCategory,
    InquiryStatus,
    QuickTally,
    ReportKind,
    ReportSubmission,
    SubmissionVia,
)

UNDO_WINDOW = datetime.timedelta(minutes=10)


# --- quick tally ----------------------------------------------------------------------------------


def add_quick_tally(
    operator, category: InquiryCategory, caller_type: str, channel: str = Channel.PHONE, at=None
) -> QuickTally:
    return QuickTally.objects.create(
        operator=operator,
        category=category,
        caller_type=caller_type,
        channel=channel,
        at=at or timezone.now(),
    )


def last_undoable_tally(operator, now: datetime.datetime | None = None) -> QuickTally | None:
    """The operator's own most recent click, if it is recent enough to undo."""
    now = now or timezone.now()
    last = QuickTally.objects.filter(operator=operator).order_by("-at", "-pk").first()
    if last is None or now - last.at > UNDO_WINDOW:
        return None
    return last


def undo_last_quick_tally(operator, now: datetime.datetime | None = None) -> QuickTally | None:
    """Delete the operator's last click made within UNDO_WINDOW; returns it, or None if nothing to undo."""
    with transaction.atomic():
        last = last_undoable_tally(operator, now)
        if last is None:
            return None
        QuickTally.objects.filter(pk=last.pk).delete()
        return last


# --- tallies --------------------------------------------------------------------------------------


@dataclass
class TallyRow:
    """Counts of one group (a category × caller type × channel cell, or a whole category)."""

    category: InquiryCategory | None = None
    caller_type: str = ""
    channel: str = ""
    records: int = 0
    quick: int = 0
    duration_total: int = 0

    @property
    def total(self) -> int:
        return self.records + self.quick

    @property
    def average_duration(self) -> float | None:
        """Average minutes per full record, to one decimal; None without records."""
        if not self.records:
            return None
        return round(self.duration_total / self.records, 1)

    @property
    def caller_type_label(self) -> str:
        return str(CallerType(self.caller_type).label) if self.caller_type else ""

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel else ""


@dataclass
class DayCount:
    day: datetime.date
    records: int = 0
    quick: int = 0

    @property
    def total(self) -> int:
        return self.records + self.quick


@dataclass
class Tally:
    kind: str
    start: datetime.date  # first day
    end: datetime.date  # last day (inclusive)
    deadline: datetime.datetime
    rows: list[TallyRow]  # non-empty category × caller type × channel cells, in list order
    by_category: list[TallyRow]  # every category that is active or was used in the period
    by_status: dict[str, int]
    totals: TallyRow
    by_day: list[DayCount] = field(default_factory=list)

    @property
    def status_rows(self) -> list[tuple[str, int]]:
        return [(str(label), self.by_status.get(value, 0)) for value, label in InquiryStatus.choices]


def _bounds(
    start: datetime.date, end_exclusive: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=TOKYO),
        datetime.datetime.combine(end_exclusive, datetime.time.min, tzinfo=TOKYO),
    )


def _tally(kind: str, start: datetime.date, end_exclusive: datetime.date, deadline) -> Tally:
    since, until = _bounds(start, end_exclusive)
    inquiries = Inquiry.objects.filter(received_at__gte=since, received_at__lt=until).order_by()
    quick = QuickTally.objects.filter(at__gte=since, at__lt=until).order_by()

    cells: dict[tuple[int, str, str], TallyRow] = {}
    for row in inquiries.values("category_id", "caller_type", "channel").annotate(
        n=Count("pk"), minutes=Sum("duration_minutes")
    ):
        key = (row["category_id"], row["caller_type"], row["channel"])
        cells[key] = TallyRow(records=row["n"], duration_total=row["minutes"] or 0)
    for row in quick.values("category_id", "caller_type", "channel").annotate(n=Count("pk")):
        key = (row["category_id"], row["caller_type"], row["channel"])
        cells.setdefault(key, TallyRow()).quick = row["n"]

    used = {key[0] for key in cells}
    categories = [
        c for c in InquiryCategory.objects.order_by("sort_order", "pk") if c.is_active or c.pk in used
    ]
    caller_order = {value: i for i, value in enumerate(CallerType.values)}
    channel_order = {value: i for i, value in enumerate(Channel.values)}
    category_order = {c.pk: i for i, c in enumerate(categories)}
    by_id = {c.pk: c for c in categories}

    rows = []
    for key in sorted(cells, key=lambda k: (category_order[k[0]], caller_order[k[1]], channel_order[k[2]])):
        cell = cells[key]
        cell.category, cell.caller_type, cell.channel = by_id[key[0]], key[1], key[2]
        rows.append(cell)

    by_category = []
    for category in categories:
        summary = TallyRow(category=category)
        for cell in rows:
            if cell.category.pk == category.pk:
                summary.records += cell.records
                summary.quick += cell.quick
                summary.duration_total += cell.duration_total
        by_category.append(summary)

    totals = TallyRow(
        records=sum(r.records for r in rows),
        quick=sum(r.quick for r in rows),
        duration_total=sum(r.duration_total for r in rows),
    )
    by_status = dict(inquiries.values_list("status").annotate(n=Count("pk")))
    return Tally(
        kind,
        start,
        end_exclusive - datetime.timedelta(days=1),
        deadline,
        rows,
        by_category,
        by_status,
        totals,
    )


def daily_tally(day: datetime.date) -> Tally:
    return _tally(ReportKind.DAILY, day, day + datetime.timedelta(days=1), daily_deadline(day))


def monthly_tally(month: datetime.date) -> Tally:
    start = first_of_month(month)
    end = next_month(start)
    tally = _tally(ReportKind.MONTHLY, start, end, monthly_deadline(start))
    since, until = _bounds(start, end)
    days: dict[datetime.date, DayCount] = defaultdict(lambda: DayCount(day=start))
    for day, n in (
        Inquiry.objects.filter(received_at__gte=since, received_at__lt=until)
        .annotate(day=TruncDate("received_at", tzinfo=TOKYO))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    ):
        days[day].records = n
    for day, n in (
        QuickTally.objects.filter(at__gte=since, at__lt=until)
        .annotate(day=TruncDate("at", tzinfo=TOKYO))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    ):
        days[day].quick = n
    current = start
    while current < end:
        count = days.get(current, DayCount(day=current))
        count.day = current
        tally.by_day.append(count)
        current += datetime.timedelta(days=1)
    return tally


# --- submissions ----------------------------------------------------------------------------------


def report_period(kind: str, day: datetime.date) -> datetime.date:
    return first_of_month(day) if kind == ReportKind.MONTHLY else day


class SubmissionError(Exception):
    """A report that cannot be marked submitted; the message says why."""


def period_end(kind: str, period: datetime.date) -> datetime.date:
    """The last day a report covers."""
    if kind == ReportKind.MONTHLY:
        return next_month(first_of_month(period)) - datetime.timedelta(days=1)
    return period


def record_submission(
    kind: str, day: datetime.date, user, via: str = SubmissionVia.MARKED, today: datetime.date | None = None
) -> ReportSubmission:
    """Note that the report was handed in; the first record wins, a second one changes nothing. A period
    that has not ended yet cannot be submitted (its tally would still change)."""
    today = today or timezone.localdate()
    if period_end(kind, day) >= today:
        raise SubmissionError(_("対象期間が終わっていないため、まだ提出済みにできません。"))
    submission, _created = ReportSubmission.objects.get_or_create(
        kind=kind,
        period=report_period(kind, day),
        defaults={"submitted_by": user, "via": via, "submitted_at": timezone.now()},
    )
    return submission


class ReportState(models.TextChoices):
    DONE = "done", gettext_lazy("提出済み")
    DUE = "due", gettext_lazy("提出待ち")
    OVERDUE = "overdue", gettext_lazy("期限超過")


@dataclass
class ScheduledReport:
    kind: str
    period: datetime.date
    deadline: datetime.datetime
    state: str
    submission: ReportSubmission | None
    records: int

    @property
    def state_label(self) -> str:
        return str(ReportState(self.state).label)

    @property
    def period_value(self) -> str:
        return f"{self.period:%Y-%m}" if self.kind == ReportKind.MONTHLY else f"{self.period:%Y-%m-%d}"


def _state(deadline: datetime.datetime, submission, now: datetime.datetime) -> str:
    if submission is not None:
        return ReportState.DONE
    return ReportState.OVERDUE if now > deadline else ReportState.DUE


def _records_by_day(since, until) -> dict[datetime.date, int]:
    return dict(
        Inquiry.objects.filter(received_at__gte=since, received_at__lt=until)
        .annotate(day=TruncDate("received_at", tzinfo=TOKYO))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
    )


def report_schedule(
    now: datetime.datetime | None = None, days: int = 14, months: int = 3
) -> tuple[list[ScheduledReport], list[ScheduledReport]]:
    """The daily reports of the last `days` days and the monthly reports of the last `months` months,
    newest first, each done (submitted), due (deadline ahead) or overdue. A day needs a report when it
    is a business day or when the call center logged anything that day (a weekend opening)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    first_day = today - datetime.timedelta(days=days)
    since, until = _bounds(first_day, today)
    counts = _records_by_day(since, until)
    tallied_days = set(
        QuickTally.objects.filter(at__gte=since, at__lt=until)
        .annotate(day=TruncDate("at", tzinfo=TOKYO))
        .values_list("day", flat=True)
    )
    month_starts = []
    month = first_of_month(today)
    for _i in range(months):
        month = first_of_month(month - datetime.timedelta(days=1))
        month_starts.append(month)
    submissions = {
        (s.kind, s.period): s
        for s in ReportSubmission.objects.filter(
            Q(kind=ReportKind.DAILY, period__gte=first_day)
            | Q(kind=ReportKind.MONTHLY, period__in=month_starts)
        ).select_related("submitted_by")
    }

    daily = []
    for offset in range(1, days + 1):
        day = today - datetime.timedelta(days=offset)
        if not (is_business_day(day) or day in counts or day in tallied_days):
            continue
        deadline = daily_deadline(day)
        submission = submissions.get((ReportKind.DAILY, day))
        state = _state(deadline, submission, now)
        daily.append(ScheduledReport(ReportKind.DAILY, day, deadline, state, submission, counts.get(day, 0)))
    monthly = []
    for start in month_starts:
        deadline = monthly_deadline(start)
        submission = submissions.get((ReportKind.MONTHLY, start))
        month_since, month_until = _bounds(start, next_month(start))
        records = Inquiry.objects.filter(received_at__gte=month_since, received_at__lt=month_until).count()
        state = _state(deadline, submission, now)
        monthly.append(ScheduledReport(ReportKind.MONTHLY, start, deadline, state, submission, records))
    return daily, monthly


# --- search ---------------------------------------------------------------------------------------


def search_inquiries(queryset, query: str, *, include_caller: bool = False):
    """Every word must match the question, answer or facility (normalised like the facility guide);
    with `include_caller`, a word may also match the caller's name or phone (digits only for phones)."""
    if include_caller:
        queryset = queryset.annotate(
            caller_phone_digits=Replace(Replace("caller_phone", Value("-"), Value("")), Value(" "), Value(""))
        )
    for term in search_terms(query):
        condition = Q(search_text__contains=term)
        if include_caller:
            condition |= Q(caller_name__icontains=term)
            digits = re.sub(r"\D", "", term)
            if digits:
                condition |= Q(caller_phone_digits__contains=digits)
        queryset = queryset.filter(condition)
    return queryset
