"""The city's dashboard in the admin: axe-core clean after a real sign-in as the demo city user, and
its figures lead to their detail screens, which are clean too."""

from __future__ import annotations

from typing import Any

from .conftest import assert_accessible
from .staff_login import log_in_staff

CITY, PASSWORD = "city", "city-demo-2025"  # seeded by seed_demo (README)
DASHBOARD = "/admin/city-dashboard/"


def test_the_city_dashboard_has_no_axe_violations(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, CITY, PASSWORD)
    response = page.goto(f"{live_site}{DASHBOARD}")
    assert response is not None and response.status == 200
    for heading in (
        "参加申込の状況",
        "予算の状況",
        "実績報告の状況",
        "問い合わせの件数",
        "アンケートの回答数",
        "発注者確認待ち",
    ):
        assert page.locator("h2", has_text=heading).count() == 1, heading
    # Every chart is an image with a name, followed by its table.
    for chart in page.locator("main svg[role=img]").all():
        assert chart.get_attribute("aria-labelledby")
    assert_accessible(page)

    # The 30-day window and the menu's way in.
    page.locator("#dashboard-days").select_option("30")
    with page.expect_navigation():
        page.locator("main button", has_text="表示する").click()
    assert "days=30" in page.url
    assert_accessible(page)


def test_the_city_follows_a_figure_to_its_detail(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, CITY, PASSWORD)
    page.goto(f"{live_site}{DASHBOARD}")
    with page.expect_navigation():
        page.locator("main a", has_text="発注者確認の案件を開く").click()
    assert "/admin/participants/escalations/" in page.url
    assert_accessible(page)
