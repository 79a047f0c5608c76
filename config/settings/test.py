"""Test settings: PostgreSQL by default (the production engine), fast hashing, local memory e-mail."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sendai_stay")

from .base import *  # noqa: F403

DEBUG = False
DEMO_DATA_ALLOWED = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sendai-test-media-"))  # fresh per test run
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
PRIVATE_MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="sendai-test-private-"))
atexit.register(shutil.rmtree, PRIVATE_MEDIA_ROOT, ignore_errors=True)
STORAGES = {
    **STORAGES,  # noqa: F405
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}

WHITENOISE_AUTOREFRESH = True  # no collectstatic needed outside production
WHITENOISE_USE_FINDERS = True
# The test database is seeded once per run (tests/conftest.py); indexing every demo page for the
# site search on each save is what makes seeding slow, and no test searches yet.
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}}
# Background tasks run at once, inside the request that enqueues them, so a test follows the redirect
# to a finished job and reads mail.outbox; the test transaction never commits, so jobs and e-mails do
# not wait for a commit here (tests/test_jobs.py checks the wait and runs the database queue once).
JOBS_ENQUEUE_ON_COMMIT = False
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "inline": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
