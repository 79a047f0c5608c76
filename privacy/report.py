"""データ消去報告書: the PDF handed to the city after an erasure (spec 行政情報の取扱い (6) 3).

Made from the `ErasureRun` alone (what was erased, how many records and files, the method, when, by
whom, failures), so the same report can be produced again later. It also says by when it must be
submitted (5 business days after the erasure, on the call center's business-day calendar), which
backups made before the erasure still hold the data, and that erasing the storage media themselves
(NIST-compliant, with photographs) is a separate step at the end of the contract. Written with mode
600: even without personal data it is a document for the city only.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone, translation

from core.pdf import render_pdf
from inquiries.business_days import add_business_days

from .models import ErasureRun

SUBMISSION_BUSINESS_DAYS = 5
TEMPLATE = "privacy/erasure_report.html"


def report_dir() -> Path:
    return Path(settings.VAR_DIR) / "erasure"


def backups_dir() -> Path:
    """Where `make backup` writes (BACKUP_DIR, else var/backups/)."""
    return Path(os.environ.get("BACKUP_DIR") or Path(settings.VAR_DIR) / "backups")


def backups_before(moment: datetime.datetime) -> list[dict[str, Any]]:
    """Backups made before the erasure: they still contain the data and must be deleted separately."""
    folder = backups_dir()
    found = []
    if folder.is_dir():
        for entry in sorted(folder.iterdir()):
            if not entry.is_dir():
                continue
            made = datetime.datetime.fromtimestamp(entry.stat().st_mtime, tz=datetime.UTC)
            if made <= moment:
                found.append({"name": entry.name, "made": timezone.localtime(made)})
    return found


def submission_deadline(run: ErasureRun) -> datetime.date:
    return add_business_days(timezone.localtime(run.started_at).date(), SUBMISSION_BUSINESS_DAYS)


def default_path(run: ErasureRun) -> Path:
    stamp = timezone.localtime(run.started_at).strftime("%Y%m%d-%H%M%S")
    return report_dir() / f"{run.campaign.slug}-{stamp}.pdf"


def report_context(run: ErasureRun) -> dict[str, Any]:
    actor = run.actor
    full_name = actor.get_full_name() if actor is not None else ""
    return {
        "run": run,
        "campaign": run.campaign,
        "erased_at": timezone.localtime(run.started_at),
        "finished_at": timezone.localtime(run.finished_at) if run.finished_at else None,
        "actor": f"{full_name}（{run.actor_label}）" if full_name else run.actor_label,
        "categories": run.categories,
        "total_records": run.record_count,
        "deadline": submission_deadline(run),
        "backups": backups_before(run.started_at),
        "backups_dir": str(backups_dir()),
        "today": timezone.localdate(),
    }


def build_report(run: ErasureRun) -> bytes:
    """The report as PDF bytes (core.pdf.PdfError when the Japanese font is missing)."""
    with translation.override("ja"):
        return render_pdf(TEMPLATE, report_context(run), base_url=str(Path(__file__).parent))


def write_report(run: ErasureRun, out: Path | None = None) -> Path:
    """Write the PDF to `out` (default var/erasure/<campaign>-<timestamp>.pdf), readable by its owner only."""
    content = build_report(run)
    path = Path(out) if out else default_path(run)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    return path
