"""`python manage.py erase_personal_data --campaign SLUG [--dry-run] [--yes] [--user NAME] [--out FILE]
[--force --reason TEXT]`.

Erases the campaign's personal data (`privacy.erasure`) and writes the データ消去報告書. Always shows
what would be erased first; `--dry-run` stops there. Otherwise it asks for the campaign's slug as
confirmation (`--yes` / `--no-input` skip the question, for scripts). A round that still looks
running is refused unless `--force` with `--reason`. `--user` names the staff account that runs it
(recorded as the actor); it is asked for on a terminal and required without one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from privacy import erasure
from privacy.models import ErasureRun


def is_interactive() -> bool:
    """Whether someone can answer questions (tests patch this)."""
    return sys.stdin.isatty()


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _("キャンペーンの個人情報を消去し、データ消去報告書（PDF）を作成します。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--campaign", required=True, metavar="SLUG", help=_("キャンペーンの識別子"))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("消去する件数を表示するだけで、何も変更しません")
        )
        parser.add_argument(
            "--yes",
            "--no-input",
            dest="yes",
            action="store_true",
            help=_("確認の入力を省略します（スクリプト用）"),
        )
        parser.add_argument("--user", metavar="USERNAME", help=_("実施者（職員のユーザー名）"))
        parser.add_argument("--out", metavar="FILE", help=_("報告書の出力先（既定は var/erasure/）"))
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("キャンペーンの終了を確認せずに実施します（--reason が必要）"),
        )
        parser.add_argument("--reason", default="", help=_("--force の理由（報告書に記載します）"))

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            known = ", ".join(Campaign.objects.order_by("slug").values_list("slug", flat=True))
            raise CommandError(
                _("識別子「%(slug)s」のキャンペーンはありません。登録済み: %(known)s")
                % {"slug": options["campaign"], "known": known or "—"}
            )
        dry_run = options["dry_run"]
        actor = None if dry_run else self.actor(options["user"])
        self.show_plan(campaign)
        reasons = erasure.blockers(campaign)
        for reason in reasons:
            self.stdout.write(_("注意: %(reason)s") % {"reason": reason})
        if dry_run:
            self.stdout.write(_("ドライランのため、何も変更していません。"))
            return
        if reasons and not options["force"]:
            raise CommandError(
                _(
                    "このキャンペーンはまだ終了していないため消去しません。"
                    "実施する場合は --force と --reason を指定してください。"
                )
            )
        if options["force"] and not options["reason"].strip():
            raise CommandError(_("--force を使うときは --reason で理由を入力してください。"))
        if not options["yes"]:
            self.confirm(campaign)
        out = Path(options["out"]) if options["out"] else None
        try:
            erasure.execute(
                campaign,
                actor,
                forced=options["force"],
                reason=options["reason"],
                out=out,
                when_done=self.show_result,
            )
        except erasure.ErasureError as exc:
            raise CommandError(str(exc)) from exc

    def actor(self, username: str | None):
        if not username:
            if not is_interactive():
                raise CommandError(_("--user で実施者（職員のユーザー名）を指定してください。"))
            username = input(_("実施者（職員のユーザー名）: ")).strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        # Staff are the users who may enter the admin (roles are groups there, is_staff is rarely set).
        if user is None or not (user.is_staff or user.has_perm("wagtailadmin.access_admin")):
            raise CommandError(_("「%(name)s」は有効な職員のユーザーではありません。") % {"name": username})
        return user

    def confirm(self, campaign: Campaign) -> None:
        if not is_interactive():
            raise CommandError(
                _("確認の入力ができません。スクリプトから実行するときは --yes を付けてください。")
            )
        answer = input(
            _("消去は取り消せません。確認のため、キャンペーンの識別子（%(slug)s）を入力してください: ")
            % {"slug": campaign.slug}
        ).strip()
        if answer != campaign.slug:
            raise CommandError(_("入力が識別子と一致しないため、中止しました。何も変更していません。"))

    def show_plan(self, campaign: Campaign) -> None:
        plan = erasure.plan(campaign)
        self.stdout.write(
            _("キャンペーン: %(name)s（%(slug)s）") % {"name": campaign.name, "slug": campaign.slug}
        )
        for category in plan.categories:
            line = _("  %(label)s: %(records)s 件、ファイル %(files)s 件 — %(method)s") % {
                "label": category.label,
                "records": category.records,
                "files": category.file_count,
                "method": category.method,
            }
            if category.kept:
                line += _("（%(kept)s 件は残します）") % {"kept": category.kept}
            self.stdout.write(line)
        self.stdout.write(
            _("合計: レコード %(records)s 件、ファイル %(files)s 件")
            % {"records": plan.records, "files": plan.files}
        )

    def show_result(self, run: ErasureRun) -> None:
        self.stdout.write(
            _("消去しました: レコード %(records)s 件、ファイル %(deleted)s / %(planned)s 件を削除。")
            % {"records": run.record_count, "deleted": run.files_deleted, "planned": run.files_planned}
        )
        for failure in run.file_failures:
            self.stderr.write(
                _("削除できなかったファイル: %(name)s（%(error)s）")
                % {"name": failure["name"], "error": failure["error"]}
            )
        self.stdout.write(_("データ消去報告書: %(path)s") % {"path": run.report_path})
