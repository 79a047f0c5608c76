"""Demo campaign rounds: `demo-current`, in the middle of its run today, and the spec's own round.

The running round is laid out around the day it is first seeded: its stays began `STAYS_BEGAN_DAYS_AGO`
days ago and last about six months, after an eight-week application window, so the demo has several
months of claims and payments behind it and as many ahead. Once its history has been played (the
other apps' demo data hang off these dates) the dates are kept: moving them would leave that history
outside its own round. Delete the database to play it again around a later day.
"""

from __future__ import annotations

import datetime
from typing import TextIO

from django.utils import timezone

from .models import Campaign

DEMO_SLUG = "demo-current"
SPEC_SLUG = "sendai-2025"

STAYS_BEGAN_DAYS_AGO = 90
STAY_DAYS = 183
APPLICATIONS_OPEN_DAYS_BEFORE_STAYS = 56
APPLICATIONS_CLOSE_DAYS_BEFORE_STAYS = 8


def current_round_dates(today: datetime.date) -> dict[str, datetime.date]:
    stay_start = today - datetime.timedelta(days=STAYS_BEGAN_DAYS_AGO)
    return {
        "application_start": stay_start - datetime.timedelta(days=APPLICATIONS_OPEN_DAYS_BEFORE_STAYS),
        "application_end": stay_start - datetime.timedelta(days=APPLICATIONS_CLOSE_DAYS_BEFORE_STAYS),
        "stay_start": stay_start,
        "stay_end": stay_start + datetime.timedelta(days=STAY_DAYS - 1),
    }


def has_history(campaign: Campaign) -> bool:
    """Whether the demo already played the round's history (applications, participations)."""
    from facilities.models import Participation
    from participants.models import Application

    return (
        Application.objects.filter(campaign=campaign).exists()
        or Participation.objects.filter(campaign=campaign).exists()
    )


def seed(out: TextIO) -> None:
    today = timezone.localdate()
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is not None and has_history(campaign):
        out.write(
            f"Campaign {campaign.slug}: kept as seeded (stays {campaign.stay_start} to {campaign.stay_end}); "
            "delete the database to play the demo again around today\n"
        )
    else:
        campaign, created = Campaign.objects.update_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "仙台市宿泊促進キャンペーン",
                "name_en": "Sendai Stay Campaign",
                **current_round_dates(today),
            },
        )
        state = "created" if created else "dates moved"
        out.write(f"Campaign {campaign.slug}: {state}, stays running today\n")

    # The specification's round (仕様書), with the DOMAIN.md rule defaults: its stays are over.
    spec_round, created = Campaign.objects.get_or_create(
        slug=SPEC_SLUG,
        defaults={
            "name": "仙台市宿泊促進キャンペーン（令和7年度）",
            "name_en": "Sendai Stay Campaign 2025",
            "application_start": datetime.date(2025, 4, 14),
            "application_end": datetime.date(2025, 5, 9),
            "stay_start": datetime.date(2025, 5, 26),
            "stay_end": datetime.date(2025, 7, 10),
        },
    )
    out.write(f"Campaign {spec_round.slug}: {'created' if created else 'kept as edited'}\n")
