"""Which round a staff screen is about: the one picked in its campaign selector, else the current one."""

from __future__ import annotations

from django.http import HttpRequest

from .models import Campaign


def selected_campaign(request: HttpRequest) -> tuple[list[Campaign], Campaign | None]:
    """(every round for the selector, newest first; the round asked for by `?campaign=<slug>` or the
    form field of that name, falling back to `Campaign.objects.current()`). An unknown slug from a
    stale bookmark falls back too, so a screen never fails on it."""
    campaigns = list(Campaign.objects.order_by("-stay_start"))
    slug = request.GET.get("campaign") or request.POST.get("campaign")
    campaign = next((c for c in campaigns if c.slug == slug), None)
    return campaigns, campaign or Campaign.objects.current()
