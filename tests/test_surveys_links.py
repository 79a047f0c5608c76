"""回答リンク・QR コード: per-facility links, QR downloads, printable cards and response rates for staff,
and the hotel's own QR codes in the members area."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims.models import Claim, ClaimLine, ClaimStatus
from surveys import admin_links, qr
from surveys.models import Response, ResponseSource
from surveys.versions import current_version

from .factories import FacilityFactory, ParticipationFactory, SurveyFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    return SurveyFactory()


def _facility(survey, name: str, kana: str, **kwargs):
    participation = ParticipationFactory(
        campaign=survey.campaign, facility=FacilityFactory(name=name, kana=kana, **kwargs)
    )
    return participation


def _responses(survey, facility, count: int) -> None:
    version = current_version(survey)
    for _ in range(count):
        Response.objects.create(
            survey=survey, version=version, facility=facility, source=ResponseSource.LINK, answers={}
        )


def _claim(participation, status: str, lines: int, excluded: int = 0) -> None:
    month = participation.campaign.stay_start.replace(day=1)
    claim = Claim.objects.create(
        participation=participation,
        month=month,
        status=status,
        paid_on=timezone.localdate() if status == ClaimStatus.PAID else None,
    )
    for n in range(lines + excluded):
        ClaimLine.objects.create(
            claim=claim,
            participation=participation,
            row=n + 1,
            reservation_number=f"{claim.pk}-{n}",
            booked_on=participation.campaign.stay_start - datetime.timedelta(days=3),
            check_in=participation.campaign.stay_start,
            nights=1,
            guests=1,
            total_charge=10000,
            discount=2000,
            counted_nights=1,
            max_discount=5000,
            reimbursement=2000,
            excluded=n >= lines,
        )


def _links_url(survey) -> str:
    return reverse("surveys_admin:links_survey", args=[survey.pk])


# Permissions ---------------------------------------------------------------------------------------


def test_anonymous_visitors_go_to_the_admin_login(client, survey):
    for url in (reverse("surveys_admin:links_index"), _links_url(survey)):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("role", "allowed"), [("editor", True), ("city", True), ("operator", False)])
def test_who_may_open_the_links_screens(client, survey, role, allowed):
    participation = _facility(survey, "青葉ホテル", "アオバホテル")
    user = UserFactory(role=role)
    client.force_login(user)
    code = participation.facility.code
    urls = [
        reverse("surveys_admin:links_index"),
        _links_url(survey),
        reverse("surveys_admin:links_qr_png", args=[survey.pk, code]),
        reverse("surveys_admin:links_card", args=[survey.pk, code]),
    ]
    for url in urls:
        response = client.get(url)
        assert (response.status_code == 200) is allowed, url
    assert admin_links.can_use(user) is allowed
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    assert [item.is_shown(request) for item in admin_links.menu_items()] == [allowed]


# The facility list ---------------------------------------------------------------------------------


def test_links_and_response_rates_per_facility(client, survey):
    client.force_login(UserFactory(role="city"))
    aoba = _facility(survey, "青葉ホテル", "アオバホテル", code="AOBA1")
    _facility(survey, "秋保旅館", "アキウリョカン", code="AKIU1")
    other_round = ParticipationFactory(facility=aoba.facility)  # another campaign: not counted
    _responses(survey, aoba.facility, 3)
    _responses(SurveyFactory(campaign=survey.campaign), aoba.facility, 5)  # another survey
    _claim(aoba, ClaimStatus.SUBMITTED, lines=2, excluded=1)
    _claim(aoba, ClaimStatus.PAID, lines=2)
    _claim(aoba, ClaimStatus.DRAFT, lines=4)
    _claim(aoba, ClaimStatus.RETURNED, lines=4)
    _claim(other_round, ClaimStatus.APPROVED, lines=7)
    rows = {p.facility.code: p for p in admin_links.facility_rates(survey)}
    assert (rows["AOBA1"].response_count, rows["AOBA1"].stay_count) == (3, 4)
    assert (rows["AKIU1"].response_count, rows["AKIU1"].stay_count) == (0, 0)
    assert admin_links.response_rate(3, 4) == 75.0 and admin_links.response_rate(0, 0) is None

    page = client.get(_links_url(survey)).content.decode()
    assert page.index("青葉ホテル") < page.index("秋保旅館")  # kana order
    assert "75.0%" in page and "—" in page
    assert f"/survey/{survey.slug}/f/AOBA1/" in page
    assert "提出済み・確認中・承認済み・支払済み" in page  # the help text says what is counted
    assert "秋保旅館" not in client.get(_links_url(survey), {"q": "aoba"}).content.decode()
    assert "青葉ホテル" not in client.get(_links_url(survey), {"q": "秋保"}).content.decode()


def test_the_list_costs_the_same_queries_for_many_facilities(client, survey):
    client.force_login(UserFactory(role="editor"))
    _facility(survey, "一", "イチ")
    client.get(_links_url(survey))
    with CaptureQueriesContext(connection) as one:
        client.get(_links_url(survey))
    for n in range(6):
        participation = _facility(survey, f"施設{n}", f"シセツ{n}")
        _responses(survey, participation.facility, 1)
        _claim(participation, ClaimStatus.APPROVED, lines=1)
    with CaptureQueriesContext(connection) as many:
        response = client.get(_links_url(survey))
    assert response.status_code == 200 and "100.0%" in response.content.decode()
    assert len(many) == len(one)


def test_the_list_pages_by_fifty(client, survey):
    client.force_login(UserFactory(role="editor"))
    for n in range(51):
        _facility(survey, f"施設{n:02d}", f"シセツ{n:02d}")
    page = client.get(_links_url(survey)).content.decode()
    assert "51施設" in page and "施設49" in page and "施設50" not in page
    assert "施設50" in client.get(_links_url(survey), {"page": 2}).content.decode()


# Downloads -----------------------------------------------------------------------------------------


def test_qr_downloads_and_the_card(client, survey):
    client.force_login(UserFactory(role="editor"))
    code = _facility(survey, "青葉ホテル", "アオバホテル", code="AOBA1").facility.code
    png = client.get(reverse("surveys_admin:links_qr_png", args=[survey.pk, code]))
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert f"survey-qr-{survey.slug}-AOBA1.png" in png["Content-Disposition"]
    svg = client.get(reverse("surveys_admin:links_qr_svg", args=[survey.pk, code]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert f"/survey/{survey.slug}/f/AOBA1/".encode() in svg.content  # the SVG's title is the URL
    card = client.get(reverse("surveys_admin:links_card", args=[survey.pk, code])).content.decode()
    assert "青葉ホテル" in card and survey.title in card and 'class="qr-code"' in card
    assert f"/survey/{survey.slug}/f/AOBA1/" in card and "抽選で景品" in card and 'lang="en"' in card
    assert "css/survey-card.css" in card  # the A6 @page rules, as a file for the CSP
    other = FacilityFactory()
    assert client.get(reverse("surveys_admin:links_qr_png", args=[survey.pk, other.code])).status_code == 404


def test_the_qr_code_holds_the_link_with_error_correction_m(survey):
    participation = _facility(survey, "青葉ホテル", "アオバホテル", code="AOBA1")
    url = qr.survey_link(survey, participation.facility, "https://stay.example.jp")
    assert url == f"https://stay.example.jp/survey/{survey.slug}/f/AOBA1/"
    code = qr.make_qr(url)
    assert code.error == "M" and not code.is_micro


# Members area: the hotel's own QR codes ------------------------------------------------------------


def test_the_hotel_downloads_qr_codes_of_its_own_facility(client, survey):
    user = make_member()
    participation = _facility(survey, "青葉ホテル", "アオバホテル", business=user.membership.business)
    closed = SurveyFactory(campaign=survey.campaign, closes_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(user)
    facility = participation.facility
    page = client.get(reverse("members:facility_detail", args=[facility.pk])).content.decode()
    assert "アンケート用 QR コード" in page and survey.title in page and closed.title not in page
    png = client.get(reverse("members:facility_survey_qr", args=[facility.pk, survey.pk, "png"]))
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert "no-store" in png["Cache-Control"]
    svg = client.get(reverse("members:facility_survey_qr", args=[facility.pk, survey.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml"
    card = client.get(reverse("members:facility_survey_qr", args=[facility.pk, survey.pk, "card"]))
    assert "青葉ホテル" in card.content.decode()
    for args in ([facility.pk, closed.pk, "png"], [facility.pk, survey.pk, "gif"]):
        assert client.get(reverse("members:facility_survey_qr", args=args)).status_code == 404
    elsewhere = SurveyFactory()  # a campaign the facility does not take part in
    url = reverse("members:facility_survey_qr", args=[facility.pk, elsewhere.pk, "png"])
    assert client.get(url).status_code == 404
