"""Shared fixtures.

The test database starts with the demo content, seeded once per run exactly as `make run` seeds a
developer's database (pytest-django's documented way to populate the test database). Each test runs
in a transaction that is rolled back, so what one test changes no other test sees. Tests that need
the demo content ask for `seeded`, which also re-seeds after a transactional test flushed the
database; tests that need an empty table delete its rows first, inside their own transaction.
"""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cms.models import HomePage

from .factories import CampaignFactory, UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture(autouse=True)
def _japanese_by_default():
    """Each test starts in the site's default language: a request to /en/ leaves English active in
    the thread, which would otherwise leak into the next test's messages."""
    with translation.override("ja"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the site chrome and the taxonomy are cached (core/cache.py)
    and a test's rolled-back changes must not reach the next test through it."""
    cache.clear()


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch):
    """`client.force_login(staff)` gives a session that already passed the second factor, as after
    a real sign-in with a code; the enforcement itself stays on (tests/test_staff_login.py signs in
    with password and code to test it)."""
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.security import confirmed_device, is_staff_user

        user.__dict__.pop("_sendai_is_staff", None)  # groups may have changed since the last check
        if is_staff_user(user):
            device = confirmed_device(user) or TOTPDevice.objects.create(
                user=user, name="test", confirmed=True
            )
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def seeded(db):
    """The demo site: home, content pages and news in ja/en, banners, settings, campaign, role users."""
    if not HomePage.objects.exists():
        call_command("seed_demo", stdout=io.StringIO())


@pytest.fixture
def campaign(db):
    return CampaignFactory()


@pytest.fixture
def make_user(db):
    return UserFactory
