"""`python manage.py lottery_list --survey SLUG --draw NUMBER [--out FILE]`.

Writes a draw's frozen list (entry ids only, byte for byte as hashed) to a file, for the city to
verify a draw with `lottery_verify` on a computer of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from surveys.lottery import find_draw, record
from surveys.models import LotteryDraw


def list_filename(draw: LotteryDraw) -> str:
    return f"lottery-list-{draw.survey.slug}-{draw.number}.txt"


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("抽選の確定名簿（応募番号のみ）をファイルに書き出します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--survey", required=True, metavar="SLUG", help=_("アンケートの URL 名"))
        parser.add_argument("--draw", required=True, type=int, metavar="NUMBER", help=_("抽選の回"))
        parser.add_argument("--out", metavar="FILE", help=_("出力先のファイル（省略時は現在のフォルダ）"))

    def handle(self, *args: Any, **options: Any) -> None:
        draw = find_draw(options["survey"], options["draw"])
        if draw is None:
            raise CommandError(_("その抽選は記録されていません。"))
        out = Path(options.get("out") or list_filename(draw))
        try:
            out.write_bytes(draw.entry_list.encode("utf-8"))
        except OSError as exc:
            raise CommandError(_("ファイルを書き込めません: %(error)s") % {"error": exc}) from exc
        record(
            draw.survey,
            "list_download",
            None,
            _("第%(number)d回の確定名簿をコマンドで出力") % {"number": draw.number},
            draw=draw,
        )
        self.stdout.write(_("出力しました: %(path)s") % {"path": out})
        self.stdout.write(f"SHA-256: {draw.list_sha256}")
