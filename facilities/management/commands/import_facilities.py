"""`python manage.py import_facilities FILE [--campaign SLUG]`: the facility file (施設一覧) from a shell.

The same service as the admin upload (`facilities.importing`), so both accept and refuse exactly the same
files. Every problem is printed as `行 N / 列名: 理由` and nothing is written unless the file is clean.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from facilities.importing import import_facilities


class Command(BaseCommand):
    @property
    def help(self) -> str:  # a property: argparse needs a str, translated when asked
        return _("施設一覧（.xlsx または .csv）を取り込みます。エラーが1件でもあれば何も書き込みません。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("取り込むファイルのパス"))
        parser.add_argument(
            "--campaign",
            metavar="SLUG",
            help=_("取り込み先キャンペーンの識別子（省略時は現在のキャンペーン）"),
        )

    def handle(self, *args: Any, file: str, campaign: str | None = None, **options: Any) -> None:
        target = None
        if campaign:
            target = Campaign.objects.filter(slug=campaign).first()
            if target is None:
                raise CommandError(_("キャンペーン「%(slug)s」は登録されていません。") % {"slug": campaign})
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise CommandError(
                _("ファイル「%(path)s」を読み込めません（%(reason)s）。") % {"path": file, "reason": reason}
            ) from exc

        result = import_facilities(data, filename=path.name, campaign=target)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.omitted_errors:
                self.stderr.write(
                    _("ほか%(count)s件のエラーは表示を省略しました。") % {"count": result.omitted_errors}
                )
            raise CommandError(result.failure_summary())
        self.stdout.write(self.style.SUCCESS(result.summary()))
