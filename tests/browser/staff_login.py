"""Signing demo staff into the admin in the browser suite: password, then the second factor.

The code comes from `demo_otp_code` run against the live server's database (the demo users' keys are
known there), exactly what a developer does. A code is accepted once, so each user signs in once per
session through the real forms; later tests reuse that session's cookies.
"""

from __future__ import annotations

from typing import Any

from .conftest import run_manage

_SIGNED_IN: dict[str, list[dict[str, Any]]] = {}


def log_in_staff(page: Any, live_site: str, username: str, password: str) -> None:
    """Leave `page` signed in as `username` with the second factor passed, on the admin home."""
    cookies = _SIGNED_IN.get(username)
    if cookies:
        page.context.add_cookies(cookies)
        page.goto(f"{live_site}/admin/")
        if page.url == f"{live_site}/admin/":
            return
        page.context.clear_cookies()  # expired or signed out: sign in again
    page.goto(f"{live_site}/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(f"{live_site}/admin/otp/**")
    page.locator("#id_token").fill(run_manage("demo_otp_code", username).strip())
    page.locator("#id_token").press("Enter")
    page.wait_for_url(f"{live_site}/admin/")
    _SIGNED_IN[username] = page.context.cookies()
