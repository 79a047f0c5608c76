"""Delete background jobs past their keeping period (JOBS_KEEP_DAYS) and their files; run daily."""

from django.core.management.base import BaseCommand

from jobs.services import purge


class Command(BaseCommand):
    help = "Delete expired download jobs and their files (run daily from cron or a systemd timer)."

    def handle(self, *args, **options) -> None:
        count = purge()
        self.stdout.write(f"{count} expired job(s) deleted.")
