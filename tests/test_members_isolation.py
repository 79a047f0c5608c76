"""A hotel user sees only its own business: every members URL with another business's ids is a 404
(never a 403 or data), and anonymous visitors are sent to the members login."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse
from django.utils import timezone

from claims import services as claim_services
from claims.claim_file import template_csv
from members import claim_uploads
from members import urls as members_urls
from participants.models import ParticipantNotice

from .factories import (
    ApplicationFacilityFactory,
    CampaignFactory,
    FacilityFactory,
    ParticipationFactory,
    SurveyFactory,
    complete_application,
    make_member,
)

pytestmark = pytest.mark.django_db

# Routes whose parameter is not an object of a business (tokens, a campaign anyone may apply to).
NOT_OWNED = {"verify", "invitation", "password_reset_confirm", "application_start"}


def _owned_routes() -> set[str]:
    return {
        pattern.name
        for pattern in members_urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.pattern.converters and pattern.name not in NOT_OWNED
    }


@pytest.fixture
def world():
    """Business A (logged in) and business B, each with an application, an entry, documents, a facility."""
    a = complete_application()
    b = complete_application()
    b_facility = FacilityFactory(business=b.business)
    b_notice = ParticipantNotice.objects.create(
        title="B だけのお知らせ", body="<p>B</p>", campaign=b.campaign
    )
    b_participation = ParticipationFactory(facility=b_facility, campaign=CampaignFactory())
    today = timezone.localdate()
    b_claim = claim_services.upload(
        b_participation, today, template_csv(), "b.csv", None, claim_date=today
    ).claim  # a draft (the template's example stay is rejected, so it has no lines)
    claim_uploads.keep(b_claim, template_csv(), "b.csv", today)
    b_survey = SurveyFactory(campaign=b_participation.campaign)  # its アンケート用 QR コード
    return {
        "a": a,
        "a_user": make_member(a.business),
        "b": b,
        "b_entry": b.facilities.get(),
        "b_document": b.documents.first(),
        "b_facility": b_facility,
        "b_notice": b_notice,
        "b_participation": b_participation,
        "b_claim": b_claim,
        "b_survey": b_survey,
    }


def _foreign_urls(w) -> dict[str, list[str]]:
    """Every owned route with B's objects; where a route nests, also A's application with B's child."""
    b, a = w["b"].pk, w["a"].pk
    entry, document = w["b_entry"].pk, w["b_document"].pk
    m = "members:"
    return {
        "application": [reverse(m + "application", args=[b])],
        "application_business": [reverse(m + "application_business", args=[b])],
        "application_facilities": [reverse(m + "application_facilities", args=[b])],
        "entry_add": [reverse(m + "entry_add", args=[b])],
        "entry_edit": [
            reverse(m + "entry_edit", args=[b, entry]),
            reverse(m + "entry_edit", args=[a, entry]),
        ],
        "entry_delete": [
            reverse(m + "entry_delete", args=[b, entry]),
            reverse(m + "entry_delete", args=[a, entry]),
        ],
        "application_bank": [reverse(m + "application_bank", args=[b])],
        "application_documents": [reverse(m + "application_documents", args=[b])],
        "document_download": [
            reverse(m + "document_download", args=[b, document]),
            reverse(m + "document_download", args=[a, document]),
        ],
        "document_delete": [
            reverse(m + "document_delete", args=[b, document]),
            reverse(m + "document_delete", args=[a, document]),
        ],
        "application_pledges": [reverse(m + "application_pledges", args=[b])],
        "application_submit": [reverse(m + "application_submit", args=[b])],
        "facility_detail": [reverse(m + "facility_detail", args=[w["b_facility"].pk])],
        "facility_survey_qr": [
            reverse(m + "facility_survey_qr", args=[w["b_facility"].pk, w["b_survey"].pk, "png"]),
            reverse(m + "facility_survey_qr", args=[w["b_facility"].pk, w["b_survey"].pk, "card"]),
        ],
        "notice_detail": [reverse(m + "notice_detail", args=[w["b_notice"].pk])],
        **{
            name: [reverse(m + name, args=[w["b_participation"].pk])]
            for name in ("participation_claims", "claim_new", "claim_entry_new", "sold_out")
        },
        **{
            name: [reverse(m + name, args=[w["b_claim"].pk])]
            for name in (
                "claim_detail",
                "claim_upload",
                "claim_entry",
                "claim_result",
                "claim_result_csv",
                "claim_submit",
            )
        },
    }


def test_every_owned_route_is_checked(world):
    assert set(_foreign_urls(world)) == _owned_routes()


def test_another_business_objects_are_404(client, world):
    client.force_login(world["a_user"])
    b = world["b"]
    before = (b.status, b.bank_code, b.facilities.count(), b.documents.count())
    for name, urls in _foreign_urls(world).items():
        for url in urls:
            for method in ("get", "post"):
                response = getattr(client, method)(url, {"bank_code": "9999", "name": "x"})
                assert response.status_code == 404, (
                    f"{method.upper()} {url} ({name}) → {response.status_code}"
                )
                assert b.business.name not in response.content.decode()
    b.refresh_from_db()
    assert (b.status, b.bank_code, b.facilities.count(), b.documents.count()) == before
    claim, participation = world["b_claim"], world["b_participation"]
    claim.refresh_from_db()
    participation.refresh_from_db()
    assert claim.status == "draft" and participation.sold_out_at is None


def test_the_same_urls_work_for_the_owner(client, world):
    """Guards the 404s above: with B's own user every GET answers (so the ids are real)."""
    client.force_login(make_member(world["b"].business))
    for name, urls in _foreign_urls(world).items():
        response = client.get(urls[0])
        assert response.status_code == 200, f"GET {urls[0]} ({name}) → {response.status_code}"


def test_a_own_pages_never_show_b(client, world):
    client.force_login(world["a_user"])
    ApplicationFacilityFactory(application=world["b"], name="B社の秘密の別館")
    for url in ("/members/", "/members/notices/", "/members/manual/", "/members/users/", "/members/claims/"):
        page = client.get(url).content.decode()
        assert world["b"].business.name not in page and "B社の秘密の別館" not in page
        assert "B だけのお知らせ" not in page


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_anonymous_visitors_are_sent_to_login(client, world, prefix):
    urls = [url for group in _foreign_urls(world).values() for url in group]
    urls += [reverse("members:dashboard"), reverse("members:notice_list"), reverse("members:manual")]
    urls += [reverse("members:users"), reverse("members:business_create")]
    urls += [reverse("members:claims"), reverse("members:claim_template")]
    urls += [reverse("members:application_start", args=[world["a"].campaign_id])]
    for url in urls:
        url = prefix + url
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{prefix}/members/login/?next={url}", url


def test_documents_of_the_own_business_download_privately(client, world):
    client.force_login(world["a_user"])
    document = world["a"].documents.get(kind="passbook_copy")
    response = client.get(reverse("members:document_download", args=[world["a"].pk, document.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
