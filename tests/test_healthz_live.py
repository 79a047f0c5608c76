"""The liveness probe `/healthz/live`: answers without the database or the cache (and is the load
test's floor, bench/load.py)."""

import importlib
import re
import sys
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection


def test_live_answers_plain_text_and_is_never_stored(client):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


@pytest.mark.django_db
def test_live_touches_neither_the_database_nor_the_cache(client, django_assert_num_queries):
    down = Exception("down")
    with (
        django_assert_num_queries(0),
        mock.patch.object(connection, "cursor", side_effect=down),
        mock.patch.object(cache, "get", side_effect=down),
        mock.patch.object(cache, "set", side_effect=down),
    ):
        response = client.get("/healthz/live")
    assert response.status_code == 200


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_live_only_answers_get(client, method):
    assert getattr(client, method)("/healthz/live").status_code == 405


def test_live_is_exempt_from_the_https_redirect_in_production(monkeypatch):
    """The load balancer probes over plain HTTP, like /healthz."""
    monkeypatch.setenv("SECRET_KEY", "test-production-settings-" + "x" * 40)
    monkeypatch.delenv("SECURE_SSL_REDIRECT", raising=False)
    monkeypatch.delitem(sys.modules, "config.settings.production", raising=False)
    production = importlib.import_module("config.settings.production")
    monkeypatch.delitem(sys.modules, "config.settings.production")

    def exempt(path: str) -> bool:  # as django.middleware.security.SecurityMiddleware matches it
        return any(re.search(pattern, path.lstrip("/")) for pattern in production.SECURE_REDIRECT_EXEMPT)

    assert production.SECURE_SSL_REDIRECT
    assert exempt("/healthz/live") and exempt("/healthz")
    assert not exempt("/healthz/live/x") and not exempt("/members/")
