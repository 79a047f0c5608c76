"""The django-tasks tasks of this app, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

import logging

from django.core.mail import EmailMessage, get_connection
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
    connection = get_connection(email_backend) if email_backend else None
    sent = EmailMessage(subject, body, from_email, to, connection=connection).send()
    logger.info("e-mail sent to %d recipient(s)", len(to))
    return sent
