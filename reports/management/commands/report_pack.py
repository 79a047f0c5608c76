"""`python manage.py report_pack monthly YYYY-MM [--campaign SLUG] --out DIR` and
`python manage.py report_pack final --campaign SLUG [--provisional] --out DIR`.

Builds the pack synchronously with the same service the admin's background task runs, archives it
like the admin does (so the city can download it too) and writes the Excel and PDF files into DIR.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from reports import packs
from reports.models import PackKind, PackStatus


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "月次報告（締め済みの月）または事業終了報告の Excel と PDF を作成し、フォルダに書き出します。"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=PackKind.values, help=_("monthly（月次報告）または final（事業終了報告）")
        )
        parser.add_argument("month", nargs="?", help=_("月次報告の対象月（YYYY-MM）"))
        parser.add_argument(
            "--campaign",
            metavar="SLUG",
            help=_("キャンペーンのスラッグ（月次報告では省略時に現在のキャンペーン）"),
        )
        parser.add_argument(
            "--provisional",
            action="store_true",
            help=_("宿泊対象期間の途中でも事業終了報告を暫定版として作成する"),
        )
        parser.add_argument("--out", metavar="DIR", required=True, help=_("出力先のフォルダ"))

    def handle(self, *args: Any, kind: str, month: str | None, **options: Any) -> None:
        try:
            campaign = self._campaign(kind, options.get("campaign"))
            target = None
            if kind == PackKind.MONTHLY:
                if not month:
                    raise packs.PackError(_("月次報告では対象月（YYYY-MM）を指定してください。"))
                target = packs.parse_month(month)
            elif month:
                raise packs.PackError(_("事業終了報告には対象月を指定しません。"))
            pack = packs.request_pack(campaign, kind, None, month=target, provisional=options["provisional"])
        except packs.PackError as exc:
            raise CommandError(str(exc)) from exc
        pack = packs.build_pack(pack.pk)
        if pack.status != PackStatus.DONE:
            raise CommandError(pack.error or _("報告書パックを作成できませんでした。"))
        out = Path(options["out"])
        written = []
        try:
            out.mkdir(parents=True, exist_ok=True)
            for field, name in zip((pack.xlsx, pack.pdf), packs.filenames(pack), strict=True):
                path = out / name
                with field.open("rb") as source:
                    path.write_bytes(source.read())
                written.append(path)
        except OSError as exc:
            raise CommandError(_("ファイルを書き込めません: %(error)s") % {"error": exc}) from exc
        for path in written:
            self.stdout.write(_("出力しました: %(path)s") % {"path": path})

    def _campaign(self, kind: str, slug: str | None) -> Campaign:
        if slug:
            return packs.campaign_by_slug(slug)
        if kind == PackKind.FINAL:
            raise packs.PackError(_("事業終了報告では --campaign でキャンペーンを指定してください。"))
        campaign = Campaign.objects.current()
        if campaign is None:
            raise packs.PackError(_("キャンペーンが登録されていません。--campaign で指定してください。"))
        return campaign
