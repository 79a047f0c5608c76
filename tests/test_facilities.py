"""Facility data: the stored search text, sales state changes and the staff sales screen."""

import pytest
from django.urls import reverse

from facilities.models import Area, Feature, Participation, Ward
from facilities.services import mark_sold_out, resume_sales

from .factories import FacilityFactory, ParticipationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_search_text_is_normalised_and_covers_taxonomy_and_features(seeded):
    facility = FacilityFactory(
        name="ホテル秋保",
        kana="ホテルアキウ",
        area_slug="akiu-onsen",
        feature_slugs=["onsen", "wifi"],
        description="源泉かけ流しの露天風呂",
    )
    text = facility.search_text
    for expected in (
        "ほてる秋保",
        "ほてるあきう",
        "秋保温泉",
        "akiu onsen",
        "温泉",
        "wi-fi",
        "露天風呂",
        "青葉区",
    ):
        assert expected in text, expected


def test_search_text_follows_feature_changes(seeded):
    facility = FacilityFactory()
    facility.features.set([Feature.objects.get(slug="pets")])
    facility.refresh_search_text()
    facility.refresh_from_db()
    assert "ぺっと同伴可" in facility.search_text


def test_sold_out_records_who_and_when_and_keeps_the_first_date(seeded):
    participation = ParticipationFactory()
    user = UserFactory(role="reviewer")
    assert mark_sold_out(participation, user)
    first = participation.sold_out_at
    assert participation.sold_out and participation.sold_out_by == user
    assert not mark_sold_out(participation, UserFactory(role="accountant"))
    participation.refresh_from_db()
    assert participation.sold_out_at == first and participation.sold_out_by == user
    assert resume_sales(participation)
    assert not participation.sold_out and participation.sold_out_by is None


def test_a_facility_takes_part_in_a_campaign_once(seeded):
    participation = ParticipationFactory()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Participation.objects.create(
            facility=participation.facility,
            campaign=participation.campaign,
            approved_on=participation.approved_on,
        )


def test_taxonomy_in_use_cannot_be_deleted(seeded):
    from django.db.models import ProtectedError

    FacilityFactory(area_slug="downtown")
    with pytest.raises(ProtectedError):
        Area.objects.get(slug="downtown").delete()


@pytest.mark.parametrize(
    ("role", "allowed"), [("reviewer", True), ("accountant", True), ("editor", False), ("operator", False)]
)
def test_sales_screen_permissions(client, seeded, role, allowed):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("facilities_sales"))
    assert (response.status_code == 200) is allowed


def test_staff_mark_sold_out_after_confirming(client, seeded):
    participation = ParticipationFactory()
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)
    url = reverse("facilities_sales_change", args=[participation.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and participation.facility.name in confirm.content.decode()
    participation.refresh_from_db()
    assert not participation.sold_out, "GET only asks for confirmation"
    response = client.post(url)
    assert response.status_code == 302
    participation.refresh_from_db()
    assert participation.sold_out and participation.sold_out_by == reviewer
    listing = client.get(
        reverse("facilities_sales") + f"?campaign={participation.campaign.slug}&status=sold_out"
    )
    assert participation.facility.name in listing.content.decode()
    client.post(url)
    participation.refresh_from_db()
    assert not participation.sold_out


def test_sales_screen_for_an_unknown_participation_is_404(client, seeded):
    client.force_login(UserFactory(role="reviewer"))
    assert client.get(reverse("facilities_sales_change", args=[999999])).status_code == 404


def test_facility_admin_list_search_and_filter(client, seeded):
    FacilityFactory(name="杜の都ホテル", code="F-1", ward_slug="izumi")
    FacilityFactory(name="別のホテル", code="F-2")
    client.force_login(UserFactory(role="editor"))
    url = reverse("wagtailsnippets_facilities_facility:list")
    body = client.get(url, {"q": "杜の都"}).content.decode()
    assert "杜の都ホテル" in body and "別のホテル" not in body
    body = client.get(url, {"ward": Ward.objects.get(slug="izumi").pk}).content.decode()
    assert "杜の都ホテル" in body and "別のホテル" not in body


def test_refresh_search_text_also_stores_the_features(seeded):
    facility = FacilityFactory()
    facility.features.set([Feature.objects.get(slug="onsen"), Feature.objects.get(slug="pets")])
    facility.refresh_search_text()
    from facilities.models import Facility

    stored = Facility.objects.get(pk=facility.pk)
    assert set(stored.features.values_list("slug", flat=True)) == {"onsen", "pets"}
    assert "温泉" in stored.search_text


def test_renaming_a_term_updates_the_search_text_of_its_facilities(seeded):
    from facilities.models import Facility

    facility = FacilityFactory(area_slug="akiu-onsen", feature_slugs=["pets"])
    other = FacilityFactory(area_slug="downtown")
    area = Area.objects.get(slug="akiu-onsen")
    area.name = "秋保温泉郷"
    area.save()
    feature = Feature.objects.get(slug="pets")
    feature.name = "わんちゃん歓迎"
    feature.save()
    assert "秋保温泉郷" in Facility.objects.get(pk=facility.pk).search_text
    assert "わんちゃん歓迎" in Facility.objects.get(pk=facility.pk).search_text
    assert "秋保温泉郷" not in Facility.objects.get(pk=other.pk).search_text
