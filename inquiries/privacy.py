"""Erasing callers' names and phone numbers from the call center's records (spec 個人情報等の取扱い).

An inquiry is not linked to a campaign: callers ask about "the campaign", not a round, and many name
no facility (a facility also takes part in several rounds, so it would not decide either). So the
round is decided by date: an inquiry belongs to every campaign whose operating period covers the day
it was received — from the first day of applications to `TAIL_DAYS` after the last stay, when the
last claims are reported and paid. Where two rounds overlap, an inquiry is erased with the last of
them, so a round still running never loses its callers' numbers (a 折り返し may be pending).

Only `caller_name` and `caller_phone` are erased. Category, caller type, channel, status, duration,
question and answer stay: the daily and monthly tallies are computed from them (they are written by
the operator without the caller's details; `Inquiry.build_search_text` never reads the caller).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from privacy.categories import Category

from .models import Inquiry

TAIL_DAYS = 90


def operating_period(campaign) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end): the campaign's applications open → `TAIL_DAYS` after its last stay, local time."""
    start = timezone.make_aware(datetime.datetime.combine(campaign.application_start, datetime.time.min))
    last = campaign.stay_end + datetime.timedelta(days=TAIL_DAYS + 1)
    return start, timezone.make_aware(datetime.datetime.combine(last, datetime.time.min))


def _in_period(campaign) -> Q:
    start, end = operating_period(campaign)
    return Q(received_at__gte=start, received_at__lt=end)


def erase_caller_details(campaign, erased_campaign_ids: Iterable[int], *, dry_run: bool) -> Category:
    """`erased_campaign_ids`: campaigns already erased, this one included."""
    from campaigns.models import Campaign

    with_caller = Inquiry.objects.filter(_in_period(campaign)).exclude(caller_name="", caller_phone="")
    still_needed = Q(pk__in=[])
    for other in Campaign.objects.exclude(pk__in=list(erased_campaign_ids)):
        still_needed |= _in_period(other)
    kept = with_caller.filter(still_needed)
    erase = with_caller.exclude(pk__in=kept.values("pk"))
    kept_count = kept.count()
    category = Category(
        key="inquiry_callers",
        label=_("問い合わせ者の氏名・電話番号（応対記録）"),
        method=_("空欄化（分類・区分・件数・対応内容は集計のため残す）"),
        records=erase.count(),
        kept=kept_count,
        note=_("期間が消去していない他のキャンペーンと重なる応対記録は、そのキャンペーンの消去まで残します。")
        if kept_count
        else "",
    )
    if not dry_run and category.records:
        erase.update(caller_name="", caller_phone="", updated_at=timezone.now())
    return category
