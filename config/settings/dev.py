"""Local development: SQLite under var/, console e-mail, debug pages."""

from .base import *  # noqa: F403
from .env import env_bool, env_str

DEBUG = env_bool("DEBUG", True)
# Serve static files from the app directories and media from MEDIA_ROOT even with DEBUG=0, so the
# browser suite can run the real 404/500 pages against `runserver`.
WHITENOISE_USE_FINDERS = True
SERVE_MEDIA = True
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

WHITENOISE_AUTOREFRESH = True  # no collectstatic needed outside production
