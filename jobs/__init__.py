"""Background jobs: long work (exports, PDFs, report files) runs outside the request.

`jobs.start(user, kind, params)` records a `Job` and queues it; a builder registered for the kind
(`jobs.registry`) makes the file, which is kept in the private storage until the requester downloads
it from ダウンロード in the admin. `jobs.mail.queue_email` sends e-mails the same way.
"""

from __future__ import annotations

from typing import Any


def start(user: Any, kind: str, params: dict | None = None, **kwargs: Any):
    """Create the job and queue it when the current transaction commits (see `jobs.services.start`)."""
    from .services import start as _start

    return _start(user, kind, params, **kwargs)
