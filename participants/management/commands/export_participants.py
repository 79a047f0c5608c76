"""`python manage.py export_participants [--campaign SLUG] --out FILE [--full-account-numbers --user NAME]`.

The same workbook as the admin download (`participants.export`), recorded the same way (via "command").
Account numbers are masked unless `--full-account-numbers` is given together with a `--user` who has
the right to see them (経理担当); otherwise the command stops before writing anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from participants.export import VIA_COMMAND, ExportNotAllowed, export_participants
from participants.permissions import can_see_full_account


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a str, translated when asked
        return _("参加事業者データ（登録決定した施設の一覧）をExcelファイルに出力します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--campaign",
            metavar="SLUG",
            help=_("キャンペーンの識別子（省略時は現在のキャンペーン）"),
        )
        parser.add_argument("--out", required=True, metavar="FILE", help=_("出力するファイルのパス（.xlsx）"))
        parser.add_argument(
            "--full-account-numbers",
            action="store_true",
            help=_("口座番号を伏せずに出力します（--user に権限のある利用者を指定）"),
        )
        parser.add_argument("--user", metavar="USERNAME", help=_("出力者として記録する利用者名"))

    def handle(
        self,
        *args: Any,
        out: str,
        campaign: str | None = None,
        full_account_numbers: bool = False,
        user: str | None = None,
        **options: Any,
    ) -> None:
        target = self._campaign(campaign)
        exporter = self._user(user)
        if full_account_numbers and exporter is None:
            raise CommandError(
                _("口座番号を伏せずに出力するには、権限のある利用者を --user で指定してください。")
            )
        if full_account_numbers and not can_see_full_account(exporter):
            raise CommandError(
                _("利用者「%(user)s」には口座番号を伏せずに出力する権限がありません。")
                % {"user": exporter.get_username()}
            )
        path = Path(out)
        try:
            # The export record and the file go together: if the file cannot be written, no record.
            with transaction.atomic():
                data, rows = export_participants(
                    target, user=exporter, via=VIA_COMMAND, full_account_numbers=full_account_numbers
                )
                path.write_bytes(data)
        except ExportNotAllowed as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CommandError(
                _("ファイル「%(path)s」に書き込めません（%(reason)s）。") % {"path": out, "reason": reason}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(campaign)s の参加事業者データ %(rows)s行を出力しました: %(path)s")
                % {"campaign": target.name, "rows": rows, "path": path}
            )
        )

    def _campaign(self, slug: str | None) -> Campaign:
        if slug:
            target = Campaign.objects.filter(slug=slug).first()
            if target is None:
                raise CommandError(_("キャンペーン「%(slug)s」は登録されていません。") % {"slug": slug})
            return target
        target = Campaign.objects.current()
        if target is None:
            raise CommandError(_("キャンペーンが登録されていません。"))
        return target

    def _user(self, username: str | None):
        if not username:
            return None
        User = get_user_model()
        found = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
        if found is None:
            raise CommandError(_("利用者「%(user)s」は登録されていません。") % {"user": username})
        return found
