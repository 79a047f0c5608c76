"""E-mails sent by the worker instead of the request.

The caller renders subject and body in the request (its language, its data); the task only sends.
It is queued when the transaction commits, so an e-mail never announces a change that was rolled
back. The e-mail backend in force when it was written goes with it: `seed_demo` keeps its e-mails
in memory, and so does the worker.
"""

from __future__ import annotations

from django.conf import settings


def queue_email(subject: str, body: str, to: list[str], from_email: str | None = None) -> None:
    from .services import after_commit
    from .tasks import send_email

    recipients = list(to)
    if not recipients:
        return
    backend = settings.EMAIL_BACKEND
    after_commit(
        lambda: send_email.enqueue(
            subject=str(subject), body=str(body), to=recipients, from_email=from_email, email_backend=backend
        )
    )
