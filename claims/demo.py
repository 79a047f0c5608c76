"""Demo claims (実績報告) of the running round, played from its first stays to today.

Every approved facility sold discounted stays at its own pace (more on Friday and Saturday nights,
ryokan dearer than guesthouses) and reported them after each month, the larger ones twice a month;
the office reviewed each report within days, returned a few for corrections, excluded the odd
cancelled stay, and the accountant approved them, paid them in twice-monthly bank transfers
(payment batches with their Zengin file) and closed each month. Four facilities used up their
allocation and were sold out by the rule on the claim that reached it. The facilities the office
registered late got their allocation and have nothing to report yet.

The demo hotel user's two facilities end in every state a hotel sees: D001 paid and one claim sent
back (差戻し), D002 paid, approved, in review and just submitted. Everything goes through
`claims.services`, `claims.budget`, `claims.payments` and `claims.reports` with the clock at the
moment it happened (core/demo_clock.py); work due after now is simply not done yet. Idempotent:
nothing is added once the round has claims.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import random
from dataclasses import dataclass, field
from typing import TextIO

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.utils import timezone

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from core import demo_clock
from facilities.models import Participation
from inquiries.business_days import is_business_day, next_month, nth_business_day_of_month
from participants.models import Membership

from . import budget, payments, reports, services
from .claim_file import COLUMNS
from .models import BudgetAccount, Claim, ClaimStatus, TransferSettings

# Facilities whose stays used up their allocation (sold out by the rule), and how many days before
# today their last discounted guests checked out.
SOLD_OUT = {"D003": 34, "D011": 21, "D019": 27, "D026": 12}
# Hotels report after each month end (the manual asks by the 10th); facilities from this many rooms
# report twice a month, to be paid in the next of the twice-monthly transfers.
TWICE_A_MONTH_FROM_ROOMS = 100
# Share of its allocation a facility's stays used up to today (the rest of the round is ahead).
SHARE_USED = (0.58, 0.86)
RETURN_RATE = 0.05
EXCLUSION_RATE = 0.03

CHANNELS = [("直販", 4), ("電話", 1), ("OTA", 6), ("旅行会社", 2)]
PREFECTURES = [("宮城県", 30), ("東京都", 16), ("岩手県", 8), ("山形県", 8), ("福島県", 7), ("青森県", 5),
               ("秋田県", 4), ("神奈川県", 6), ("埼玉県", 4), ("千葉県", 3), ("北海道", 3), ("大阪府", 3),
               ("愛知県", 2), ("新潟県", 2)]  # fmt: skip
PRICE = {
    "hotel": (6_500, 16_000),
    "ryokan": (13_000, 32_000),
    "simple": (3_800, 7_500),
    "other": (5_500, 11_000),
}
WEEKDAY_WEIGHT = [0.8, 0.8, 0.85, 0.9, 1.35, 1.7, 0.75]  # the night of Monday … Sunday
MISTYPED_CHARGE_REASON = (
    "予約番号 {number} の宿泊料金が予約台帳と一致しません。確認して修正のうえ再提出してください。"
)
EXCLUSION_REASON = "予約台帳でキャンセル済みのため除外（宿泊実績なし）"
REMITTER = {
    "remitter_code": "1234567890",
    "remitter_name": "ｾﾝﾀﾞｲｼｼﾕｸﾊｸｿｸｼﾝｷﾔﾝﾍﾟ-ﾝｼﾞﾑｷﾖｸ",
    "bank_code": "0125",
    "bank_name": "ｼﾁｼﾞﾕｳｼﾁ",
    "branch_code": "101",
    "branch_name": "ﾎﾝﾃﾝ",
    "account_type": "1",
    "account_number": "7654321",
}


@dataclass
class DemoStay:
    number: str
    booked_on: datetime.date
    check_in: datetime.date
    nights: int
    guests: int
    charge: int
    discount: int
    channel: str
    prefecture: str

    @property
    def check_out(self) -> datetime.date:
        return self.check_in + datetime.timedelta(days=self.nights)

    def row(self, charge: int | None = None) -> list:
        return [
            self.number,
            self.booked_on.isoformat(),
            self.check_in.isoformat(),
            self.nights,
            self.guests,
            charge if charge is not None else self.charge,
            self.discount,
            self.channel,
            self.prefecture,
        ]


@dataclass
class Period:
    """One report of a facility: the stays that checked out from `start` to `end`."""

    start: datetime.date
    end: datetime.date
    stays: list[DemoStay] = field(default_factory=list)

    @property
    def month(self) -> datetime.date:
        return self.start.replace(day=1)


def claim_file(
    stays: list[DemoStay], mistyped: DemoStay | None = None, extra: DemoStay | None = None
) -> bytes:
    """The hotel's 実績報告 CSV (DOMAIN.md "Claim file"), as its booking system exports it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for stay in stays:
        writer.writerow(stay.row(charge=stay.charge * 10 if stay is mistyped else None))
    if extra is not None:
        writer.writerow(extra.row())
    return buffer.getvalue().encode("utf-8")


def _weighted(rng: random.Random, choices: list[tuple[str, int]]) -> str:
    return rng.choices([value for value, _w in choices], weights=[weight for _v, weight in choices])[0]


def _night_weight(day: datetime.date) -> float:
    """Weekends and the nights before holidays sell best."""
    following = day + datetime.timedelta(days=1)
    if day.weekday() < 5 and not is_business_day(following) and following.weekday() < 5:
        return 1.5
    return WEEKDAY_WEIGHT[day.weekday()]


def _one_stay(
    rng: random.Random,
    campaign: Campaign,
    type_slug: str,
    check_out: datetime.date,
    first_check_in: datetime.date,
    approved_on: datetime.date,
    number: str,
) -> DemoStay | None:
    nights = rng.choices([1, 2, 3, 4], weights=[60, 28, 9, 3])[0]
    check_in = check_out - datetime.timedelta(days=nights)
    if check_in < first_check_in:
        nights = (check_out - first_check_in).days
        check_in = first_check_in
        if nights < 1:
            return None
    guests = rng.choices([1, 2, 3, 4], weights=[34, 46, 9, 11])[0]
    low, high = PRICE[type_slug]
    price = rng.randint(low // 100, high // 100) * 100  # per person and night
    allowed = min(price * campaign.discount_rate // 100, campaign.discount_cap)
    booked_on = max(approved_on, check_in - datetime.timedelta(days=rng.choice([0, 1, 3, 7, 14, 21, 30, 45])))
    return DemoStay(
        number=number,
        booked_on=booked_on,
        check_in=check_in,
        nights=nights,
        guests=guests,
        charge=price * guests * nights,
        discount=allowed * guests * min(nights, campaign.max_nights),
        channel=_weighted(rng, CHANNELS),
        prefecture=_weighted(rng, PREFECTURES),
    )


def demo_stays(participation: Participation, allocation: int, today: datetime.date) -> list[DemoStay]:
    """The discounted stays a facility sold up to yesterday's check-outs, in check-out order.

    They use up a share of its allocation that is the facility's own (a seeded generator per
    facility); a sold-out facility's stays add up to its allocation exactly, the last stay's
    discount trimmed to the yen, and stop there.
    """
    campaign = participation.campaign
    facility = participation.facility
    rng = random.Random(f"demo-stays-{facility.code}")
    first_check_in = max(campaign.stay_start, participation.approved_on + datetime.timedelta(days=1))
    last_check_out = today - datetime.timedelta(days=1)
    sold_out_days = SOLD_OUT.get(facility.code)
    if sold_out_days is not None:
        last_check_out = today - datetime.timedelta(days=sold_out_days)
        target = allocation
    else:
        target = int(allocation * rng.uniform(*SHARE_USED))
    days = [
        first_check_in + datetime.timedelta(days=n)
        for n in range(1, (last_check_out - first_check_in).days + 1)
    ]
    if not days or target <= 0:
        return []
    weights = [_night_weight(day - datetime.timedelta(days=1)) for day in days]
    per_weight = target / sum(weights)
    stays: list[DemoStay] = []
    due = 0.0
    total = 0
    for day, weight in zip(days, weights, strict=True):
        due += per_weight * weight
        while total < due and total < target:
            number = f"{day:%y%m%d}{len(stays) + 1:05d}"
            stay = _one_stay(
                rng,
                campaign,
                facility.facility_type.slug,
                day,
                first_check_in,
                participation.approved_on,
                number,
            )
            if stay is None:
                break
            if sold_out_days is not None and total + stay.discount >= target:
                stay.discount = target - total
            if stay.discount <= 0:
                break
            stays.append(stay)
            total += stay.discount
    return stays


def periods(stays: list[DemoStay], twice_a_month: bool, cut: datetime.date | None = None) -> list[Period]:
    """The stays grouped by report: per month, or per half month; `cut` ends the last report early."""
    grouped: dict[datetime.date, Period] = {}
    for stay in stays:
        day = stay.check_out
        start = day.replace(day=1)
        if twice_a_month and day.day > 15:
            start = day.replace(day=16)
        end = reports.month_end(day) if not twice_a_month or day.day > 15 else day.replace(day=15)
        if cut is not None and start <= cut < end:
            end = cut
        grouped.setdefault(start, Period(start, end)).stays.append(stay)
    return [grouped[start] for start in sorted(grouped)]


class Story:
    """The claims of one round being played: who acts, and the timeline they act on."""

    def __init__(self, campaign: Campaign, timeline: demo_clock.Timeline) -> None:
        users = get_user_model().objects
        self.campaign = campaign
        self.timeline = timeline
        self.reviewer = users.filter(username="reviewer").first()
        self.accountant = users.filter(username="accountant").first()
        self.hotels = {
            membership.business_id: membership.user
            for membership in Membership.objects.filter(is_owner=True).select_related("user")
        }
        self.rng = random.Random(8)
        self.counts = {"claims": 0, "batches": 0, "closes": 0}

    def hotel_time(self, day: datetime.date) -> datetime.datetime:
        return demo_clock.moment(
            day, self.rng.choice([9, 10, 11, 13, 14, 15, 16, 17, 18, 20]), self.rng.randint(0, 59)
        )

    def office_time(self, day: datetime.date, after: datetime.datetime) -> datetime.datetime:
        day = demo_clock.office_day(day)
        when = demo_clock.office_moment(day, self.rng.randint(15, 470))
        if when <= after:
            when = demo_clock.office_moment(demo_clock.office_days(day, 1), self.rng.randint(15, 240))
        return when

    # --- one claim ---------------------------------------------------------------------------

    def report(self, participation: Participation, period: Period, *, plan: dict | None = None) -> None:
        """Schedule a claim's life from its submission; `plan` fixes its moments (the demo user's)."""
        rng = self.rng
        sold_out = participation.facility.code in SOLD_OUT
        state: dict = {"participation": participation, "period": period, "claim": None}
        if plan is not None:
            if plan.get("submit") is None:
                return  # not reported yet
            if "return" in plan:
                state["mistyped"] = period.stays[len(period.stays) // 2]
            self.timeline.add(plan["submit"], functools.partial(self.submit, state))
            if "review" in plan:
                self.timeline.add(plan["review"], functools.partial(self.start_review, state))
            if "return" in plan:
                self.timeline.add(plan["return"], functools.partial(self.return_claim, state))
            if "approve" in plan:
                self.timeline.add(plan["approve"], functools.partial(self.approve, state))
            return
        delay = rng.randint(1, 6) if period.end.day <= 15 else rng.randint(1, 9)
        submitted = self.hotel_time(period.end + datetime.timedelta(days=delay))
        if not self.timeline.add(submitted, functools.partial(self.submit, state)):
            return
        reviewed = self.office_time(demo_clock.office_days(submitted.date(), rng.randint(1, 3)), submitted)
        self.timeline.add(reviewed, functools.partial(self.start_review, state))
        if not sold_out and rng.random() < RETURN_RATE and len(period.stays) > 1:
            state["mistyped"] = period.stays[rng.randrange(len(period.stays))]
            returned = self.office_time(demo_clock.office_days(reviewed.date(), 1), reviewed)
            self.timeline.add(returned, functools.partial(self.return_claim, state))
            resubmitted = self.hotel_time(returned.date() + datetime.timedelta(days=rng.randint(1, 4)))
            self.timeline.add(resubmitted, functools.partial(self.resubmit, state))
            reviewed = self.office_time(demo_clock.office_days(resubmitted.date(), 1), resubmitted)
            self.timeline.add(reviewed, functools.partial(self.start_review, state))
        elif not sold_out and rng.random() < EXCLUSION_RATE:
            state["extra"] = _cancelled_copy(period.stays[-1])
            self.timeline.add(
                reviewed + datetime.timedelta(minutes=5), functools.partial(self.exclude, state)
            )
        approved = self.office_time(demo_clock.office_days(reviewed.date(), rng.randint(1, 4)), reviewed)
        self.timeline.add(approved, functools.partial(self.approve, state))

    def submit(self, state: dict) -> None:
        participation, period = state["participation"], state["period"]
        hotel = self.hotels.get(participation.facility.business_id)
        data = claim_file(period.stays, state.get("mistyped"), state.get("extra"))
        code = participation.facility.code
        filename = f"jisseki-{code}-{period.end:%Y%m%d}.csv"
        outcome = services.upload(
            participation, period.month, data, filename, hotel, claim_date=demo_clock.now().date()
        )
        if outcome.result.rejected_rows or outcome.claim is None:
            raise RuntimeError(f"demo claim file of {code} refused: {outcome.result.rejected_rows[:1]}")
        state["claim"] = services.submit(outcome.claim, hotel)
        self.counts["claims"] += 1

    def resubmit(self, state: dict) -> None:
        participation, period = state["participation"], state["period"]
        hotel = self.hotels.get(participation.facility.business_id)
        outcome = services.upload(
            participation,
            period.month,
            claim_file(period.stays),
            "shusei.csv",
            hotel,
            claim=state["claim"],
            claim_date=demo_clock.now().date(),
        )
        state["claim"] = services.submit(outcome.claim, hotel)

    def start_review(self, state: dict) -> None:
        state["claim"] = services.start_review(state["claim"], self.reviewer)

    def return_claim(self, state: dict) -> None:
        stay = state.get("mistyped") or state["period"].stays[0]
        reason = MISTYPED_CHARGE_REASON.format(number=stay.number)
        state["claim"] = services.return_claim(state["claim"], reason, self.reviewer)

    def exclude(self, state: dict) -> None:
        line = state["claim"].lines.get(reservation_number=state["extra"].number)
        services.exclude_line(line, EXCLUSION_REASON, self.reviewer)

    def approve(self, state: dict) -> None:
        state["claim"] = services.approve(state["claim"], self.accountant)

    # --- the office's calendar -----------------------------------------------------------------

    def allocate(self, participation: Participation, amount: int) -> None:
        budget.set_allocation(
            participation, amount, actor=self.accountant, note="施設一覧による追加登録の配分額"
        )

    def batch(self) -> None:
        """振込データ: every approved claim not yet in a batch, transferred three business days later."""
        today = demo_clock.now().date()
        transfer_date = demo_clock.office_days(today, 3)
        try:
            batch = payments.create_batch(self.campaign, transfer_date, self.accountant)
        except payments.PaymentError:
            return
        self.counts["batches"] += 1
        confirmed = demo_clock.moment(transfer_date, 15, 30)
        self.timeline.add(confirmed, functools.partial(payments.confirm_batch, batch, self.accountant))

    def close(self, month: datetime.date) -> None:
        reports.close_month(self.campaign, month, self.accountant)
        self.counts["closes"] += 1


def _cancelled_copy(stay: DemoStay) -> DemoStay:
    """A stay reported by mistake (the booking was cancelled): the reviewer excludes it."""
    return DemoStay(f"{stay.number}C", stay.booked_on, stay.check_in, 1, 1, 9_000, 1_800, stay.channel, "")


def allocation_for(type_slug: str, rooms: int) -> int:
    """配分額 by rooms, more per room where stays cost more (participants/demo.py uses the same)."""
    per_room = {"hotel": 10_000, "ryokan": 28_000}.get(type_slug, 16_000)
    return max(400_000, min(3_000_000, rooms * per_room // 10_000 * 10_000))


def _ensure_transfer_settings(when: datetime.datetime) -> None:
    settings = TransferSettings.load()
    if settings.complete:
        return
    with demo_clock.at(when):
        for name, value in REMITTER.items():
            setattr(settings, name, value)
        settings.save()


def seed(out: TextIO) -> None:
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is None or Claim.objects.filter(participation__campaign=campaign).exists():
        return
    now = demo_clock.now()
    today = now.date()
    _ensure_transfer_settings(demo_clock.office_moment(demo_clock.office_day(campaign.application_end), 120))
    participations = list(
        Participation.objects.filter(campaign=campaign)
        .select_related("facility__facility_type", "facility__business", "campaign")
        .order_by("facility__code")
    )
    limits = dict(
        BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False).values_list(
            "participation_id", "limit"
        )
    )
    story = Story(campaign, demo_clock.Timeline(until=now))
    slots = demo_clock.office_slots_before(now, 8, gap_minutes=50)  # latest first
    for participation in participations:
        facility = participation.facility
        allocation = limits.get(participation.pk, 0)
        if not allocation:
            # Registered by import: the accountant sets the allocation the next business day.
            allocation = allocation_for(facility.facility_type.slug, facility.room_count or 10)
            when = demo_clock.office_moment(demo_clock.office_days(participation.approved_on, 1), 60)
            story.timeline.add(when, functools.partial(story.allocate, participation, allocation))
        if facility.business_id is None:
            continue  # no application, so no bank account yet: nothing to report before month end
        stays = demo_stays(participation, allocation, today)
        cut = None
        if facility.code in SOLD_OUT:
            cut = today - datetime.timedelta(days=SOLD_OUT[facility.code])  # reported at once
        elif facility.code == "D002":
            cut = today - datetime.timedelta(days=1)  # this half month so far, reported today
        twice = (facility.room_count or 0) >= TWICE_A_MONTH_FROM_ROOMS or facility.code in ("D001", "D002")
        reports_of = periods(stays, twice, cut)
        special = _demo_user_plans(facility.code, reports_of, slots, now)
        for period in reports_of:
            story.report(participation, period, plan=special.get(period.start))
    _schedule_office(story, campaign, now)
    story.timeline.play()
    _summary(campaign, story, out)


def _demo_user_plans(
    code: str, reports_of: list[Period], slots: list[datetime.datetime], now: datetime.datetime
) -> dict:
    """The demo hotel user's latest reports end in fixed states whatever day it is, with moments
    taken from the last office hours (`slots`, latest first): D001 has one sent back; D002 one
    approved, one in review and one just submitted. Older reports run as usual, newer ones are not
    reported yet."""
    if code == "D001":
        roles = [{"submit": slots[4], "review": slots[2], "return": slots[0]}]
    elif code == "D002":
        roles = [
            {"submit": now - datetime.timedelta(minutes=40)},
            {"submit": slots[6], "review": slots[3]},
            {"submit": slots[7], "review": slots[5], "approve": slots[1]},
        ]
    else:
        return {}
    chosen: dict[datetime.date, dict] = {}
    candidates = list(reversed(reports_of))  # newest first
    for role in roles:
        while candidates:
            period = candidates.pop(0)
            # The guests must have checked out before the report is made.
            if period.end < timezone.localtime(role["submit"]).date():
                chosen[period.start] = role
                break
            chosen[period.start] = {"submit": None}
    newest = max(chosen, default=None)
    for period in reports_of:
        if newest is not None and period.start > newest:
            chosen[period.start] = {"submit": None}
    return chosen


def _schedule_office(story: Story, campaign: Campaign, now: datetime.datetime) -> None:
    """Payment batches on the 10th and 25th (or the next business day), month closes on the third
    business day of the next month."""
    month = campaign.stay_start.replace(day=1)
    while month <= now.date():
        for day in (10, 25):
            created = demo_clock.office_moment(demo_clock.office_day(month.replace(day=day)), 4 * 60 + 30)
            story.timeline.add(created, story.batch)
        following = next_month(month)
        close_day = nth_business_day_of_month(following.year, following.month, 3)
        story.timeline.add(
            demo_clock.office_moment(close_day, 7 * 60 + 30), functools.partial(story.close, month)
        )
        month = following


def _summary(campaign: Campaign, story: Story, out: TextIO) -> None:
    account = budget.campaign_account(campaign)
    states = dict(
        Claim.objects.filter(participation__campaign=campaign)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    used = account.approved * 100 // account.limit if account.limit else 0
    sold_out = Participation.objects.filter(campaign=campaign, sold_out_at__isnull=False).count()
    out.write(
        f"Demo claims of {campaign.slug}: {story.counts['claims']} reported "
        f"({', '.join(f'{ClaimStatus(k).label} {v}' for k, v in sorted(states.items()))}); "
        f"allocated {account.allocated:,}円, approved {account.approved:,}円 ({used}% of the budget), "
        f"paid {account.paid:,}円 in {story.counts['batches']} batches; "
        f"{story.counts['closes']} months closed; {sold_out} sold out\n"
    )
