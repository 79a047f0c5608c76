"""Local development: SQLite under var/, console e-mail, debug pages."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = True
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
