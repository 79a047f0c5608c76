"""Demo campaign round that is always running today, so the demo site shows a live campaign."""

from __future__ import annotations

import datetime
from typing import TextIO

from django.utils import timezone

from .models import Campaign

DEMO_SLUG = "demo-current"


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
