"""UI strings are Japanese in the code and the English catalogue translates every one of them."""

import ast
import gettext
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

BASE_DIR = Path(__file__).resolve().parents[1]
PO = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_english_catalogue_is_complete_and_compiled():
    text = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text.split("\n\n", 1)[1], "fuzzy entries are not used at run time"
    quoted = r'"(?:[^"\\]|\\.)*"(?:\n"(?:[^"\\]|\\.)*")*'
    entries = [
        tuple(_unquote(part) if part else "" for part in entry)
        for entry in re.findall(rf"\n(?:msgctxt ({quoted})\n)?msgid ({quoted})\nmsgstr ({quoted})", text)
    ]
    assert len(entries) > 100
    untranslated = [msgid for _context, msgid, msgstr in entries if msgid and not msgstr]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [
        msgid
        for context, msgid, msgstr in entries
        if msgid and (compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)) != msgstr
    ]
    assert not stale, f"the .mo is older than the .po, run `make messages`: {stale[:5]}"


def _unquote(block: str) -> str:
    return "".join(ast.literal_eval(line) for line in block.split("\n"))


def test_english_catalogue_is_used():
    with translation.override("en"):
        assert translation.gettext("宿泊対象期間") == "Stay period"
        assert translation.gettext("本文へ移動") == "Skip to main content"
    with translation.override("ja"):
        assert translation.gettext("宿泊対象期間") == "宿泊対象期間"


@pytest.mark.django_db
def test_english_pages_show_english_ui(client, seeded):
    page = client.get("/en/about/").content.decode()
    for text in ("Skip to main content", "Stay period", "Find things to do in Sendai"):
        assert text in page
    assert "本文へ移動" not in page


@pytest.mark.django_db
def test_no_missing_migrations():
    """Model changes (including translated labels) always come with their migration."""
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())
