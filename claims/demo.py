"""Demo claims (実績報告) for the demo hotel business (hotel-approved@example.jp): facilities D001 and
D002 in the running round get an allocation (配分額) and claims in several states — submitted, under
review, returned with a reason, approved, and approved then paid — moved there through
`claims.services` and `claims.budget` as people would move them. Idempotent: nothing is added once
the two facilities have claims.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import TextIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from campaigns.demo import DEMO_SLUG
from facilities.models import Participation

from . import budget, services
from .claim_file import COLUMNS
from .models import Claim

# facility code -> allocation (配分額)
ALLOCATIONS = {"D001": 1_200_000, "D002": 800_000}
RETURN_REASON = (
    "予約番号 DEMO-D001-R1 の宿泊料金が予約台帳と一致しません。確認して修正のうえ再提出してください。"
)


def _stays_file(prefix: str, check_in: datetime.date, count: int, booked_on: datetime.date) -> bytes:
    """`count` stays of 2 guests and 2 nights at 40,000円 with 8,000円 off (the maximum for them)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for number in range(1, count + 1):
        writer.writerow(
            [
                f"{prefix}-{number}",
                booked_on.isoformat(),
                check_in.isoformat(),
                2,
                2,
                40000,
                8000,
                "直販",
                "宮城県",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def seed(out: TextIO) -> None:
    participations = {
        participation.facility.code: participation
        for participation in Participation.objects.filter(
            campaign__slug=DEMO_SLUG, facility__code__in=ALLOCATIONS
        ).select_related("facility", "campaign")
    }
    if len(participations) != len(ALLOCATIONS):
        return
    for code, amount in ALLOCATIONS.items():
        if budget.facility_account(participations[code]).limit == 0:
            budget.set_allocation(participations[code], amount, note="demo")
    if Claim.objects.filter(participation__in=participations.values()).exists():
        return
    campaign = participations["D001"].campaign
    today = timezone.localdate()
    # Stays that have ended by today: check-in from the first day of the stay period, two nights.
    first = max(campaign.stay_start, participations["D001"].approved_on)
    last = today - datetime.timedelta(days=2)
    if last < first:
        return
    User = get_user_model()
    hotel = User.objects.filter(username="hotel-approved@example.jp").first()
    reviewer = User.objects.filter(username="reviewer").first()
    accountant = User.objects.filter(username="accountant").first()
    booked_on = participations["D001"].approved_on

    def claim(code: str, prefix: str, day: datetime.date, count: int) -> Claim:
        participation = participations[code]
        outcome = services.upload(
            participation,
            day,
            _stays_file(prefix, day, count, booked_on),
            f"{prefix.lower()}.csv",
            hotel,
            claim_date=today,
        )
        return services.submit(outcome.claim, hotel)

    days = [min(first + datetime.timedelta(days=offset), last) for offset in (0, 3, 6, 9)]
    paid = services.approve(claim("D001", "DEMO-D001-P", days[0], 6), accountant)
    services.mark_paid(paid, today, accountant)
    returned = services.start_review(claim("D001", "DEMO-D001-R", days[1], 3), reviewer)
    services.return_claim(returned, RETURN_REASON, reviewer)
    services.approve(claim("D002", "DEMO-D002-A", days[2], 4), accountant)
    services.start_review(claim("D002", "DEMO-D002-V", days[3], 2), reviewer)
    claim("D002", "DEMO-D002-S", days[3] if days[3] == last else last, 3)
    out.write("Demo claims of D001/D002: paid, returned, approved, in review, submitted\n")
