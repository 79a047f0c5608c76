"""`python manage.py role_matrix [--out FILE]`: the role × screen matrix as Markdown.

The table is generated from `accounts.matrix` so the document cannot drift from the code;
`tests/test_role_matrix.py` checks docs/role-matrix.md against this output.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from accounts.matrix import markdown_table


class Command(BaseCommand):
    help = "ロール × 画面の対応表を Markdown で出力します"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--out", metavar="FILE", help="書き出すファイル（省略時は標準出力）")

    def handle(self, *args, out: str | None = None, **options) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            text = markdown_table()
        if out:
            Path(out).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
