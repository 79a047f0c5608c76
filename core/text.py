"""Text normalisation for search (DOMAIN.md).

`ﾎﾃﾙ`, `ホテル` and `ほてる` must find each other, as must `Ｓｅｎｄａｉ` and `sendai`: NFKC folds
width and compatibility forms, lower-casing folds case, katakana is folded to hiragana, and runs of
white space become one space. The same function builds the stored search column and the query, so
the two always agree.
"""

from __future__ import annotations

import re
import unicodedata

_KATAKANA_START, _KATAKANA_END = 0x30A1, 0x30F6  # ァ .. ヶ
_KATA_TO_HIRA = {code: code - 0x60 for code in range(_KATAKANA_START, _KATAKANA_END + 1)}
_SPACES = re.compile(r"\s+")


def normalize_search_text(value: str | None) -> str:
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", value).lower().translate(_KATA_TO_HIRA)
    return _SPACES.sub(" ", text).strip()


def search_terms(query: str | None, max_terms: int = 10) -> list[str]:
    """The words of a keyword query, normalised; every one must match. Capped to keep queries cheap."""
    words = normalize_search_text(query).split(" ")
    unique: list[str] = []
    for word in words:
        if word and word not in unique:
            unique.append(word)
    return unique[:max_terms]
