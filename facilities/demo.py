"""The DOMAIN.md taxonomy (also created by a data migration; this restores deleted defaults)."""

from __future__ import annotations

from typing import TextIO

from django.apps import apps

from .taxonomy import ensure_default_taxonomy


def seed(out: TextIO) -> None:
    created = ensure_default_taxonomy(apps)
    out.write(f"Facility taxonomy: {created} default terms added\n")
