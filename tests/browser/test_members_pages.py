"""The members area in the browser, in Japanese and English: axe-core clean, one h1, forms with errors.

A hotel user with a business, a draft application, an open round and a notice is created in the live
server's database (`run_manage`); each test logs in through the real login form.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import assert_accessible, run_manage

EMAIL = "browser-hotel@example.jp"
PASSWORD = "browser-Hotel-2025"

SETUP = f"""
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from campaigns.models import Campaign
from participants.models import Application, Business, Membership, ParticipantNotice
today = timezone.localdate()
open_round, _ = Campaign.objects.get_or_create(slug="browser-open", defaults=dict(
    name="ブラウザ試験用 募集中の回", name_en="Browser test open round",
    stay_start=today + datetime.timedelta(days=30), stay_end=today + datetime.timedelta(days=60),
    application_start=today - datetime.timedelta(days=5),
    application_end=today + datetime.timedelta(days=20)))
business, _ = Business.objects.get_or_create(name="株式会社ブラウザ試験ホテル", defaults=dict(
    representative="試験 太郎", postal_code="980-0811", address="仙台市青葉区一番町1-1-1",
    contact_person="試験 花子", phone="022-000-0000", email="{EMAIL}"))
user = get_user_model().objects.filter(username="{EMAIL}").first()
if user is None:
    user = get_user_model().objects.create_user("{EMAIL}", "{EMAIL}", "{PASSWORD}", first_name="試験 花子")
    Membership.objects.create(user=user, business=business, is_owner=True)
application, _ = Application.objects.get_or_create(campaign=open_round, business=business)
ParticipantNotice.objects.get_or_create(title="実績報告の提出方法", defaults=dict(
    body="<p>毎月の実績報告は翌月10日までに提出してください。</p>", live=True))
ParticipantNotice.objects.get_or_create(title="割引販売の始め方", defaults=dict(
    body="<h3>準備</h3><p>登録決定の通知のあとに販売を始めます。</p>", live=True, is_manual=True))
print(json.dumps({{"application": str(application.pk)}}))
"""


@pytest.fixture(scope="module")
def member_data(live_site: str) -> dict[str, str]:
    return json.loads(run_manage("shell", "-c", SETUP).strip().splitlines()[-1])


def _log_in(
    page: Any, live_site: str, prefix: str = "", email: str = EMAIL, password: str = PASSWORD
) -> None:
    page.goto(f"{live_site}{prefix}/members/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_url(f"{live_site}{prefix}/members/")


def _check(page: Any, lang: str) -> None:
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("h1").count() == 1, "every page has exactly one h1"
    assert_accessible(page)


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", ["/members/login/", "/members/signup/", "/members/password-reset/"])
def test_public_members_pages_are_accessible(page: Any, live_site: str, prefix: str, path: str) -> None:
    response = page.goto(f"{live_site}{prefix}{path}")
    assert response is not None and response.status == 200
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_sign_up_errors_are_accessible_and_linked(page: Any, live_site: str, prefix: str) -> None:
    page.goto(f"{live_site}{prefix}/members/signup/")
    page.locator("#id_email").fill("not-an-address")
    page.locator("#id_password1").fill("browser-Hotel-2025")
    page.locator("#id_password2").fill("something-else-2025")
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#id_password2").get_attribute("aria-invalid") == "true"
    assert "id_password2_error" in page.locator("#id_password2").get_attribute("aria-describedby")
    page.locator(".error-summary a[href='#id_password2']").click()
    assert page.evaluate("() => document.activeElement.id") == "id_password2"
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize(
    "path",
    [
        "/members/",
        "/members/applications/{application}/",
        "/members/applications/{application}/business/",
        "/members/applications/{application}/facilities/",
        "/members/applications/{application}/facilities/add/",
        "/members/applications/{application}/documents/",
        "/members/applications/{application}/pledges/",
        "/members/applications/{application}/submit/",
        "/members/notices/",
        "/members/manual/",
        "/members/users/",
    ],
)
def test_member_pages_are_accessible(
    page: Any, live_site: str, member_data: dict[str, str], prefix: str, path: str
) -> None:
    _log_in(page, live_site, prefix)
    response = page.goto(f"{live_site}{prefix}{path.format(**member_data)}")
    assert response is not None and response.status == 200
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_section_form_with_errors_is_accessible(
    page: Any, live_site: str, member_data: dict[str, str], prefix: str
) -> None:
    _log_in(page, live_site, prefix)
    page.goto(f"{live_site}{prefix}/members/applications/{member_data['application']}/bank/")
    page.locator("#id_bank_code").fill("00A1")
    page.locator("#id_account_holder").fill("仙台 太郎")
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert "00A1" == page.locator("#id_bank_code").input_value()
    assert "仙、台、太、郎" in page.locator("#id_account_holder_error").inner_text()
    _check(page, "en" if prefix else "ja")


def test_member_pages_reflow_at_320px(browser: Any, live_site: str, member_data: dict[str, str]) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 800})
    page = context.new_page()
    try:
        _log_in(page, live_site)
        for path in ("/members/", "/members/applications/{application}/facilities/add/"):
            page.goto(f"{live_site}{path.format(**member_data)}")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 320, f"{path} is {width}px wide at 320px"
    finally:
        context.close()


# Claims (実績報告) of the demo hotel user: facilities D001 and D002 in the running round, with an
# allocation and demo claims in several states (claims/demo.py).
DEMO_HOTEL = ("hotel-approved@example.jp", "hotel-demo-2025")
CLAIMS_SETUP = """
import json
from claims.models import Claim
from facilities.models import Participation
participation = Participation.objects.select_related("campaign").get(
    facility__code="D001", campaign__slug="demo-current")
returned = Claim.objects.filter(participation=participation, status="returned").first()
print(json.dumps({"participation": participation.pk, "returned": str(returned.pk),
    "check_in": participation.campaign.stay_start.isoformat(),
    "booked_on": participation.approved_on.isoformat()}))
"""


@pytest.fixture(scope="module")
def claims_data(live_site: str) -> dict[str, str]:
    return json.loads(run_manage("shell", "-c", CLAIMS_SETUP).strip().splitlines()[-1])


def _claim_file(data: dict[str, str]) -> bytes:
    header = "予約番号,予約日,チェックイン日,泊数,人数,宿泊料金,割引額,販売経路,居住都道府県"
    rows = [
        f"BROWSER-{n},{data['booked_on']},{data['check_in']},2,2,40000,8000,直販,宮城県" for n in range(3)
    ]
    rows += [f"BROWSER-X{n},{data['booked_on']},{data['check_in']},2,2,40000,9000,OTA," for n in range(3)]
    return ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8")


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize(
    "path",
    [
        "/members/claims/",
        "/members/participations/{participation}/claims/",
        "/members/participations/{participation}/claims/new/",
        "/members/participations/{participation}/claims/new/entry/",
        "/members/participations/{participation}/sold-out/",
        "/members/claims/{returned}/",
        "/members/claims/{returned}/upload/",
        "/members/claims/{returned}/submit/",
    ],
)
def test_claim_pages_are_accessible(
    page: Any, live_site: str, claims_data: dict[str, str], prefix: str, path: str
) -> None:
    _log_in(page, live_site, prefix, *DEMO_HOTEL)
    response = page.goto(f"{live_site}{prefix}{path.format(**claims_data)}")
    assert response is not None and response.status == 200
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_claim_upload_result_and_entry_are_accessible(
    page: Any, live_site: str, claims_data: dict[str, str], prefix: str
) -> None:
    _log_in(page, live_site, prefix, *DEMO_HOTEL)
    page.goto(f"{live_site}{prefix}/members/participations/{claims_data['participation']}/claims/new/")
    page.locator("#id_file").set_input_files(
        files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": _claim_file(claims_data)}]
    )
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_url("**/result/")
    assert page.locator("#rejected-caption").count() == 1 and page.locator("#accepted-caption").count() == 1
    assert page.locator("table tbody tr").count() == 6
    _check(page, "en" if prefix else "ja")
    result_url = page.url

    page.goto(result_url.replace("/result/", "/"))  # the draft with its lines and the re-upload form
    _check(page, "en" if prefix else "ja")

    page.goto(result_url.replace("/result/", "/entry/"))
    page.locator("#id_reservation_number").fill("BROWSER-FORM")
    page.locator("#id_booked_on").fill(claims_data["booked_on"])
    page.locator("#id_check_in").fill(claims_data["check_in"])
    for field, value in (("nights", "2"), ("guests", "2"), ("total_charge", "40000"), ("discount", "9999")):
        page.locator(f"#id_{field}").fill(value)
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert "8,000" in page.locator(".error-summary").inner_text()
    _check(page, "en" if prefix else "ja")


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_claim_upload_of_an_unreadable_file_is_accessible(
    page: Any, live_site: str, claims_data: dict[str, str], prefix: str
) -> None:
    _log_in(page, live_site, prefix, *DEMO_HOTEL)
    page.goto(f"{live_site}{prefix}/members/claims/{claims_data['returned']}/upload/")
    page.locator("#id_file").set_input_files(
        files=[{"name": "report.csv", "mimeType": "text/csv", "buffer": "予約番号\r\nX\r\n".encode()}]
    )
    page.locator("form.member-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    _check(page, "en" if prefix else "ja")
