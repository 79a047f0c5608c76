"""`python manage.py lottery_verify` — recompute a prize draw and say whether it matches.

From files, with no database (what the city or anyone with the published values runs):

    python manage.py lottery_verify --list FILE --seed SEED [--witness W] --winners N
                                    [--list-sha256 H] [--commitment H]

From the database, for a recorded draw:

    python manage.py lottery_verify --survey SLUG --draw NUMBER

Prints the list hash, the commitment check and the winners in rank order; exits non-zero on any
mismatch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from surveys.lottery import Verification, find_draw, verify


class Command(BaseCommand):
    # From files it must work without a database, so skip the checks that would open one.
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    @property
    def help(self) -> str:
        return _("景品の抽選を再計算し、公開された名簿の SHA-256・シード・当選者と一致するか確かめます。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", metavar="FILE", help=_("確定名簿のファイル（応募番号を1行に1件）"))
        parser.add_argument("--seed", help=_("抽選後に公開されたシード"))
        parser.add_argument("--witness", default="", help=_("立会人の入力（なければ省略）"))
        parser.add_argument("--winners", type=int, help=_("当選者数"))
        parser.add_argument("--list-sha256", default="", help=_("事前に公開された名簿の SHA-256"))
        parser.add_argument("--commitment", default="", help=_("事前に公開されたシードの SHA-256"))
        parser.add_argument(
            "--survey", metavar="SLUG", help=_("アンケートの URL 名（データベースの記録を確認）")
        )
        parser.add_argument("--draw", type=int, metavar="NUMBER", help=_("抽選の回"))

    def handle(self, *args: Any, **options: Any) -> None:
        if options["survey"] or options["draw"] is not None:
            result = self._from_database(options)
        else:
            result = self._from_files(options)
        self._report(result)
        if not result.ok:
            raise CommandError(_("一致しません: %(problems)s") % {"problems": " / ".join(result.problems)})
        self.stdout.write(self.style.SUCCESS(_("検証結果: 一致しました。")))

    def _from_files(self, options: dict[str, Any]) -> Verification:
        if not options["list"] or not options["seed"] or options["winners"] is None:
            raise CommandError(
                _("--list・--seed・--winners を指定してください（または --survey と --draw）。")
            )
        try:
            text = Path(options["list"]).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(_("名簿のファイルを読めません: %(error)s") % {"error": exc}) from exc
        return verify(
            text,
            options["seed"].strip(),
            options["witness"],
            options["winners"],
            expected_list_sha256=options["list_sha256"].strip(),
            expected_commitment=options["commitment"].strip(),
        )

    def _from_database(self, options: dict[str, Any]) -> Verification:

        from surveys.lottery import verify_recorded
        from surveys.models import DrawState

        if not options["survey"] or options["draw"] is None:
            raise CommandError(_("--survey と --draw を両方指定してください。"))
        draw = find_draw(options["survey"], options["draw"])
        if draw is None:
            raise CommandError(_("その抽選は記録されていません。"))
        self.stdout.write(
            _("%(survey)s 第%(number)d回（%(kind)s・%(state)s）")
            % {
                "survey": draw.survey.title,
                "number": draw.number,
                "kind": draw.get_kind_display(),
                "state": draw.get_state_display(),
            }
        )
        if draw.state == DrawState.FROZEN:
            self.stdout.write(_("まだ抽選していないため、名簿の SHA-256 だけを確認します。"))
        else:
            self.stdout.write(_("シード: %(seed)s") % {"seed": draw.seed})
            self.stdout.write(_("立会人の入力: %(witness)r") % {"witness": draw.witness})
        result = verify_recorded(draw)
        return result

    def _report(self, result: Verification) -> None:
        self.stdout.write(_("名簿の件数: %(count)d") % {"count": result.count})
        self.stdout.write(_("名簿の SHA-256: %(hash)s") % {"hash": result.list_sha256})
        if result.commitment:
            self.stdout.write(_("シードの SHA-256（コミットメント）: %(hash)s") % {"hash": result.commitment})
        if result.winners:
            self.stdout.write(_("当選者（当選順）:"))
            for rank, (entry_id, value) in enumerate(result.winners, start=1):
                self.stdout.write(f"{rank:>4} {entry_id} {value}")
        for problem in result.problems:
            self.stderr.write(problem)
