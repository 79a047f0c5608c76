"""`python manage.py check_claim_file FACILITY_CODE FILE [--campaign SLUG] [--as-of YYYY-MM-DD]`.

For claim files that arrive by mail: the same check as the hotel's upload (`claims.services.check_file`,
which the members area also calls), printed as CSV on stdout so that it can be opened in Excel or fed
to another tool. Nothing is stored.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from claims.services import check_file
from core.security import SafeCSVWriter
from facilities.models import Facility, Participation

HEADER = ["row", "status", "counted_nights", "max_discount", "reimbursement", "message"]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(
            _("--as-of は YYYY-MM-DD の形式で指定してください（%(value)s）。") % {"value": value}
        ) from exc


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("実績報告ファイルを検査し、行ごとの結果をCSVで標準出力に書き出します（保存はしません）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("facility_code", help=_("施設コード"))
        parser.add_argument("file", help=_("実績報告ファイル（.xlsx または .csv）のパス"))
        parser.add_argument(
            "--campaign", metavar="SLUG", help=_("キャンペーンの識別子（省略時は現在のキャンペーン）")
        )
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            help=_("報告日（チェックアウト日の判定に使います。省略時は今日）"),
        )

    def handle(self, *args: Any, facility_code: str, file: str, **options: Any) -> None:
        slug = options.get("campaign")
        campaign = Campaign.objects.filter(slug=slug).first() if slug else Campaign.objects.current()
        if campaign is None:
            raise CommandError(_("キャンペーン「%(slug)s」は登録されていません。") % {"slug": slug or ""})
        facility = Facility.objects.filter(code=facility_code).first()
        if facility is None:
            raise CommandError(
                _("施設コード「%(code)s」の施設は登録されていません。") % {"code": facility_code}
            )
        participation = (
            Participation.objects.filter(facility=facility, campaign=campaign)
            .select_related("campaign")
            .first()
        )
        if participation is None:
            raise CommandError(
                _("施設「%(facility)s」は「%(campaign)s」に参加していません。")
                % {"facility": facility.name, "campaign": campaign.name}
            )
        as_of = _date(options["as_of"]) if options.get("as_of") else timezone.localdate()
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("ファイル「%(path)s」を読み込めません（%(reason)s）。")
                % {"path": file, "reason": exc.strerror or exc}
            ) from exc

        result = check_file(participation, data, path.name, claim_date=as_of)
        if not result.readable:
            raise CommandError(" ".join(result.problems))
        writer = SafeCSVWriter(self.stdout, lineterminator="\n")
        writer.writerow(HEADER)
        for row in result.rows:
            writer.writerow(
                [row.row, row.status, row.counted_nights, row.max_discount, row.reimbursement, row.message]
            )
