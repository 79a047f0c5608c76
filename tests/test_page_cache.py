"""The launch-day page cache (core/pagecache.py): what it stores, for whom, and what empties it."""

import os
from unittest import mock

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory
from wagtail.models import Page

from campaigns.models import Campaign
from cms.models import SiteAlertSettings, StandardPage, TourismBanner
from core import cache as versioned
from core import pagecache
from facilities.models import Facility, Participation, Ward
from facilities.services import mark_sold_out, resume_sales

from .factories import FacilityFactory, ParticipationFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

HIT = pagecache.HIT_HEADER


def get(client, path, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return response


def is_hit(response) -> bool:
    return response.get(HIT) == "hit"


def warm(client, path, **extra) -> str:
    """Fetch twice; the second answer must come from the page cache. Returns the page."""
    get(client, path, **extra)
    response = get(client, path, **extra)
    assert is_hit(response), (path, response.get(HIT))
    return response.content.decode()


def fresh(client, path) -> str:
    """The next answer must be rendered again (the cache was emptied)."""
    response = get(client, path)
    assert not is_hit(response), path
    return response.content.decode()


def listed_facility(code, **kwargs) -> Facility:
    facility = FacilityFactory(code=code, **kwargs)
    ParticipationFactory(facility=facility, campaign=Campaign.objects.current())
    return facility


# --- Hits ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/about/", "/news/", "/en/", "/en/about/", "/facilities/", "/facilities/sold-out/"]
)
def test_public_pages_are_served_from_the_cache(client, seeded, path):
    first = get(client, path)
    assert first[HIT] == "miss"
    second = get(client, path)
    assert second[HIT] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Cache-Control"] == first["Cache-Control"]


def test_a_hit_skips_the_database_and_the_session(client, seeded, django_assert_num_queries):
    get(client, "/about/")
    with django_assert_num_queries(0):
        response = get(client, "/about/")
    assert is_hit(response) and not response.cookies


def test_a_hit_still_carries_the_security_headers(client, seeded):
    get(client, "/about/")
    response = get(client, "/about/")
    assert is_hit(response)
    assert "Content-Security-Policy" in response and "Permissions-Policy" in response


def test_head_is_answered_from_a_stored_get(client, seeded):
    get(client, "/about/")
    assert is_hit(client.head("/about/"))


def test_the_open_data_api_is_cached_and_live(client, seeded):
    warm(client, "/api/facilities/")
    assert "s-maxage=30" in get(client, "/api/facilities/")["Cache-Control"]
    assert not is_hit(client.get("/api/facilities.csv"))  # streamed; not stored


def test_english_and_japanese_are_cached_separately(client, seeded):
    ja = warm(client, "/about/")
    en = warm(client, "/en/about/")
    assert 'lang="ja"' in ja and 'lang="en"' in en
    # Accept-Language never changes an unprefixed (Japanese) page, so it is no part of the key.
    response = get(client, "/about/", HTTP_ACCEPT_LANGUAGE="en")
    assert is_hit(response) and 'lang="ja"' in response.content.decode()


def test_query_string_variants(client, seeded):
    warm(client, "/facilities/?ward=aoba&sort=kana")
    assert is_hit(get(client, "/facilities/?sort=kana&ward=aoba")), "parameter order is no part of the key"
    assert not is_hit(get(client, "/facilities/?ward=wakabayashi&sort=kana"))
    assert not is_hit(get(client, "/facilities/"))


def test_tracking_parameters_share_the_plain_page_and_never_reach_it(client, seeded):
    warm(client, "/facilities/?ward=aoba")
    response = get(client, "/facilities/?ward=aoba&utm_source=line&fbclid=CLICK-ID-123")
    assert is_hit(response)
    other = get(client, "/facilities/?fbclid=OTHER-CLICK&utm_medium=sns")
    assert "OTHER-CLICK" not in other.content.decode() and "utm_" not in other.content.decode()


# --- Invalidation: each kind of change ---------------------------------------------------------------


def test_publishing_a_page_changes_the_cached_pages(client, seeded):
    assert "公開テスト見出し" not in warm(client, "/about/")
    warm(client, "/")
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    about.title = "公開テスト見出し"
    about.save_revision().publish()
    assert "公開テスト見出し" in fresh(client, "/about/")
    assert not is_hit(get(client, "/"))  # the menu on every page may show the new title


def test_unpublishing_and_deleting_a_page(client, seeded):
    warm(client, "/about/")
    StandardPage.objects.get(slug="about", locale__language_code="ja").unpublish()
    assert client.get("/about/").status_code == 404
    warm(client, "/news/")
    Page.objects.get(slug="news", locale__language_code="ja").delete()
    assert client.get("/news/").status_code == 404


def test_a_saved_draft_changes_nothing_and_its_preview_is_never_cached(client, seeded):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    live = warm(client, "/about/")
    about.title = "まだ下書きの見出し"
    about.save_revision()
    preview = about.make_preview_request()
    assert "まだ下書きの見出し" in preview.content.decode()
    assert HIT not in preview and "no-store" in preview["Cache-Control"]
    again = get(client, "/about/")
    assert "まだ下書きの見出し" not in again.content.decode()
    assert again.content.decode().count("<h1") == live.count("<h1")


def test_a_facility_change_reaches_its_page_and_the_guide(client, seeded):
    listed_facility("PC1", name="キャッシュ前ホテル")
    assert "キャッシュ前ホテル" in warm(client, "/facilities/PC1/")
    warm(client, "/facilities/")
    facility = Facility.objects.get(code="PC1")
    facility.name = "キャッシュ後ホテル"
    facility.save()
    assert "キャッシュ後ホテル" in fresh(client, "/facilities/PC1/")
    assert not is_hit(get(client, "/facilities/"))


def test_a_sold_out_change_reaches_the_sold_out_list_and_the_api(client, seeded):
    listed_facility("PC2", name="販売終了テストホテル")
    participation = Participation.objects.get(facility__code="PC2")
    assert "販売終了テストホテル" not in warm(client, "/facilities/sold-out/")
    warm(client, "/api/facilities/?q=販売終了テストホテル")
    mark_sold_out(participation, None)  # an UPDATE without signals: the service empties the cache
    assert "販売終了テストホテル" in fresh(client, "/facilities/sold-out/")
    assert get(client, "/api/facilities/?q=販売終了テストホテル").json()["results"][0]["sold_out"] is True
    warm(client, "/facilities/sold-out/")
    resume_sales(participation)
    assert "販売終了テストホテル" not in fresh(client, "/facilities/sold-out/")


def test_a_change_that_bypasses_signals_lives_at_most_a_minute_on_live_pages(client, seeded, settings):
    """A raw queryset.update() sends no signal: the guide's entries expire after 60 s at the latest."""
    assert settings.PAGE_CACHE_LIVE_TIMEOUT <= 60
    with mock.patch.object(pagecache.cache, "set", wraps=pagecache.cache.set) as stored:
        get(client, "/facilities/sold-out/")
        get(client, "/about/")
    prefix = f"{versioned.PREFIX}:pages:"
    timeouts = [call.args[2] for call in stored.call_args_list if call.args[0].startswith(prefix)]
    assert timeouts == [settings.PAGE_CACHE_LIVE_TIMEOUT, settings.PAGE_CACHE_TIMEOUT]


def test_a_banner_change(client, seeded):
    warm(client, "/")
    banner = TourismBanner.objects.filter(locale__language_code="ja").first()
    banner.name = "新しい観光バナー名"
    banner.image = None
    banner.image_alt = ""
    banner.save()
    assert "新しい観光バナー名" in fresh(client, "/")


def test_a_setting_change(client, seeded):
    warm(client, "/about/")
    alert = SiteAlertSettings.load()
    alert.enabled, alert.message = True, "予算の上限に近づいています（キャッシュ試験）"
    alert.save()
    assert "予算の上限に近づいています（キャッシュ試験）" in fresh(client, "/about/")


def test_a_taxonomy_change(client, seeded):
    warm(client, "/facilities/")
    ward = Ward.objects.get(slug="aoba")
    ward.name = "青葉区（キャッシュ試験）"
    ward.save()
    assert "青葉区（キャッシュ試験）" in fresh(client, "/facilities/")


def test_a_campaign_change(client, seeded):
    warm(client, "/")
    campaign = Campaign.objects.current()
    campaign.save()
    assert not is_hit(get(client, "/"))


# --- Never stored, never served -------------------------------------------------------------------------


def test_logged_in_users_never_fill_nor_read_the_cache(client, seeded):
    """Two users: a staff editor and a hotel member browse first; an anonymous visitor after them
    must get none of their pages (no name, no ログアウト, no userbar, no CSRF token)."""
    from django.test import Client

    staff = UserFactory(username="cache-editor-taro", role="editor")
    member = make_member(email="cache-member@hotel.example.jp")
    paths = ["/", "/about/", "/facilities/", "/en/about/"]
    for user, marker in ((staff, "wagtail-userbar"), (member, None)):
        signed_in = Client()
        signed_in.force_login(user)
        for path in paths:
            for _ in range(2):
                response = get(signed_in, path)
                assert HIT not in response, (user, path)
                assert "no-store" in response["Cache-Control"]
        if marker:  # the staff user's pages really were personal
            assert marker in get(signed_in, "/about/").content.decode()
    for path in paths:
        response = get(client, path)
        assert response[HIT] == "miss", path  # nothing was stored for the signed-in users
        page = response.content.decode()
        for leak in ("cache-editor-taro", "cache-member@hotel.example.jp", "wagtail-userbar", "ログアウト"):
            assert leak not in page, (path, leak)
        assert "csrfmiddlewaretoken" not in page
    # ...and a signed-in user arriving after the anonymous one is not served the anonymous copy.
    signed_in = Client()
    signed_in.force_login(staff)
    assert HIT not in get(signed_in, "/about/")
    assert "wagtail-userbar" in get(signed_in, "/about/").content.decode()


def test_a_session_cookie_or_authorization_bypasses_the_cache(client, seeded):
    warm(client, "/about/")
    client.cookies["sessionid"] = "not-a-valid-session"
    assert HIT not in get(client, "/about/")
    del client.cookies["sessionid"]
    assert HIT not in get(client, "/about/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert is_hit(get(client, "/about/"))


def test_post_is_never_cached_nor_answered_from_the_cache(client, seeded):
    warm(client, "/about/")
    response = client.post("/about/")
    assert HIT not in response and "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/members/login/", "/en/members/login/", "/admin/login/", "/healthz"])
def test_private_areas_are_never_cached(client, seeded, path):
    for _ in range(2):
        assert HIT not in client.get(path), path


def test_survey_forms_are_never_cached(client, seeded):
    for _ in range(2):
        response = client.get("/survey/traveller-survey/")
        assert HIT not in response


def test_pages_that_opt_out_are_not_stored(client, seeded):
    with mock.patch.object(StandardPage, "page_cache", False, create=True):
        get(client, "/about/")
        assert HIT not in get(client, "/about/")


def _middleware_with(view):
    return pagecache.PageCacheMiddleware(view)


def _opted_in(build):
    def view(request):
        pagecache.mark(request, pagecache.STANDARD)
        response = build(request)
        response.setdefault("Cache-Control", "public, max-age=60")
        return response

    return view


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda r: _with_cookie(HttpResponse("x")), id="sets-a-cookie"),
        pytest.param(lambda r: HttpResponse(f"<form>{get_token(r)}</form>"), id="uses-csrf"),
        pytest.param(lambda r: HttpResponse('<input name="csrfmiddlewaretoken">'), id="has-a-csrf-field"),
        pytest.param(lambda r: _private(HttpResponse("x")), id="private"),
        pytest.param(lambda r: HttpResponse("x", status=500), id="error"),
        pytest.param(lambda r: HttpResponse("x", status=302), id="redirect"),
    ],
)
def test_responses_that_are_personal_or_not_ok_are_not_stored(db, build):
    middleware = _middleware_with(_opted_in(build))
    factory = RequestFactory()
    for _ in range(2):
        response = middleware(factory.get("/unit-test/"))
        assert HIT not in response


def test_responses_of_views_that_did_not_opt_in_are_not_stored(db):
    middleware = _middleware_with(lambda request: HttpResponse("x"))
    for _ in range(2):
        assert HIT not in middleware(RequestFactory().get("/unit-test/"))


def test_an_opted_in_view_is_stored_unless_the_cache_is_switched_off(db, settings):
    middleware = _middleware_with(_opted_in(lambda r: HttpResponse("ok")))
    factory = RequestFactory()
    assert middleware(factory.get("/unit-test/"))[HIT] == "miss"
    assert middleware(factory.get("/unit-test/"))[HIT] == "hit"
    settings.PAGE_CACHE_ENABLED = False
    assert HIT not in middleware(factory.get("/unit-test/"))


def _with_cookie(response):
    response.set_cookie("tracking", "1")
    return response


def _private(response):
    response["Cache-Control"] = "private"
    return response


# --- Headers for a CDN, and purging it ---------------------------------------------------------------


def test_cache_control_for_a_cdn(client, seeded):
    standard = get(client, "/about/")["Cache-Control"]
    for part in ("public", "max-age=60", "s-maxage=300", "stale-while-revalidate=60", "stale-if-error="):
        assert part in standard, standard
    for path in ("/facilities/", "/facilities/sold-out/", "/api/facilities/"):
        live = get(client, path)["Cache-Control"]
        assert "s-maxage=30" in live and "stale-while-revalidate=30" in live, (path, live)


FRONTEND = {
    "cdn": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": "http://cdn"}
}


@pytest.fixture
def purged(settings):
    settings.WAGTAILFRONTENDCACHE = FRONTEND
    with mock.patch("wagtail.contrib.frontend_cache.backends.http.HTTPBackend.purge") as purge:
        yield purge


def _urls(purge) -> set[str]:
    return {call.args[0] for call in purge.call_args_list}


def test_sold_out_purges_the_guide_from_the_cdn(seeded, purged, django_capture_on_commit_callbacks):
    listed_facility("PC3")
    purged.reset_mock()
    participation = Participation.objects.get(facility__code="PC3")
    with django_capture_on_commit_callbacks(execute=True):
        mark_sold_out(participation, None)
    urls = _urls(purged)
    assert {"http://localhost/facilities/", "http://localhost/facilities/sold-out/"} <= urls, urls
    assert "http://localhost/facilities/PC3/" in urls and "http://localhost/en/facilities/PC3/" in urls
    assert "http://localhost/api/facilities/" in urls


def test_a_facility_save_purges_its_page(seeded, purged, django_capture_on_commit_callbacks):
    facility = listed_facility("PC4")
    purged.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        facility.name = "改名"
        facility.save()
    assert "http://localhost/facilities/PC4/" in _urls(purged)


def test_publishing_a_page_purges_it(seeded, purged, django_capture_on_commit_callbacks):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    with django_capture_on_commit_callbacks(execute=True):
        about.save_revision().publish()
    assert "http://localhost/about/" in _urls(purged)


def test_nothing_is_purged_without_a_cdn(seeded, settings, django_capture_on_commit_callbacks):
    assert not getattr(settings, "WAGTAILFRONTENDCACHE", None)
    with mock.patch("core.pagecache.purge_guide") as purge, django_capture_on_commit_callbacks(execute=True):
        mark_sold_out(ParticipationFactory(campaign=Campaign.objects.current()), None)
    purge.assert_not_called()


# --- With the production cache --------------------------------------------------------------------------


def test_with_the_real_redis(client, seeded, settings):
    """Entries survive the round trip through Redis (pickled) and a bump reaches them."""
    redis = pytest.importorskip("redis")
    url = os.environ.get("PAGE_CACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "page-cache-test",
        }
    }
    from django.core.cache import cache

    cache.clear()
    try:
        warm(client, "/about/")
        warm(client, "/en/facilities/")
        alert = SiteAlertSettings.load()
        alert.enabled, alert.message = True, "Redis経由の変更"
        alert.save()
        assert "Redis経由の変更" in fresh(client, "/about/")
    finally:
        cache.clear()
