"""The survey staff screens in the admin (results, links and QR codes, the lottery): axe-core clean."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import assert_accessible
from .staff_login import log_in_staff

REVIEWER, PASSWORD = "reviewer", "reviewer-demo-2025"  # seeded by seed_demo (README): results and lottery
SURVEY_TITLE = "利用者アンケート"  # the demo survey (surveys/demo.py)


@pytest.mark.parametrize(
    "index", ["/admin/surveys/results/", "/admin/surveys/links/", "/admin/surveys/lottery/"]
)
def test_survey_staff_screens_have_no_axe_violations(page: Any, live_site: str, index: str) -> None:
    log_in_staff(page, live_site, REVIEWER, PASSWORD)
    response = page.goto(f"{live_site}{index}")
    assert response is not None and response.status == 200
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("main a", has_text=SURVEY_TITLE).first.click()
    assert SURVEY_TITLE in page.content()
    assert_accessible(page)


def test_cross_tab_and_the_entry_list_have_no_axe_violations(page: Any, live_site: str) -> None:
    log_in_staff(page, live_site, REVIEWER, PASSWORD)
    page.goto(f"{live_site}/admin/surveys/results/")
    with page.expect_navigation():
        page.locator("main a", has_text=SURVEY_TITLE).first.click()
    rows, columns = page.locator("select").nth(-2), page.locator("select").nth(-1)
    rows.select_option(index=1)
    columns.select_option(index=2)
    with page.expect_navigation():
        page.locator("button", has_text="集計する").click()
    assert page.locator("table").count() > 1
    assert_accessible(page)

    page.goto(f"{live_site}/admin/surveys/lottery/")
    with page.expect_navigation():
        page.locator("main a", has_text=SURVEY_TITLE).first.click()
    with page.expect_navigation():
        page.locator("main a", has_text="応募者一覧").click()
    assert "応募番号" in page.content()
    assert_accessible(page)
