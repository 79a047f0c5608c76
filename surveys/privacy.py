"""Erasing the lottery's personal data (spec 個人情報等の取扱い: erase at the end of the contract).

Answers hold no personal data and stay for the figures. Entries are deleted; winners keep their entry
number and shipping status, and the draws keep their frozen lists of entry numbers, so every draw can
still be verified after the names and addresses are gone.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from audit.log import record

from .models import LotteryEntry, LotteryEvent, Survey


@transaction.atomic
def erase_lottery_contacts(campaign: Any, user: Any = None) -> int:
    """Delete every lottery entry of the campaign's surveys; returns how many were erased."""
    erased = 0
    for survey in Survey.objects.filter(campaign=campaign, lottery_entries__isnull=False).distinct():
        count, _by_model = LotteryEntry.objects.filter(survey=survey).delete()
        erased += count
        LotteryEvent.objects.create(
            survey=survey,
            action="erase_contacts",
            detail=f"応募者の個人情報 {count} 件を消去しました。",
            actor=user,
        )
        record(
            "erasure",
            actor=user,
            obj=survey,
            summary=_("抽選応募者の個人情報を消去"),
            detail={"lottery_entries": count},
        )
    return erased
