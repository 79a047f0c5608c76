"""Background tasks of the reports app (django-tasks): packs take seconds to minutes to build."""

from __future__ import annotations

from django_tasks import task

from . import packs


@task()
def build_pack(pack_id: int) -> str:
    """Build a queued report pack; returns its final status (the pack row keeps any error)."""
    return packs.build_pack(pack_id).status
