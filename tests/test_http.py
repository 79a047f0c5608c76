"""Caching headers, the health check and the error pages, as a CDN and a load balancer see them."""

from unittest import mock

import pytest
from django.db import connection

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_public_pages_are_cacheable_by_a_cdn(client, seeded):
    for path in ("/", "/en/", "/about/", "/en/news/"):
        response = client.get(path)
        assert response.status_code == 200, path
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "s-maxage=300" in cache_control, (path, cache_control)
        assert not response.cookies, "a cacheable page must not set cookies"


def test_logged_in_visitors_get_private_pages(client, seeded):
    client.force_login(UserFactory(role="editor"))
    response = client.get("/about/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/admin/login/", "/healthz", "/django-admin/login/"])
def test_private_areas_are_never_stored(client, path):
    response = client.get(path)
    assert "no-store" in response["Cache-Control"], path


def test_errors_are_not_cached_by_a_cdn_unless_not_found(client, seeded):
    assert "public" in client.get("/no-such-page/")["Cache-Control"]
    assert "no-store" in client.post("/about/")["Cache-Control"]


def test_healthz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_fails_when_the_database_does_not_answer(client):
    with mock.patch.object(connection, "cursor", side_effect=Exception("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_healthz_fails_when_the_cache_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "cache": "error"}


def test_healthz_with_the_real_redis(client, settings):
    """CI sets REDIS_URL; the production cache configuration must answer the probe."""
    import os

    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()


def test_not_found_uses_the_site_design(client, seeded):
    response = client.get("/en/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'lang="en"' in html and 'class="skip-link"' in html
