"""Changing a facility's sales state. Every caller (admin, members area, claim automation) uses these
so that who ended sales and when is always recorded."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from core import pagecache

from .models import Participation


def mark_sold_out(participation: Participation, user: AbstractBaseUser | None) -> bool:
    """販売終了. Returns False when it was already sold out (the first date is kept)."""
    updated = Participation.objects.filter(pk=participation.pk, sold_out_at__isnull=True).update(
        sold_out_at=timezone.now(), sold_out_by=user
    )
    participation.refresh_from_db(fields=["sold_out_at", "sold_out_by"])
    if updated:  # update() sends no signal: the guide's cached pages and the CDN must learn of it here
        pagecache.facilities_changed([participation.facility.code])
    return bool(updated)


def resume_sales(participation: Participation) -> bool:
    """Undo 販売終了 (e.g. set by mistake or after an allocation increase)."""
    updated = Participation.objects.filter(pk=participation.pk, sold_out_at__isnull=False).update(
        sold_out_at=None, sold_out_by=None
    )
    participation.refresh_from_db(fields=["sold_out_at", "sold_out_by"])
    if updated:  # update() sends no signal: the guide's cached pages and the CDN must learn of it here
        pagecache.facilities_changed([participation.facility.code])
    return bool(updated)
