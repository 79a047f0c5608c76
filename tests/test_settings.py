"""Configuration comes from the environment, with safe local defaults and a strict production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[1]


def settings_value(module: str, expression: str, **env: str) -> str:
    """Evaluate `expression` against a settings module in a clean interpreter with `env`."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "ALLOWED_HOSTS"}
    }
    code = f"import config.settings.{module} as s; print(repr(({expression})))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr)
    return result.stdout.strip()


def test_language_and_time_zone():
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert [code for code, _ in settings.LANGUAGES] == ["ja", "en"]


def test_dev_defaults_to_sqlite_under_var():
    value = settings_value(
        "dev",
        "s.DATABASES['default']['ENGINE'] + '|' + str(s.DATABASES['default']['NAME'])",
        VAR_DIR="/tmp/x-var",
    )
    assert value == "'django.db.backends.sqlite3|/tmp/x-var/db.sqlite3'"


def test_database_url_selects_postgresql():
    value = settings_value(
        "dev",
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']",
        DATABASE_URL="postgres://app@db.internal:5432/campaign",
    )
    assert "postgresql" in value and "campaign" in value


def test_redis_url_selects_the_redis_cache():
    assert (
        settings_value("dev", "s.CACHES['default']['BACKEND']")
        == "'django.core.cache.backends.locmem.LocMemCache'"
    )
    assert (
        settings_value(
            "dev",
            "s.CACHES['default']['BACKEND'], s.CACHES['default']['LOCATION']",
            REDIS_URL="redis://cache.internal:6379/0",
        )
        == "('core.redis_cache.RedisCache', 'redis://cache.internal:6379/0')"
    )


def test_production_refuses_to_start_without_a_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        settings_value("production", "s.DEBUG")
    with pytest.raises(RuntimeError, match="real secret"):
        settings_value("production", "s.DEBUG", SECRET_KEY="dev-only-insecure-key-do-not-use-in-production")
    assert (
        settings_value("production", "s.DEBUG, s.SESSION_COOKIE_SECURE", SECRET_KEY="x" * 60)
        == "(False, True)"
    )


def test_allowed_hosts_and_email_from_environment():
    value = settings_value(
        "production",
        "s.ALLOWED_HOSTS, s.EMAIL_HOST, s.EMAIL_USE_TLS",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="a.example.jp, b.example.jp",
        EMAIL_HOST="smtp.example.jp",
        EMAIL_USE_TLS="1",
    )
    assert value == "(['a.example.jp', 'b.example.jp'], 'smtp.example.jp', True)"


def test_production_passes_the_deployment_checklist():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(SECRET_KEY="a-long-random-production-secret-" + "k" * 40, ALLOWED_HOSTS="campaign.example.jp")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            "--settings=config.settings.production",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("true", True), ("off", False), ("", False)])
def test_env_bool(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG") is expected


def test_env_helpers_reject_nonsense(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.delenv("X_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured):
        env_str("X_MISSING")
    monkeypatch.setenv("X_LIST", " a, ,b ")
    assert env_list("X_LIST") == ["a", "b"]
