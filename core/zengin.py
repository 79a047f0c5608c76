"""Zengin (全銀) text rules for bank-transfer data.

Account holder names (口座名義) in a Zengin transfer file are half-width katakana from a small
character set. Hotels type them in whatever form their passbook or keyboard gives (ひらがな,
全角カタカナ, lower-case letters, long-vowel marks), so this module converts once, at input time,
and rejects what cannot be converted (kanji, emoji) with a message that names the characters. The
transfer-file writer then uses the stored value as is.
"""

from __future__ import annotations

import unicodedata

import jaconv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Characters allowed in Zengin name fields: digits, upper-case letters, half-width katakana
# (without small kana), voiced/semi-voiced marks, space and a few symbols.
ZENGIN_SYMBOLS = " ().-/\\,｢｣"
ZENGIN_KANA = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝﾞﾟ"
ZENGIN_ALLOWED = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" + ZENGIN_KANA + ZENGIN_SYMBOLS)

# Small kana are written large in bank data; the long-vowel mark becomes a hyphen.
_FOLD = str.maketrans(
    {"ｧ": "ｱ", "ｨ": "ｲ", "ｩ": "ｳ", "ｪ": "ｴ", "ｫ": "ｵ", "ｬ": "ﾔ", "ｭ": "ﾕ", "ｮ": "ﾖ", "ｯ": "ﾂ", "ｰ": "-"}
)

ACCOUNT_HOLDER_MAX_LENGTH = 30  # the 受取人名 field of a 総合振込 data record


def to_zengin_kana(value: str) -> str:
    """Convert a name to Zengin half-width katakana; characters that have no form are kept as is.

    Use `validate_zengin_kana` on the result to find what could not be converted.
    """
    text = unicodedata.normalize("NFKC", value or "")
    text = jaconv.hira2kata(text)
    text = jaconv.z2h(text, kana=True, ascii=True, digit=True)
    text = text.replace("\u3000", " ").upper().translate(_FOLD)
    return " ".join(text.split())


def invalid_characters(value: str) -> list[str]:
    """Characters of `value` that a Zengin name field cannot carry, each once, in order of appearance."""
    seen: list[str] = []
    for char in value:
        if char not in ZENGIN_ALLOWED and char not in seen:
            seen.append(char)
    return seen


def validate_zengin_kana(value: str) -> None:
    bad = invalid_characters(value)
    if bad:
        raise ValidationError(
            _("口座名義はカタカナ・英大文字・数字で入力してください（使えない文字: %(chars)s）。")
            % {"chars": "、".join(bad)},
            code="zengin_chars",
        )
    if len(value) > ACCOUNT_HOLDER_MAX_LENGTH:
        raise ValidationError(
            _("口座名義は半角%(max)d文字以内にしてください（現在%(count)d文字）。")
            % {"max": ACCOUNT_HOLDER_MAX_LENGTH, "count": len(value)},
            code="zengin_length",
        )
