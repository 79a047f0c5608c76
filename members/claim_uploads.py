"""The last claim file a hotel uploaded to a claim, kept so that its result page can show every row.

Rejected rows are never stored as claim lines, so the result page (and its CSV download) judges the
kept file again with the date of the upload and the claim's own lines left out, which gives the same
verdicts the upload gave. Files are in the "private" storage (never served as media), one per claim.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import storages

from claims import services
from claims.claim_file import ClaimFileResult
from claims.models import Claim

STORAGE = "private"


def _folder(claim: Claim) -> str:
    return f"claim-uploads/{claim.pk}"


@dataclass
class KeptUpload:
    data: bytes
    checked_on: datetime.date
    extension: str


def keep(claim: Claim, data: bytes, filename: str, checked_on: datetime.date) -> None:
    """Keep `data` as the claim's last upload (replacing the one before)."""
    storage = storages[STORAGE]
    discard(claim)
    extension = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    storage.save(f"{_folder(claim)}/{checked_on.isoformat()}{extension}", ContentFile(data))


def discard(claim: Claim) -> None:
    storage = storages[STORAGE]
    folder = _folder(claim)
    if not storage.exists(folder):
        return
    for name in storage.listdir(folder)[1]:
        storage.delete(f"{folder}/{name}")


def last(claim: Claim) -> KeptUpload | None:
    storage = storages[STORAGE]
    folder = _folder(claim)
    if not storage.exists(folder):
        return None
    names = sorted(storage.listdir(folder)[1])
    if not names:
        return None
    name = names[-1]
    stem, _dot, extension = name.rpartition(".")
    with storage.open(f"{folder}/{name}", "rb") as handle:
        data = handle.read()
    return KeptUpload(data, datetime.date.fromisoformat(stem), "." + extension)


def last_result(claim: Claim) -> ClaimFileResult | None:
    """The verdict of every row of the last upload, as the upload judged it."""
    kept = last(claim)
    if kept is None:
        return None
    return services.check_file(
        claim.participation,
        kept.data,
        "upload" + kept.extension,
        claim_date=kept.checked_on,
        claim=claim,
    )
