"""The call center's operator screens in the Wagtail admin: axe-core clean, usable from the keyboard."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import assert_accessible
from .staff_login import log_in_staff

OPERATOR, PASSWORD = "operator", "operator-demo-2025"  # seeded by seed_demo (README)
SCREENS = [
    "/admin/inquiries/new/",
    "/admin/inquiries/",
    "/admin/inquiries/?q=温泉&status=done",
    "/admin/inquiries/queue/",
    "/admin/inquiries/reports/",
]


def _log_in(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, OPERATOR, PASSWORD)


@pytest.mark.parametrize("path", SCREENS)
def test_operator_screens_have_no_axe_violations(page: Any, live_site: str, path: str) -> None:
    _log_in(page, live_site)
    response = page.goto(f"{live_site}{path}")
    assert response is not None and response.status == 200
    assert_accessible(page)


def test_record_detail_and_form_errors_are_accessible(page: Any, live_site: str) -> None:
    _log_in(page, live_site)
    page.goto(f"{live_site}/admin/inquiries/")
    page.locator("table.listing tbody a").first.click()
    page.wait_for_url("**/admin/inquiries/*/")
    assert_accessible(page)

    page.goto(f"{live_site}/admin/inquiries/new/")
    page.locator("#id_facility_text").fill("NOPE99")
    with page.expect_navigation():
        page.locator("button[type=submit]", has_text="保存して次の記録へ").click()
    assert "NOPE99" in page.content()
    assert_accessible(page)


def test_the_form_is_keyboard_first_and_a_quick_tally_is_one_key_press(page: Any, live_site: str) -> None:
    _log_in(page, live_site)
    page.goto(f"{live_site}/admin/inquiries/new/")
    # The cursor starts in the form: the first channel choice has focus.
    assert page.evaluate("() => document.activeElement.name") == "channel"
    button = page.locator("#quick-tally button[name=cell]").first
    button.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "簡易集計に1件加えました" in page.content()
    undo = page.locator("#quick-tally button", has_text="最後の1件を取り消す")
    undo.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "取り消しました" in page.content()
