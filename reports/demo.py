"""Demo report packs: the monthly pack (業務報告) of every month the demo round has closed.

The accountant made each pack right after the month's close (claims/demo.py), as the city expects its
monthly report; it runs here, after the call center and the survey have their demo data, because the
pack reads their figures too. Built with the clock at that moment (core/demo_clock.py) through
`reports.packs`, the code behind the 報告書パック screen. Only months without a pack get one.
"""

from __future__ import annotations

import datetime
from typing import TextIO

from django.contrib.auth import get_user_model

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from claims.models import MonthlyClose
from core import demo_clock

from . import packs
from .models import PackKind, PackStatus, ReportPack

AFTER_CLOSE = datetime.timedelta(minutes=20)


def seed(out: TextIO) -> None:
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is None:
        return
    accountant = get_user_model().objects.filter(username="accountant").first()
    made = set(
        ReportPack.objects.filter(campaign=campaign, kind=PackKind.MONTHLY).values_list("month", flat=True)
    )
    for close in MonthlyClose.objects.filter(campaign=campaign).order_by("month"):
        when = close.closed_at + AFTER_CLOSE
        if close.month in made or when > demo_clock.now():
            continue
        with demo_clock.at(when):
            pack = packs.request_pack(campaign, PackKind.MONTHLY, accountant, month=close.month)
        with demo_clock.at(when + datetime.timedelta(minutes=1)):
            pack = packs.build_pack(pack.pk)
        state = "made" if pack.status == PackStatus.DONE else f"failed: {pack.error}"
        out.write(f"Demo report pack {campaign.slug} {close.month:%Y-%m}: {state}\n")
