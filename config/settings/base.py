"""Settings shared by every environment.

Environment-specific modules (dev, test, production) import this and change only what differs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-do-not-use-in-production")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Project apps first so their templates override library ones.
    "core",
    "campaigns",
    "cms",
    "facilities",
    "accounts",
    "participants",
    "members",
    "claims",
    "inquiries",
    "surveys",
    "audit",
    "privacy",
    "reports",
    "promotion",
    "jobs",
    # Background tasks (django-tasks; the database queue and its `db_worker`)
    "django_tasks",
    "django_tasks_db",
    # Wagtail
    "wagtail_localize",
    "wagtail_localize.locales",  # replaces wagtail.locales with translation-aware views
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.table_block",
    "wagtail.contrib.frontend_cache",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # Staff second factor (TOTP) and login lockout (accounts.security)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SiteCSPMiddleware",  # Content-Security-Policy (django-csp), admin policy by path
    "core.security.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.pagecache.PageCacheMiddleware",  # anonymous public pages from the shared cache, before sessions
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.StaffOTPMiddleware",  # staff pass the second factor before any admin screen
    "accounts.middleware.StaffSessionIdleMiddleware",  # staff sessions end after 30 minutes idle
    "audit.log.AuditContextMiddleware",  # who changed roles and permissions, for the audit trail
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "facilities.routing.GuideRouteMiddleware",  # Wagtail's routing of the guide's search, from the cache
    "core.middleware.CacheControlMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks: turns a lockout into its page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database: DATABASE_URL, SQLite under var/ by default -------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set, process-local memory otherwise --------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",  # one redis.Redis per pool, not one per call
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "sendai-stay"),
            "TIMEOUT": 300,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "sendai-stay",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Background tasks (django-tasks, README "Background work") -----------------------------------
# Long work (exports, PDFs, report packs, e-mails) is queued in the database and run by
# `manage.py db_worker` (started by `make run`, its own service in production). TASKS_BACKEND swaps
# the queue (for example django_tasks_rq.RQBackend, see the README); "inline" runs at once in the
# process that enqueues: Wagtail's own per-save tasks (search and reference index, file clean-up)
# are routed to it by jobs.apps, so an editor never waits for a worker and nothing stops without one.
TASKS_BACKEND = env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {
    "default": {"BACKEND": TASKS_BACKEND, "QUEUES": ["default"]},
    "inline": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
}
# Files made by background jobs are kept this many days, then `manage.py purge_jobs` deletes them.
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7)

# --- Language and time ---------------------------------------------------------------------
LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
LANGUAGES = [
    ("ja", _("日本語")),
    ("en", _("英語")),
]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Only for development servers; production serves media from object storage or the web server.
SERVE_MEDIA = False
# Files that must never be reachable by URL (application documents): outside MEDIA_ROOT, served only
# by views that check who asks. Production can point "private" at a non-public S3 bucket instead.
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Several app servers: uploads go to S3-compatible object storage (django-storages), which every server
# shares; public media in AWS_STORAGE_BUCKET_NAME, private files in AWS_PRIVATE_STORAGE_BUCKET_NAME
# (never public; links are signed and expire). Credentials come from the usual AWS_ACCESS_KEY_ID /
# AWS_SECRET_ACCESS_KEY variables or the machine's role, read by boto3, never from settings.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    AWS_PRIVATE_STORAGE_BUCKET_NAME = env_str("AWS_PRIVATE_STORAGE_BUCKET_NAME")  # required with S3
    _s3 = {
        "endpoint_url": env_str("AWS_S3_ENDPOINT_URL", "") or None,  # e.g. MinIO, Sakura, Wasabi
        "region_name": env_str("AWS_S3_REGION_NAME", "") or None,
        "file_overwrite": False,
        "default_acl": None,  # the bucket's policy decides
    }
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN", "") or None,  # a CDN in front of the bucket
            "querystring_auth": False,
        },
    }
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": AWS_PRIVATE_STORAGE_BUCKET_NAME,
            "querystring_auth": True,
            "querystring_expire": env_int("AWS_PRIVATE_URL_EXPIRE_SECONDS", 300),
        },
    }
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Application documents (営業許可証・通帳の写し): PDF, JPEG or PNG up to this size.
PARTICIPANT_DOCUMENT_MAX_BYTES = env_int("PARTICIPANT_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# Claim files (実績報告) uploaded by hotels: xlsx or CSV up to this size.
CLAIM_FILE_MAX_BYTES = env_int("CLAIM_FILE_MAX_BYTES", 5 * 1024 * 1024)

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "仙台市宿泊促進キャンペーン事務局 <no-reply@localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Sessions and security defaults shared by all environments ---------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8  # one working day for staff sessions
# Sessions live in the database, which every app server shares (a server can die or be added without
# logging anyone out), and are read through the shared cache (Redis), saving a query on every signed-in
# request; writes go to both. The public pages never touch them (core.pagecache answers before sessions).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# No script reads the CSRF cookie: Django's forms and Wagtail's admin take the token from the page.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views set SAMEORIGIN on themselves
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Error reports (the 500 mail to ADMINS) hide every POST value and local variable: forms carry
# bank accounts, names, addresses, phone numbers and e-mail addresses.
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.security.PersonalDataExceptionReporterFilter"

# Content-Security-Policy (django-csp 4). The public site, the members area and the surveys load
# only their own CSS, images and scripts: no inline script or style, no eval, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # data: for the survey QR codes' SVG previews
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
# The staff admin (Wagtail, Django admin) ships inline <script> blocks (inline panels, date widgets)
# and inline style attributes, previews images from blob: URLs and shows the page preview in an
# iframe of its own: it gets 'unsafe-inline' for scripts and styles, blob: images and may be framed
# by itself. Still no eval, no other origin, no plugins; only signed-in staff reach these pages.
CSP_ADMIN_PATH_PREFIXES = ["/admin/", "/django-admin/"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **CONTENT_SECURITY_POLICY["DIRECTIVES"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "frame-ancestors": ["'self'"],
    }
}
# Browser features no page uses (core.security.PermissionsPolicyMiddleware).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}

LOGIN_URL = "wagtailadmin_login"

# --- Hardened sign-in (accounts.security, README "Staff sign-in") ----------------------------------
# django-axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.AccountBackend",  # Django's ModelBackend, loading a request's user in one query
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
# Failures count per username and client address together, so a typo-prone colleague behind the
# same office proxy does not lock everyone out; `python manage.py axes_reset` unlocks early.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "accounts.security.axes_username"
AXES_CLIENT_IP_CALLABLE = "accounts.security.axes_client_ip"  # same header as RATELIMIT_IP_META_KEY
AXES_LOCKOUT_CALLABLE = "accounts.security.lockout_response"
AXES_ENABLE_ADMIN = False  # the lockout records are read with axes_list_attempts / the database
AXES_VERBOSE = False
# Staff: TOTP second factor on every /admin/ and /django-admin/ screen, and a 30-minute idle timeout.
OTP_TOTP_ISSUER = "仙台市宿泊促進キャンペーン"
STAFF_SESSION_IDLE_SECONDS = env_int("STAFF_SESSION_IDLE_SECONDS", 30 * 60)

# --- Wagtail -------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "仙台市宿泊促進キャンペーン"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_WORKFLOW_ENABLED = True
WAGTAIL_MODERATION_ENABLED = True
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "pdf", "pptx", "txt", "xlsx"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_ENABLE_UPDATE_CHECK = False  # the servers reach no outside network
# No Gravatar: it would send a hash of every staff member's e-mail address to a third party (and the
# admin's CSP allows no foreign images); Wagtail shows its default avatar or an uploaded one.
WAGTAIL_GRAVATAR_PROVIDER_URL = None

# Frontend cache purge on publish (CDN). Configured only when a purge endpoint is given.
FRONTEND_CACHE_PURGE_URL = env_str("FRONTEND_CACHE_PURGE_URL", "")
if FRONTEND_CACHE_PURGE_URL:
    WAGTAILFRONTENDCACHE = {
        "cdn": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": FRONTEND_CACHE_PURGE_URL,
        }
    }

# --- HTTP caching of public pages (see core.middleware.CacheControlMiddleware) -------------
# Browsers keep a public page max-age seconds, a CDN s-maxage, and a CDN may serve it up to
# stale-while-revalidate seconds longer while it fetches a fresh copy (stale-if-error: while we fail).
PUBLIC_CACHE_MAX_AGE = env_int("PUBLIC_CACHE_MAX_AGE", 60)
PUBLIC_CACHE_S_MAXAGE = env_int("PUBLIC_CACHE_S_MAXAGE", 300)
PUBLIC_CACHE_STALE_WHILE_REVALIDATE = env_int("PUBLIC_CACHE_STALE_WHILE_REVALIDATE", 60)
PUBLIC_CACHE_STALE_IF_ERROR = env_int("PUBLIC_CACHE_STALE_IF_ERROR", 600)
# "Live" pages follow 販売終了 (the facility guide, its facility pages, the sold-out list, the API): a
# traveller must see a change within 60 seconds, so s-maxage + stale-while-revalidate stays <= 60.
PUBLIC_LIVE_CACHE_MAX_AGE = env_int("PUBLIC_LIVE_CACHE_MAX_AGE", 0)
PUBLIC_LIVE_CACHE_S_MAXAGE = env_int("PUBLIC_LIVE_CACHE_S_MAXAGE", 30)
PUBLIC_LIVE_CACHE_STALE_WHILE_REVALIDATE = env_int("PUBLIC_LIVE_CACHE_STALE_WHILE_REVALIDATE", 30)

# --- Page cache: whole anonymous public responses in the shared cache (core.pagecache) -----------
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_TIMEOUT = env_int("PAGE_CACHE_TIMEOUT", 300)  # seconds; changes invalidate at once anyway
PAGE_CACHE_LIVE_TIMEOUT = env_int("PAGE_CACHE_LIVE_TIMEOUT", 60)  # bound for changes that bypass signals
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 1024 * 1024)
# Routes other than Wagtail pages whose responses are stored, with their lifetime class.
PAGE_CACHE_ROUTES = {"api_facilities": "live"}
# Never answered from the page cache (besides PRIVATE_PATH_PREFIXES): forms with CSRF tokens, files.
PAGE_CACHE_EXCLUDED_PREFIXES = ["/survey/", "/en/survey/", "/documents/", "/static/", "/media/"]
# Query parameters that never change a page (besides every utm_*): dropped before the key is made.
PAGE_CACHE_IGNORED_PARAMS = ["fbclid", "gclid", "yclid", "msclkid", "igshid", "mc_cid", "mc_eid", "_ga"]
# Paths that are never cached by a shared cache (staff and member areas, forms with CSRF).
PRIVATE_PATH_PREFIXES = ["/admin/", "/django-admin/", "/members/", "/en/members/", "/healthz"]

# seed_demo creates users with printed passwords: allowed only where this is true.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Wagtail runs its search-index and reference-index tasks inline; one line per task is noise, as
    # is WeasyPrint's line per PDF layout step and fontTools' per font subset.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # one INFO line per login and cleanup; lockouts stay visible
    },
}

# --- Surveys: anonymous answers and lottery entries, rate-limited per client IP (django-ratelimit) ---
# The limit counts final submissions (送信) and lottery entries per survey; the IP is hashed into a
# cache key and never stored. Behind a proxy, set RATELIMIT_IP_META_KEY to the header the proxy sets
# (for example HTTP_X_REAL_IP), or every traveller shares the proxy's address and limit.
SURVEYS_SUBMIT_RATE = env_str("SURVEYS_SUBMIT_RATE", "20/10m")
SURVEYS_ENTRY_RATE = env_str("SURVEYS_ENTRY_RATE", "20/10m")
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "") or None
