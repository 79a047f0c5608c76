"""The second-factor screens in Chromium: enrolment with the key as shown, verification with an error,
both axe-core clean, through the real login form."""

from __future__ import annotations

import base64
from typing import Any

from django_otp.oath import totp

from .conftest import assert_accessible, run_manage

EDITOR, EDITOR_PASSWORD = "editor", "editor-demo-2025"
MODERATOR, MODERATOR_PASSWORD = "moderator", "moderator-demo-2025"


def _password(page: Any, live_site: str, username: str, password: str) -> None:
    page.goto(f"{live_site}/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_site}/admin/otp/**")


def test_enrolment_shows_a_qr_code_and_a_key_that_an_authenticator_can_use(page: Any, live_site: str) -> None:
    run_manage("otp_reset", EDITOR)  # as after a lost phone: the next sign-in enrols again
    _password(page, live_site, EDITOR, EDITOR_PASSWORD)
    assert "/admin/otp/setup/" in page.url
    assert page.locator("figure.otp-qr svg").count() == 1
    assert_accessible(page)

    # Type the key into an "authenticator": the code it shows completes the enrolment.
    secret = page.locator("figure.otp-qr code").inner_text().replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.locator("#id_token").fill(f"{totp(key):06d}")
    page.locator("#id_token").press("Enter")
    page.wait_for_url(f"{live_site}/admin/")


def test_verification_explains_a_wrong_code_and_accepts_the_right_one(page: Any, live_site: str) -> None:
    _password(page, live_site, MODERATOR, MODERATOR_PASSWORD)
    assert_accessible(page)
    code = run_manage("demo_otp_code", MODERATOR).strip()
    wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
    page.locator("#id_token").fill(wrong)
    page.locator("#id_token").press("Enter")
    page.wait_for_load_state()
    assert "確認コードが正しくありません" in page.content()
    assert_accessible(page)
    page.wait_for_timeout(1100)  # the device's back-off after one failure is one second
    page.locator("#id_token").fill(run_manage("demo_otp_code", MODERATOR).strip())
    page.locator("#id_token").press("Enter")
    page.wait_for_url(f"{live_site}/admin/")
