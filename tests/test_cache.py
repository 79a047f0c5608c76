"""The cached site chrome and taxonomy (core/cache.py): what changes them must show on the next request."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from campaigns.models import Campaign
from cms.models import HomePage, NavigationSettings, StandardPage
from core import cache as versioned
from facilities.models import Feature, Ward

from .factories import FacilityFactory, ParticipationFactory

pytestmark = pytest.mark.django_db


def html(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def home():
    return HomePage.objects.get(locale__language_code="ja")


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_a_bump_or_an_emptied_cache_never_reuses_a_version():
    first = versioned.key(versioned.CHROME, "x")
    assert versioned.key(versioned.CHROME, "x") == first
    versioned.bump(versioned.CHROME)
    second = versioned.key(versioned.CHROME, "x")
    cache.clear()
    third = versioned.key(versioned.CHROME, "x")
    assert len({first, second, third}) == 3


def test_the_chrome_is_rendered_once_per_path_and_language(client, seeded):
    cold = queries(client, "/about/")
    warm = queries(client, "/about/")
    assert warm < cold - 5, (cold, warm)
    assert queries(client, "/en/about/") > warm  # another language has its own chrome


def test_the_query_string_does_not_reach_the_cached_chrome(client, seeded):
    html(client, "/facilities/?q=leak-check&ward=aoba")
    page = html(client, "/facilities/")
    assert "leak-check" not in page and "ward=aoba" not in page


def test_publishing_unpublishing_and_deleting_a_page_update_the_menu(client, seeded):
    assert "新しいメニュー項目" not in html(client, "/about/")
    page = home().add_child(
        instance=StandardPage(
            title="新しいメニュー項目", slug="new-item", body="[]", show_in_menus=True, live=False
        )
    )
    page.save_revision().publish()
    assert "新しいメニュー項目" in html(client, "/about/")

    page.title = "名前を変えた項目"
    page.save_revision().publish()
    assert "名前を変えた項目" in html(client, "/about/")

    StandardPage.objects.get(pk=page.pk).unpublish()
    assert "名前を変えた項目" not in html(client, "/about/")

    StandardPage.objects.get(pk=page.pk).save_revision().publish()
    assert "名前を変えた項目" in html(client, "/about/")
    Page.objects.get(pk=page.pk).delete()
    assert "名前を変えた項目" not in html(client, "/about/")


def test_a_page_title_reaches_the_breadcrumbs_of_its_children(client, seeded):
    news = Page.objects.get(slug="news", locale__language_code="ja").specific
    assert "お知らせ" in html(client, "/news/site-open/")
    news.title = "新着情報"
    news.save_revision().publish()
    assert '<a href="/news/">新着情報</a>' in html(client, "/news/site-open/")


def test_footer_links_follow_the_navigation_settings(client, seeded):
    assert "プライバシーポリシー" in html(client, "/about/")
    navigation = NavigationSettings.load()
    for link in navigation.footer_links.all():
        if link.page.title == "プライバシーポリシー":
            link.delete()
    assert "プライバシーポリシー" not in html(client, "/about/").split('class="footer-nav"')[1]


def test_renamed_and_new_terms_reach_the_search_form(client, seeded):
    assert "青葉区" in html(client, "/facilities/")
    ward = Ward.objects.get(slug="aoba")
    ward.name = "青葉区（改）"
    ward.save()
    Feature.objects.create(name="サウナ", name_en="Sauna", slug="sauna", sort_order=99)
    page = html(client, "/facilities/")
    assert '<option value="aoba">青葉区（改）</option>' in page
    assert 'value="sauna"' in page and ">サウナ</label>" in page
    assert client.get("/api/facilities/?feature=sauna").status_code == 200


def test_a_renamed_facility_reaches_its_breadcrumb(client, seeded):
    facility = FacilityFactory(code="RN1", name="旧名ホテル")
    ParticipationFactory(facility=facility, campaign=Campaign.objects.current())
    assert 'aria-current="page">旧名ホテル<' in html(client, "/facilities/RN1/")
    facility.name = "新名ホテル"
    facility.save()
    assert 'aria-current="page">新名ホテル<' in html(client, "/facilities/RN1/")
