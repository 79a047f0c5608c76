"""seed_demo builds the demo a newcomer sees and can run any number of times."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from wagtail.images.models import Image
from wagtail.models import Page, Site

from accounts.roles import STAFF_ROLES
from campaigns.models import Campaign
from cms.models import HomePage, NewsPage, StandardPage, TourismBanner

pytestmark = pytest.mark.django_db


def counts():
    return {
        "pages": Page.objects.count(),
        "news": NewsPage.objects.count(),
        "banners": TourismBanner.objects.count(),
        "images": Image.objects.count(),
        "campaigns": Campaign.objects.count(),
        "users": get_user_model().objects.count(),
        "sites": Site.objects.count(),
    }


def test_seed_is_idempotent(seeded):
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "Demo content is ready." in out.getvalue()


def test_seed_builds_the_site_the_spec_requires(seeded):
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)
    slugs = set(StandardPage.objects.filter(locale__language_code="ja").values_list("slug", flat=True))
    assert {"about", "how-to-use", "for-businesses", "contact", "accessibility", "privacy"} <= slugs
    assert NewsPage.objects.filter(locale__language_code="ja").count() >= 3
    assert set(TourismBanner.objects.filter(locale__language_code="ja").values_list("name", flat=True)) == {
        "せんだい旅日和",
        "仙台旅先体験コレクション",
        "仙台夜時間",
    }
    assert not Page.objects.filter(depth=2, content_type__model="page").exists(), "welcome page replaced"


def test_seed_has_a_campaign_running_today(seeded):
    campaign = Campaign.objects.current()
    assert campaign is not None
    assert campaign.status().value == "running"


def test_seed_creates_one_user_per_role_and_prints_dev_passwords(seeded):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    users = get_user_model().objects.filter(username__in=STAFF_ROLES)
    assert users.count() == len(STAFF_ROLES)
    for user in users:
        assert list(user.groups.values_list("name", flat=True)) == [user.username]
        assert f"{user.username}-demo-2025" in out.getvalue()
    assert not users.filter(is_superuser=True).exists()


def test_seed_keeps_what_editors_changed(seeded):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    about.title = "編集者が変えた題名"
    about.save_revision().publish()
    banner = TourismBanner.objects.get(locale__language_code="ja", name="仙台夜時間")
    banner.description = "編集者の説明"
    banner.save()
    call_command("seed_demo", stdout=io.StringIO())
    assert StandardPage.objects.get(pk=about.pk).title == "編集者が変えた題名"
    banner.refresh_from_db()
    assert banner.description == "編集者の説明"


def test_seed_does_not_reset_a_changed_password(seeded):
    user = get_user_model().objects.get(username="editor")
    user.set_password("a-new-long-password")
    user.save()
    call_command("seed_demo", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a-new-long-password")


def test_seed_is_refused_where_demo_data_is_not_allowed(settings, db):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="DEMO_DATA_ALLOWED"):
        call_command("seed_demo", stdout=io.StringIO())


def test_taxonomy_matches_domain_md(seeded):
    from facilities.models import Area, FacilityType, Feature, Ward

    assert list(Ward.objects.values_list("slug", flat=True)) == [
        "aoba",
        "miyagino",
        "wakabayashi",
        "taihaku",
        "izumi",
    ]
    assert list(Area.objects.values_list("slug", flat=True)) == [
        "sendai-station",
        "downtown",
        "akiu-onsen",
        "sakunami-onsen",
        "izumi-chuo",
        "other",
    ]
    assert list(FacilityType.objects.values_list("slug", flat=True)) == ["hotel", "ryokan", "simple", "other"]
    assert Feature.objects.count() == 10
    assert Feature.objects.get(slug="near-station").name == "駅から徒歩10分以内"


def test_seed_restores_a_deleted_default_term_but_keeps_renamed_ones(seeded):
    from facilities.models import Feature, Ward

    Feature.objects.filter(slug="pets").delete()
    Ward.objects.filter(slug="izumi").update(name="泉区（北部）")
    call_command("seed_demo", stdout=io.StringIO())
    assert Feature.objects.filter(slug="pets").exists()
    assert Ward.objects.get(slug="izumi").name == "泉区（北部）"


def test_seed_has_applications_in_every_state(seeded):
    from facilities.models import Facility
    from participants.demo import NEXT_SLUG
    from participants.models import Application, ApplicationStatus

    states = set(Application.objects.values_list("status", flat=True))
    assert states == set(ApplicationStatus.values)
    next_round = Campaign.objects.get(slug=NEXT_SLUG)
    assert next_round.accepts_applications()
    assert Campaign.objects.current().slug != NEXT_SLUG  # the running round stays the public one
    approved = Application.objects.get(status=ApplicationStatus.APPROVED)
    assert set(Facility.objects.filter(business=approved.business).values_list("code", flat=True)) == {
        "D001",
        "D002",
    }
    # Every submitted application carries both documents, readable from private storage.
    for application in Application.objects.exclude(status=ApplicationStatus.DRAFT):
        assert application.documents.count() == 2
        with application.documents.first().file.open("rb") as handle:
            assert handle.read(4) in (b"%PDF", b"\x89PNG")
