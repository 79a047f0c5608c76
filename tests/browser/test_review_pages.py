"""The back office's review and settlement screens (参加申込の審査, 実績報告・精算): axe-core clean.

Each screen is opened after a real sign-in as the demo role that works on it, and the detail screens
are reached by following the list's first link, as a reviewer or accountant does.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from .conftest import assert_accessible
from .staff_login import log_in_staff

# Demo staff seeded by seed_demo (README "Demo data").
REVIEWER = ("reviewer", "reviewer-demo-2025")
ACCOUNTANT = ("accountant", "accountant-demo-2025")
CITY = ("city", "city-demo-2025")


def _open(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert_accessible(page)


@pytest.mark.parametrize(
    ("user", "path"),
    [
        (REVIEWER, "/admin/participants/"),
        (CITY, "/admin/participants/escalations/"),
        (REVIEWER, "/admin/claims/"),
        (ACCOUNTANT, "/admin/claims/allocations/"),
        (ACCOUNTANT, "/admin/claims/dashboard/"),
        (ACCOUNTANT, "/admin/claims/months/"),
        (ACCOUNTANT, "/admin/claims/payments/"),
    ],
)
def test_review_and_settlement_lists_have_no_axe_violations(
    page: Any, live_site: str, user: tuple[str, str], path: str
) -> None:
    log_in_staff(page, live_site, *user)
    _open(page, f"{live_site}{path}")


def test_an_application_under_review_has_no_axe_violations(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, *REVIEWER)
    _open(page, f"{live_site}/admin/participants/")
    link = page.locator("main table a[href*='/admin/participants/applications/']").first
    with page.expect_navigation():
        link.click()
    assert re.search(r"/admin/participants/applications/[0-9a-f-]{36}/$", page.url), page.url
    assert_accessible(page)


def test_a_claim_under_review_has_no_axe_violations(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, *REVIEWER)
    _open(page, f"{live_site}/admin/claims/")
    link = page.locator("main table a[href*='/admin/claims/']").first
    with page.expect_navigation():
        link.click()
    assert re.search(r"/admin/claims/[0-9a-f-]{36}/$", page.url), page.url
    assert_accessible(page)


def test_the_participant_data_reminder_export_and_freeze_have_no_axe_violations(
    page: Any, live_site: str
) -> None:
    """The dashboard's reminder, the export screen, the confirmation and the frozen result (issue 19).
    The demo's running round was frozen before its late imports (its screen shows the 差分); the
    freeze is made through the real forms on the spec round, which has its imported facilities."""
    log_in_staff(page, live_site, *REVIEWER)
    response = page.goto(f"{live_site}/admin/")
    assert response is not None and response.status == 200
    assert "参加事業者データ（確定版）の納品" in page.content()  # demo-next's, due with its applications
    assert_accessible(page)
    _open(page, f"{live_site}/admin/participants/export/")
    assert "確定版からの変更" in page.content() and "確定版をダウンロード" in page.content()
    assert_accessible(page)
    _open(page, f"{live_site}/admin/participants/export/?campaign=sendai-2025")
    with page.expect_navigation():
        page.get_by_role("link", name="確定版として保存する…").click()
    assert "/admin/participants/export/freeze/" in page.url
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("button", name="確定版として保存する").click()
    assert "確定版として保存しました" in page.content() and "確定版をダウンロード" in page.content()
    # Checked again without Wagtail's own success message, whose green fails the contrast check.
    page.reload()
    assert "確定版からの変更" in page.content()
    assert_accessible(page)
