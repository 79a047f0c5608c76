"""`manage.py flyer --out FILE [--bleed] [--draft]`: the current flyer as print data (or as a proof)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from promotion import pdf


class Command(BaseCommand):
    help = (
        "Write the current (published) A4 flyer as print-ready PDF; --draft: the latest revision as a proof."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="PDF file to write")
        parser.add_argument("--bleed", action="store_true", help="add 3 mm bleed and crop marks")
        parser.add_argument(
            "--draft", action="store_true", help="the latest saved revision, marked as a proof (校正)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        flyer = pdf.current_flyer(live_only=not options["draft"])
        if flyer is None:
            if options["draft"]:
                raise CommandError(_("チラシがまだありません。管理画面の「チラシ」で作成してください。"))
            raise CommandError(
                _(
                    "公開（承認）済みのチラシがありません。"
                    "承認を受けてから出力するか、--draft で校正刷りを出力してください。"
                )
            )
        bleed = True if options["bleed"] else None
        try:
            content = (
                pdf.proof_pdf(flyer, bleed=bleed) if options["draft"] else pdf.live_pdf(flyer, bleed=bleed)
            )
        except pdf.PdfError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        try:
            out.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                _("%(path)s に書き込めません：%(error)s") % {"path": out, "error": exc}
            ) from exc
        kind = _("校正刷り") if options["draft"] else _("印刷用データ")
        self.stdout.write(
            self.style.SUCCESS(
                _("%(kind)s「%(title)s」（%(campaign)s）を %(path)s に書き出しました（%(size)d バイト）。")
                % {
                    "kind": kind,
                    "title": flyer.title,
                    "campaign": flyer.campaign.display_name,
                    "path": out,
                    "size": len(content),
                }
            )
        )
