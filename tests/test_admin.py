"""Staff screens in the Wagtail admin: they open for the right roles and bad input gets a clear error."""

import pytest
from django.urls import reverse

from campaigns.models import Campaign
from cms.models import StandardPage, TourismBanner
from facilities.models import Area, Feature, Ward

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def snippet_url(model, action, *args):
    return reverse(f"wagtailsnippets_{model._meta.app_label}_{model._meta.model_name}:{action}", args=args)


@pytest.fixture
def editor_client(client):
    client.force_login(UserFactory(role="editor"))
    return client


@pytest.mark.parametrize("language", ["ja", "en"])
def test_editor_opens_the_page_editor_and_preview_in_both_languages(editor_client, seeded, language):
    about = StandardPage.objects.get(slug="about", locale__language_code=language)
    assert editor_client.get(reverse("wagtailadmin_pages:edit", args=[about.pk])).status_code == 200
    assert editor_client.get(reverse("wagtailadmin_pages:view_draft", args=[about.pk])).status_code == 200


def test_editor_can_start_a_translation_with_wagtail_localize(editor_client, seeded):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    response = editor_client.get(reverse("wagtail_localize:submit_page_translation", args=[about.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Ward, Area, Feature])
def test_editor_sees_the_taxonomy_lists(editor_client, seeded, model):
    response = editor_client.get(snippet_url(model, "list"))
    assert response.status_code == 200
    assert model.objects.first().name in response.content.decode()


def test_taxonomy_slug_cannot_change_once_saved(editor_client, seeded):
    ward = Ward.objects.get(slug="aoba")
    response = editor_client.post(
        snippet_url(Ward, "edit", ward.pk), {"name": "青葉区", "name_en": "Aoba Ward", "slug": "aoba-ku"}
    )
    assert response.status_code == 200
    assert "スラッグは検索条件のURLで使われているため変更できません" in response.content.decode()
    ward.refresh_from_db()
    assert ward.slug == "aoba"


def test_taxonomy_name_can_change(editor_client, seeded):
    ward = Ward.objects.get(slug="aoba")
    response = editor_client.post(
        snippet_url(Ward, "edit", ward.pk), {"name": "青葉区（中心部）", "name_en": "Aoba", "slug": "aoba"}
    )
    assert response.status_code == 302
    ward.refresh_from_db()
    assert ward.name == "青葉区（中心部）" and ward.slug == "aoba"


def test_editor_cannot_delete_taxonomy_terms(editor_client, seeded):
    ward = Ward.objects.get(slug="aoba")
    editor_client.post(snippet_url(Ward, "delete", ward.pk))
    assert Ward.objects.filter(slug="aoba").exists()


def test_banner_with_a_bad_address_gets_an_error_and_nothing_is_saved(editor_client, seeded):
    before = TourismBanner.objects.count()
    response = editor_client.post(
        snippet_url(TourismBanner, "add") + "?locale=ja",
        {"name": "新しいバナー", "url": "not a url", "description": "", "image_alt": ""},
    )
    assert response.status_code == 200
    assert "url" in response.context["form"].errors
    assert TourismBanner.objects.count() == before


def test_campaign_with_dates_in_the_wrong_order_gets_field_errors(client, seeded):
    client.force_login(UserFactory(role="admin"))
    data = {
        "name": "第2弾",
        "name_en": "",
        "slug": "round-2",
        "application_start": "2026-05-01",
        "application_end": "2026-04-01",
        "stay_start": "2026-07-01",
        "stay_end": "2026-06-01",
        "budget": "120000000",
        "discount_rate": "20",
        "discount_cap": "3000",
        "minimum_price": "3000",
        "max_nights": "7",
        "booking_after_approval_only": "on",
    }
    response = client.post(snippet_url(Campaign, "add"), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "stay_end" in errors and "application_end" in errors
    assert not Campaign.objects.filter(slug="round-2").exists()

    data.update(application_end="2026-06-20", stay_end="2026-08-31")
    assert client.post(snippet_url(Campaign, "add"), data).status_code == 302
    assert Campaign.objects.get(slug="round-2").budget == 120_000_000


def test_editor_cannot_change_campaigns(editor_client, seeded):
    campaign = Campaign.objects.first()
    response = editor_client.get(snippet_url(Campaign, "edit", campaign.pk))
    assert response.status_code in (302, 403)
