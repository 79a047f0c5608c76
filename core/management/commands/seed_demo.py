"""Load demo content for local development and the browser tests.

Each project app that has demo data provides `<app>/demo.py` with a `seed(out)` function; this
command runs them in INSTALLED_APPS order inside one transaction. Every seeder is idempotent:
running the command twice leaves the same data, and content an editor changed is not overwritten.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import override_settings

# Demo data moves applications through the real workflow, which e-mails applicants; demo addresses
# are fictional, so those messages are kept in memory instead of being sent or printed.
QUIET_MAIL = "django.core.mail.backends.locmem.EmailBackend"


class Command(BaseCommand):
    help = "Create idempotent demo content: pages, campaign, taxonomy and one user per role."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "seed_demo creates users with known passwords and is disabled here "
                "(set DEMO_DATA_ALLOWED=1 only on a development machine)."
            )
        with override_settings(EMAIL_BACKEND=QUIET_MAIL), transaction.atomic():
            for app_config in apps.get_app_configs():
                if not app_config.path.startswith(str(settings.BASE_DIR)):
                    continue
                try:
                    module = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name == f"{app_config.name}.demo":
                        continue
                    raise
                module.seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
