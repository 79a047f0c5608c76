"""The django-tasks tasks of this app, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: int) -> None:
    from .services import run

    run(job_id)


@task()
def send_email(
    subject: str, body: str, to: list[str], from_email: str | None = None, email_backend: str | None = None
) -> int:
    """Send one e-mail written in the request (`jobs.mail.queue_email`). An SMTP error fails the task,
    so the worker logs it with its traceback and the task result shows FAILED."""
    connection = get_connection(email_backend)  # None: settings.EMAIL_BACKEND
    sent = EmailMessage(subject, body, from_email, to, connection=connection).send()
    logger.info("%s, %d recipient(s)", delivery(connection), len(to))
    return sent


def delivery(connection: BaseEmailBackend) -> str:
    """Where `connection` puts an e-mail, for the worker's log: only SMTP says "sent", so a log of the
    demo data or a development machine (locmem, console, file backend) never claims a delivery."""
    from django.core.mail.backends import console, dummy, filebased, locmem, smtp

    if isinstance(connection, smtp.EmailBackend):
        return f"e-mail sent by SMTP to {connection.host}:{connection.port}"
    if isinstance(connection, locmem.EmailBackend):
        return "e-mail kept in memory (locmem backend), not sent"
    if isinstance(connection, filebased.EmailBackend):  # before console: it is a subclass
        return f"e-mail written to a file in {connection.file_path} (file backend), not sent"
    if isinstance(connection, console.EmailBackend):
        return "e-mail written to the console (console backend), not sent"
    if isinstance(connection, dummy.EmailBackend):
        return "e-mail discarded (dummy backend), not sent"
    backend = type(connection)
    return f"e-mail handed to {backend.__module__}.{backend.__qualname__}"
