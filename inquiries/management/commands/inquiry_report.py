"""`python manage.py inquiry_report daily|monthly DATE [--out FILE]`.

Writes the daily (DATE = YYYY-MM-DD) or monthly (DATE = YYYY-MM) tally of 応対記録 as Excel — the same
workbook as the admin download — and prints its deadline as `提出期限: YYYY-MM-DD HH:MM`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from inquiries.models import ReportKind
from inquiries.reports import format_deadline, parse_period, tally_filename, tally_report


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("応対記録の日別・月別集計をExcelで書き出し、提出期限を表示します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ReportKind.values, help=_("daily（日別）または monthly（月別）"))
        parser.add_argument("date", help=_("日別は YYYY-MM-DD、月別は YYYY-MM"))
        parser.add_argument("--out", metavar="FILE", help=_("出力先のファイル（省略時は現在のフォルダ）"))

    def handle(self, *args: Any, kind: str, date: str, **options: Any) -> None:
        try:
            day = parse_period(kind, date)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        tally, content = tally_report(kind, day)
        out = Path(options.get("out") or tally_filename(tally))
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(_("ファイルを書き込めません: %(error)s") % {"error": exc}) from exc
        self.stdout.write(_("出力しました: %(path)s") % {"path": out})
        self.stdout.write(f"提出期限: {format_deadline(tally.deadline)}")
