"""Demo campaign round that is always running today, so the demo site shows a live campaign."""

from __future__ import annotations

import datetime
from typing import TextIO

from django.utils import timezone

from .models import Campaign

DEMO_SLUG = "demo-current"
SPEC_SLUG = "sendai-2025"


def seed(out: TextIO) -> None:
    today = timezone.localdate()
    stay_start = today - datetime.timedelta(days=14)
    campaign, created = Campaign.objects.update_or_create(
        slug=DEMO_SLUG,
        defaults={
            "name": "仙台市宿泊促進キャンペーン",
            "name_en": "Sendai Stay Campaign",
            "application_start": stay_start - datetime.timedelta(days=45),
            "application_end": stay_start - datetime.timedelta(days=1),
            "stay_start": stay_start,
            "stay_end": today + datetime.timedelta(days=60),
        },
    )
    out.write(f"Campaign {campaign.slug}: {'created' if created else 'dates moved to stay running today'}\n")

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
