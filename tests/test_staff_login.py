"""Hardened sign-in: the staff second factor (TOTP), login lockout (django-axes), the password length
rule and the staff idle timeout. Everything goes through the real login forms with a password and
codes computed from the device's key, as an authenticator app would."""

from __future__ import annotations

import datetime
import io
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as CACHED_SESSION_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import security
from accounts.demo import demo_password
from audit.models import AuditAction, AuditEntry

from .factories import UserFactory, make_member

PASSWORD = "correct-horse-battery"
pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    """A code the device accepts now (a code is accepted once, so a repeat gets the next step's)."""
    device.refresh_from_db()
    code, _seconds = security.usable_code(device)
    assert code, "no unused code left in this time step"
    return code


def wrong_code(device: TOTPDevice) -> str:
    """A code no step near now would accept."""
    now_t = int(time.time()) // device.step
    good = {f"{hotp(device.bin_key, t, digits=6):06d}" for t in range(now_t - 5, now_t + 6)}
    return next(f"{n:06d}" for n in range(123456, 999999) if f"{n:06d}" not in good)


def password_login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, **extra)


def confirmed_device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=security.DEVICE_NAME, confirmed=True)


def unthrottle(device: TOTPDevice) -> None:
    """As if the user waited: the device's back-off counts from the last failure."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - datetime.timedelta(hours=1)
    )


# --- second factor -------------------------------------------------------------------------------


def test_first_sign_in_enrols_an_authenticator_with_qr_code_and_key(client):
    user = UserFactory(username="new-editor", role="editor")
    response = password_login(client, "new-editor")
    assert response.status_code == 302
    response = client.get(response["Location"])  # /admin/ sends a user without a device to enrol
    assert response.status_code == 302 and response["Location"] == "/admin/otp/setup/?next=%2Fadmin%2F"
    # The verification page sends them there too.
    assert client.get("/admin/otp/?next=/admin/")["Location"] == "/admin/otp/setup/?next=%2Fadmin%2F"

    page = client.get("/admin/otp/setup/?next=/admin/pages/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "二要素認証の設定" in html
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = security.base32_secret(device)
    assert secret in html and len(secret.replace(" ", "")) == 32
    # Reloading keeps the same key, so a half-done scan is not invalidated.
    client.get("/admin/otp/setup/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post("/admin/otp/setup/", {"token": wrong_code(device), "next": "/admin/pages/"})
    assert response.status_code == 400
    assert "確認コードが正しくありません" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/otp/")  # still not in

    unthrottle(device)
    response = client.post("/admin/otp/setup/", {"token": code_for(device), "next": "/admin/pages/"})
    assert response.status_code == 302 and response["Location"] == "/admin/pages/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/admin/").status_code == 200

    entries = AuditEntry.objects.filter(actor_id=user.pk).order_by("sequence")
    failed = entries.get(action=AuditAction.LOGIN_FAILED)
    assert failed.detail["stage"] == "otp"
    enrolled = entries.get(action=AuditAction.PERMISSION_CHANGE)
    assert enrolled.detail["otp"] == "enrolled" and "二要素認証" in enrolled.summary


def test_enrolled_staff_enter_the_code_after_the_password(client):
    user = UserFactory(username="rev", role="reviewer")
    device = confirmed_device_for(user)
    password_login(client, "rev")
    response = client.get("/admin/inquiries/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/otp/?next=%2Fadmin%2Finquiries%2F"
    page = client.get(response["Location"])
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    # An enrolled user cannot open enrolment again to add a second device.
    assert client.get("/admin/otp/setup/")["Location"].startswith("/admin/otp/")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    # Codes typed with spaces or full-width digits from a Japanese IME are accepted.
    code = code_for(device)
    typed = f"{code[:3]} {code[3:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    response = client.post("/admin/otp/", {"token": typed, "next": "/admin/inquiries/"})
    assert response.status_code == 302 and response["Location"] == "/admin/inquiries/"
    assert client.get("/admin/").status_code == 200
    # A verified user who opens the page again is simply sent on.
    assert client.get("/admin/otp/")["Location"] == "/admin/"


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/pages/", "/admin/audit/", "/admin/users/", "/django-admin/", "/admin/inquiries/new/"],
)
def test_unverified_staff_are_sent_to_the_second_factor_from_every_admin_screen(client, path):
    user = UserFactory(username="adm", role="admin")
    confirmed_device_for(user)
    password_login(client, "adm")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/otp/?next=")
    # A POST is not replayed after the code: it is sent to the code page without `next`.
    assert client.post(path, {})["Location"] == "/admin/otp/"


def test_superusers_and_django_admin_staff_need_the_second_factor_too(client):
    UserFactory(username="root", is_superuser=True, is_staff=True)
    password_login(client, "root")
    assert client.get("/django-admin/auth/user/")["Location"].startswith("/admin/otp/")
    client.post("/admin/logout/")
    UserFactory(username="plainstaff", is_staff=True)
    response = client.post(
        "/django-admin/login/?next=/django-admin/", {"username": "plainstaff", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/django-admin/")["Location"].startswith("/admin/otp/")
    assert client.get("/admin/otp/setup/").status_code == 200  # reachable without a Wagtail role


def test_the_code_pages_logout_and_login_stay_reachable_and_anonymous_users_go_to_login(client):
    assert client.get("/admin/otp/")["Location"].startswith("/admin/login/")
    assert client.get("/admin/otp/setup/")["Location"].startswith("/admin/login/")
    user = UserFactory(username="op", role="operator")
    confirmed_device_for(user)
    password_login(client, "op")
    assert client.get("/admin/otp/").status_code == 200
    # What the code page itself loads: Wagtail's script translations and its icon sprite.
    assert client.get("/admin/jsi18n/").status_code == 200
    assert client.get("/admin/sprite/").status_code == 200
    assert client.get("/admin/login/").status_code in (200, 302)
    assert not client.get("/admin/login/").get("Location", "").startswith("/admin/otp/")
    response = client.post("/admin/logout/")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


def test_hotel_users_are_not_asked_for_a_code(client):
    member = make_member(email="front@hotel.example.jp")
    response = client.post("/members/login/", {"username": "front@hotel.example.jp", "password": PASSWORD})
    assert response["Location"] == "/members/"
    assert client.get("/members/").status_code == 200
    assert not TOTPDevice.objects.filter(user=member).exists()
    # The code page is for staff only.
    assert client.get("/admin/otp/")["Location"] == "/"


def test_wrong_codes_are_throttled_and_the_wait_is_shown(client):
    user = UserFactory(username="acc", role="accountant")
    device = confirmed_device_for(user)
    password_login(client, "acc")
    bad = wrong_code(device)
    for _attempt in range(3):
        unthrottle(device)
        response = client.post("/admin/otp/", {"token": bad})
        assert response.status_code == 400
    html = response.content.decode()
    assert "確認コードの誤りが続いたため" in html and re.search(r"\d+秒後", html)
    device.refresh_from_db()
    assert device.throttling_failure_count == 3
    # While throttled even the right code is refused, and nothing counts as verified.
    response = client.post("/admin/otp/", {"token": code_for(device)})
    assert response.status_code == 400 and "秒後" in response.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/otp/")
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_id=user.pk).count() == 3

    unthrottle(device)
    response = client.post("/admin/otp/", {"token": code_for(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


@pytest.mark.parametrize("token", ["", "abc", "12345", "1234567", "x" * 20, "１２３"])
def test_malformed_codes_are_explained_next_to_the_field(client, token):
    user = UserFactory(username="city1", role="city")
    device = confirmed_device_for(user)
    password_login(client, "city1")
    response = client.post("/admin/otp/", {"token": token})
    assert response.status_code == 400
    html = response.content.decode()
    assert "6桁の" in html and "error-message" in html
    device.refresh_from_db()
    assert device.throttling_failure_count == 0  # not a guess at the code


def test_next_never_leaves_the_site(client):
    user = UserFactory(username="mod", role="moderator")
    device = confirmed_device_for(user)
    password_login(client, "mod")
    response = client.post("/admin/otp/?next=https://evil.example/", {"token": code_for(device)})
    assert response["Location"] == "/admin/"


def test_otp_reset_command_removes_the_device_and_is_audited(client):
    user = UserFactory(username="lost-phone", role="editor")
    confirmed_device_for(user)
    out = io.StringIO()
    call_command("otp_reset", "lost-phone", stdout=out)
    assert "1 件" in out.getvalue()
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.PERMISSION_CHANGE, object_id=str(user.pk)).last()
    assert entry.detail == {"otp": "reset", "devices_removed": 1}
    password_login(client, "lost-phone")
    assert client.get("/admin/")["Location"].startswith("/admin/otp/")
    assert client.get("/admin/otp/")["Location"].startswith("/admin/otp/setup/")
    with pytest.raises(CommandError):
        call_command("otp_reset", "nobody-here")


def test_demo_staff_have_a_known_key_and_demo_otp_code_prints_a_working_code(client, seeded):
    editor = security.confirmed_device(UserFactory._meta.model.objects.get(username="editor"))
    assert editor is not None
    password_login(client, "editor", demo_password("editor"))
    out = io.StringIO()
    call_command("demo_otp_code", "editor", stdout=out)
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert client.post("/admin/otp/", {"token": code})["Location"] == "/admin/"
    # A second sign-in in the same 30 seconds gets the next code, which is accepted too.
    other = type(client)()
    password_login(other, "editor", demo_password("editor"))
    out = io.StringIO()
    call_command("demo_otp_code", "editor", stdout=out)
    second = out.getvalue().strip()
    assert second != code
    assert other.post("/admin/otp/", {"token": second})["Location"] == "/admin/"


def test_demo_otp_code_refuses_outside_development(settings, seeded):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("demo_otp_code", "editor", stdout=io.StringIO())


# --- lockout (django-axes) -------------------------------------------------------------------------


def test_admin_login_locks_after_five_failures_for_that_username_and_address(client):
    UserFactory(username="target", role="editor")
    for _attempt in range(4):
        response = password_login(client, "target", "wrong-password-1")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    assert password_login(client, "target", "wrong-password-1").status_code == 429  # the fifth
    response = password_login(client, "target")  # then even the right password
    assert response.status_code == 429
    html = response.content.decode()
    assert "ログインを一時的に制限しています" in html and "30分後" in html
    assert "システム管理者" in html
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.filter(username="target", ip_address="127.0.0.1").exists()
    # Another address is not locked (per username and address together).
    response = password_login(client, "target", REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED, actor_label="target").count() >= 5


def test_lockout_ends_after_the_cool_off(client):
    UserFactory(username="target2", role="editor")
    for _attempt in range(5):
        password_login(client, "target2", "wrong-password-1")
    assert password_login(client, "target2").status_code == 429
    AccessAttempt.objects.filter(username="target2").update(
        attempt_time=timezone.now() - datetime.timedelta(minutes=31)
    )
    response = password_login(client, "target2")
    assert response.status_code == 302
    assert client.get("/admin/")["Location"].startswith("/admin/otp/")


def test_members_login_locks_after_five_failures_whatever_the_case_of_the_address(client):
    make_member(email="front@hotel.example.jp")
    for attempt in range(5):
        typed = "Front@Hotel.Example.JP" if attempt % 2 else "front@hotel.example.jp"
        response = client.post("/members/login/", {"username": typed, "password": "wrong-password-1"})
        assert response.status_code == (429 if attempt == 4 else 200)
    response = client.post("/members/login/", {"username": "front@hotel.example.jp", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "ログインを一時的に制限しています" in html and "パスワードを忘れた" in html
    assert "_auth_user_id" not in client.session


def test_proxy_header_from_settings_is_the_address_axes_counts(client, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    UserFactory(username="behind-proxy", role="editor")
    for _attempt in range(5):
        password_login(client, "behind-proxy", "wrong-password-1", HTTP_X_REAL_IP="203.0.113.7")
    assert AccessAttempt.objects.get(username="behind-proxy").ip_address == "203.0.113.7"
    assert password_login(client, "behind-proxy", HTTP_X_REAL_IP="203.0.113.7").status_code == 429
    assert password_login(client, "behind-proxy", HTTP_X_REAL_IP="203.0.113.8").status_code == 302


# --- passwords and sessions ------------------------------------------------------------------------


def test_passwords_need_twelve_characters():
    user = UserFactory.build(username="someone")
    with pytest.raises(ValidationError) as error:
        validate_password("kx7-dawn-la", user)  # 11 characters
    assert "12" in " ".join(error.value.messages)
    validate_password("kx7-dawn-lap", user)  # 12 characters
    for role in ("editor", "moderator", "reviewer", "accountant", "operator", "city", "admin"):
        validate_password(demo_password(role), UserFactory.build(username=role))
    validate_password("hotel-demo-2025", UserFactory.build(username="hotel-approved@example.jp"))
    validate_password(PASSWORD, user)


def test_staff_sessions_expire_after_thirty_idle_minutes_and_slide(client, settings):
    user = UserFactory(username="idle", role="operator")
    device = confirmed_device_for(user)
    password_login(client, "idle")
    client.post("/admin/otp/", {"token": code_for(device)})
    assert client.session.get_expiry_age() == 1800
    session_key = client.session.session_key

    # Each request moves the deadline: 20 minutes later it is 30 minutes away again.
    # (Sessions are read through the cache, whose entry lives as long as the session: moving the
    # deadline in the database stands for time passing only once the cached copy is gone too.)
    Session.objects.filter(pk=session_key).update(expire_date=timezone.now() + datetime.timedelta(minutes=10))
    cache.delete(CACHED_SESSION_PREFIX + session_key)
    assert client.get("/admin/").status_code == 200
    expires = Session.objects.get(pk=session_key).expire_date
    assert abs((expires - timezone.now()).total_seconds() - 1800) < 60

    # Idle past the deadline: signed out.
    Session.objects.filter(pk=session_key).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    cache.delete(CACHED_SESSION_PREFIX + session_key)
    assert client.get("/admin/")["Location"].startswith("/admin/login/")

    settings.STAFF_SESSION_IDLE_SECONDS = 600
    client.force_login(user)
    client.get("/admin/")
    assert client.session.get_expiry_age() == 600


def test_hotel_and_anonymous_sessions_keep_the_normal_age_and_are_not_written(client, settings):
    make_member(email="front@hotel.example.jp")
    client.post("/members/login/", {"username": "front@hotel.example.jp", "password": PASSWORD})
    client.get("/members/")
    assert "_session_expiry" not in client.session
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE

    anonymous = type(client)()
    count = Session.objects.count()
    anonymous.get("/members/login/")
    assert Session.objects.count() == count
