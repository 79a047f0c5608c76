"""PDF documents for the city (WeasyPrint, HTML and CSS → PDF), with the Japanese font checked first.

Every PDF the platform hands over (the survey's 集計・分析報告書, the データ消去報告書) is a Django
template set in Noto Sans CJK JP, which WeasyPrint embeds (subsetted) so the document prints and reads
the same on any machine. Without the font Japanese would come out as boxes, and nobody notices until
the city opens the file, so the font is checked before anything is rendered.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

FONT_FAMILY = "Noto Sans CJK JP"
FONT_PACKAGE = "fonts-noto-cjk"
FONT_DIRS = ["/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".local/share/fonts")]


class PdfError(Exception):
    """The PDF cannot be made (the message says why and what to do)."""


def fonts_installed() -> bool:
    """Whether fontconfig (which WeasyPrint uses) knows Noto Sans CJK JP."""
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            found = subprocess.run(  # noqa: S603 - fc-list from PATH with a constant query, no shell
                [fc_list, f":family={FONT_FAMILY}", "family"], capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.SubprocessError):
            found = ""
        if FONT_FAMILY in found:
            return True
    return any(
        next(Path(folder).glob("**/NotoSansCJK*"), None) for folder in FONT_DIRS if Path(folder).is_dir()
    )


def missing_font_message() -> str:
    return _(
        "日本語フォント「%(font)s」が見つかりません。Debian / Ubuntu では"
        "「apt-get install %(package)s」でインストールしてから、もう一度実行してください。"
    ) % {"font": FONT_FAMILY, "package": FONT_PACKAGE}


def check_fonts() -> None:
    """Raise PdfError, saying which package to install, when the Japanese font is missing."""
    if not fonts_installed():
        raise PdfError(missing_font_message())


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """WeasyPrint without the font check, for callers that checked already."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def render_pdf(template_name: str, context: dict[str, Any], *, base_url: str | None = None) -> bytes:
    """The template rendered to PDF bytes; the context gets `font_family` for the stylesheet."""
    check_fonts()
    html = render_to_string(template_name, {"font_family": FONT_FAMILY, **context})
    return html_to_pdf(html, base_url=base_url)
