"""`python manage.py verify_ledger [--campaign SLUG]` — recompute the budget balances from the ledger.

`claims.budget` keeps running balances beside the append-only ledger (配分・申請・承認・支払). This
recomputes every round's balances (or one round's) from the ledger alone (`budget.verify_ledger`) and
prints "OK" per round, or each account that differs with its amounts; any difference exits 1, so a
cron job or the backup script notices. Nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from claims.budget import verify_ledger


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("予算の残高を台帳（予算の記録）から再計算し、保存されている残高と一致するか確かめます。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--campaign", metavar="SLUG", help=_("キャンペーンの識別子（省略時はすべてのキャンペーン）")
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options.get("campaign")
        campaigns = Campaign.objects.order_by("stay_start", "pk")
        if slug:
            campaigns = campaigns.filter(slug=slug)
            if not campaigns:
                raise CommandError(_("キャンペーン「%(slug)s」は登録されていません。") % {"slug": slug})
        if not campaigns:
            self.stdout.write(_("キャンペーンが登録されていません。"))
            return
        differences = 0
        for campaign in campaigns:
            problems = verify_ledger(campaign)
            if not problems:
                self.stdout.write(f"{campaign.slug}: " + self.style.SUCCESS("OK"))
                continue
            differences += len(problems)
            self.stdout.write(f"{campaign.slug}: " + self.style.ERROR("NG"))
            for problem in problems:
                self.stdout.write(f"  {problem}")
        if differences:
            raise CommandError(_("NG: 台帳と一致しない残高が %(count)d件あります。") % {"count": differences})
