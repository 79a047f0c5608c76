"""`python manage.py survey_report SLUG --out FILE [--language ja|en]`.

Writes the survey's 集計・分析報告書 as PDF — the same document as the admin's PDF button. `--out -`
writes the PDF to standard output. The slug is the survey's URL 名 (the Japanese survey's).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from wagtail.models import Locale

from surveys.models import Survey
from surveys.report import ReportError, build_report


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("アンケートの集計・分析報告書をPDFで書き出します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help=_("アンケートの URL 名"))
        parser.add_argument(
            "--out", metavar="FILE", required=True, help=_("出力先のPDFファイル（- で標準出力）")
        )
        parser.add_argument(
            "--language", choices=["ja", "en"], default="ja", help=_("報告書の言語（既定は ja）")
        )

    def handle(self, *args: Any, slug: str, out: str, language: str, **options: Any) -> None:
        survey = (
            Survey.objects.filter(locale=Locale.get_default(), slug=slug).select_related("campaign").first()
        )
        if survey is None:
            known = ", ".join(
                Survey.objects.filter(locale=Locale.get_default())
                .order_by("slug")
                .values_list("slug", flat=True)
            )
            raise CommandError(
                _("URL 名「%(slug)s」のアンケートはありません。登録済み: %(known)s")
                % {"slug": slug, "known": known or "—"}
            )
        started = time.monotonic()
        try:
            content = build_report(survey, language)
        except ReportError as exc:
            raise CommandError(str(exc)) from exc
        if out == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        try:
            Path(out).write_bytes(content)
        except OSError as exc:
            raise CommandError(_("ファイルを書き込めません: %(error)s") % {"error": exc}) from exc
        self.stdout.write(
            _("出力しました: %(path)s（%(size)s KB、%(seconds).1f 秒）")
            % {"path": out, "size": f"{len(content) // 1024:,}", "seconds": time.monotonic() - started}
        )
