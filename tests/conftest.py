"""Shared fixtures.

The test database starts with the demo content, seeded once per run exactly as `make run` seeds a
developer's database (pytest-django's documented way to populate the test database). Each test runs
in a transaction that is rolled back, so what one test changes no other test sees. Tests that need
the demo content ask for `seeded`, which also re-seeds after a transactional test flushed the
database; tests that need an empty table delete its rows first, inside their own transaction.

The clock: `TEST_NOW=2026-12-29` (a date, read as 10:00 in Tokyo) or `TEST_NOW=2027-02-01T08:30+09:00`
runs the whole session with the clock moved there and ticking on (time-machine), so the suite can be
proved on the dates that break date code: month ends, the 1st, the year-end closure, holidays
(`make test-dates`). It starts before any test module is imported and before the demo data is seeded,
so the demo round is built around that day too. Tests still take "today" when they run, never at import.
"""

from __future__ import annotations

import datetime
import io
import os
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from cms.models import HomePage

from .factories import CampaignFactory, UserFactory

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def pinned_moment(value: str) -> datetime.datetime:
    """`TEST_NOW` as an aware moment: a bare date is 10:00 in Tokyo, a time without offset is Tokyo's."""
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise pytest.UsageError(f"TEST_NOW={value!r} is not a date or ISO date-time: {exc}") from None
    if len(value.strip()) == 10:
        moment = moment.replace(hour=10)
    return moment if moment.tzinfo else moment.replace(tzinfo=TOKYO)


def pytest_configure(config: pytest.Config) -> None:
    value = os.environ.get("TEST_NOW", "")
    if value:
        traveller = time_machine.travel(pinned_moment(value), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


# Tests whose server runs in a process of its own, on the machine's real clock: under TEST_NOW the
# test would compare a moved "today" with the server's real one.
REAL_CLOCK_PATHS = ("tests/browser/", "tests/test_two_servers.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("TEST_NOW"):
        return
    skip = pytest.mark.skip(reason="its server runs in another process on the real clock (TEST_NOW set)")
    for item in items:
        if any(part in item.nodeid for part in REAL_CLOCK_PATHS):
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    value = os.environ.get("TEST_NOW", "")
    if not value:
        return "clock: the real one (set TEST_NOW=YYYY-MM-DD to run at another date)"
    moment = pinned_moment(value).astimezone(TOKYO)
    return f"clock: pinned at {moment:%Y-%m-%d %H:%M %Z} and ticking (TEST_NOW)"


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
