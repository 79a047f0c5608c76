"""The public survey in the browser, in Japanese and English: axe-core clean on the first page, on a
page with errors and on the thank-you page with the lottery form; answered without JavaScript help.

A two-page survey with a lottery and its English translation is created in the live server's
database (`run_manage`).
"""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import assert_accessible, run_manage

SLUG = "browser-survey"

SETUP = f"""
import datetime
from django.utils import timezone
from wagtail.models import Locale
from campaigns.models import Campaign
from surveys.blocks import page_break_data, question_data
from surveys.models import Survey
today = timezone.localdate()
campaign, _ = Campaign.objects.get_or_create(slug="browser-survey-round", defaults=dict(
    name="ブラウザ試験用 アンケートの回", name_en="Browser test survey round",
    stay_start=today - datetime.timedelta(days=10), stay_end=today + datetime.timedelta(days=30),
    application_start=today - datetime.timedelta(days=60),
    application_end=today - datetime.timedelta(days=11)))
ja = Locale.get_default()
if not Survey.objects.filter(locale=ja, slug="{SLUG}").exists():
    survey = Survey.objects.create(
        locale=ja, campaign=campaign, slug="{SLUG}", title="ブラウザ試験用アンケート",
        intro="<p>ご宿泊の感想をお聞かせください。</p>", thank_you="<p>ご協力ありがとうございました。</p>",
        opens_at=timezone.now() - datetime.timedelta(days=1),
        closes_at=timezone.now() + datetime.timedelta(days=30),
        lottery_enabled=True, prize_description="仙台の特産品（抽選で10名様）",
        questions=[
            question_data("stay_month", "宿泊した月"),
            question_data("prefecture", "お住まいの都道府県", help_text="海外にお住まいの方は「海外」"),
            question_data("age_group", "年代"),
            page_break_data("ご感想"),
            question_data("single_choice", "旅行の目的", choices=["観光", "仕事"]),
            question_data("multiple_choice", "訪れた場所", choices=["青葉城址", "秋保温泉"], required=False),
            question_data("rating", "満足度", low_label="不満", high_label="満足"),
            question_data("free_text", "ご意見・ご感想", required=False, multiline=True),
        ],
    )
    english = survey.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title = "Browser test survey"
    raw = list(english.questions.raw_data)
    raw[0]["value"]["label"] = "Month of your stay"
    english.questions = raw
    english.save()
print("ok")
"""


@pytest.fixture(scope="module")
def survey_site(live_site: str) -> str:
    run_manage("shell", "-c", SETUP)
    return live_site


def _check(page: Any, lang: str) -> None:
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").count() == 1, "every page has exactly one h1"
    assert_accessible(page)


def _fill_page(page: Any) -> None:
    """Answer every select and radio group on the page (the first real option of each)."""
    page.evaluate(
        """() => {
            document.querySelectorAll("form.survey-form select").forEach(s => { s.selectedIndex = 1; });
            const names = new Set([...document.querySelectorAll("form.survey-form input[type=radio]")]
                .map(input => input.name));
            names.forEach(name => { document.querySelector(`input[name="${name}"]`).checked = true; });
        }"""
    )


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_first_page_is_accessible(page: Any, survey_site: str, prefix: str) -> None:
    response = page.goto(f"{survey_site}{prefix}/survey/{SLUG}/")
    assert response is not None and response.status == 200
    text = page.locator("main").inner_text()
    assert ("Month of your stay" in text) is bool(prefix)
    assert page.locator("progress").count() == 1
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_page_with_errors_is_accessible_and_linked(page: Any, survey_site: str, prefix: str) -> None:
    page.goto(f"{survey_site}{prefix}/survey/{SLUG}/")
    page.locator("button[value=next]").click()
    page.wait_for_selector(".error-summary")
    select = page.locator("form.survey-form select").first
    assert select.get_attribute("aria-invalid") == "true"
    select_id = select.get_attribute("id")
    assert f"{select_id}_error" in select.get_attribute("aria-describedby")
    page.locator(f".error-summary a[href='#{select_id}']").click()
    assert page.evaluate("() => document.activeElement.id") == select_id
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_thank_you_page_with_the_lottery_form_is_accessible(page: Any, survey_site: str, prefix: str) -> None:
    page.goto(f"{survey_site}{prefix}/survey/{SLUG}/")
    _fill_page(page)
    page.locator("button[value=next]").click()
    page.wait_for_url(f"{survey_site}{prefix}/survey/{SLUG}/?page=2")
    _check(page, "en" if prefix else "ja")
    _fill_page(page)
    page.locator("button[value=submit]").click()
    page.wait_for_url(f"{survey_site}{prefix}/survey/{SLUG}/thanks/")
    assert page.locator("#id_postal_code").count() == 1
    _check(page, "en" if prefix else "ja")
    page.locator("#id_email").fill("not-an-address")
    page.locator("form.survey-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_email").get_attribute("aria-invalid") == "true"
    _check(page, "en" if prefix else "ja")


def test_survey_pages_reflow_at_320px(browser: Any, survey_site: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        for path in (f"/survey/{SLUG}/", f"/survey/{SLUG}/?page=2"):
            page.goto(f"{survey_site}{path}")
            if "page=2" in path:
                page.goto(f"{survey_site}/survey/{SLUG}/")
                _fill_page(page)
                page.locator("button[value=next]").click()
                page.wait_for_url(f"{survey_site}{path}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, f"{path} is {width}px wide at 320px"
    finally:
        context.close()
