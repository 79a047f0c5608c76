"""What one erase step found or did, in a form the command, the report and the audit log all read.

Each app erases its own data in its own `privacy.py` and answers with a `Category`: what kind of data,
the method, how many records, which files are to be deleted once the transaction has committed, and
what was deliberately kept. Nothing here holds personal data: file names are the storage's own
random names, never the uploader's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Category:
    key: str
    label: str
    method: str
    records: int = 0
    storage: str = "private"
    files: list[str] = field(default_factory=list)
    kept: int = 0
    note: str = ""

    @property
    def file_count(self) -> int:
        return len(self.files)

    def as_dict(self) -> dict[str, Any]:
        """For `ErasureRun.categories` and the audit detail (counts only, never the file names)."""
        return {
            "key": self.key,
            "label": str(self.label),
            "method": str(self.method),
            "records": self.records,
            "files": self.file_count,
            "kept": self.kept,
            "note": str(self.note),
        }
