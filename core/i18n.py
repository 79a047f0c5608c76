"""Choosing between the Japanese and English values of a bilingual field.

Data typed by staff (campaign names, taxonomy, settings) is stored as a Japanese field plus an
optional English one; Japanese is the fallback so a visitor never sees an empty label.
"""

from __future__ import annotations

from django.utils.translation import get_language


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def pick_language(japanese: str, english: str) -> str:
    return english if english and is_english() else japanese
