"""What makes an uncached search cheap: cached result cards (facilities.guide_views.result_cards), the
guide's cached Wagtail routing (facilities.routing), the versions read once a request and the
taxonomy kept in the process (core/cache.py), one Redis client per pool (core/redis_cache.py).

Every search here carries a unique `n=` parameter so that the page cache never answers it."""

import itertools
import os
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from campaigns.models import Campaign
from core import cache as versioned
from facilities.models import Facility, FacilityGuidePage, Feature, Participation, Ward
from facilities.services import mark_sold_out, resume_sales

from .factories import FacilityFactory, ParticipationFactory, make_member

pytestmark = pytest.mark.django_db

_unique = itertools.count()


def search(client, query: str, prefix: str = "") -> str:
    """A search the page cache has never seen; returns the page."""
    response = client.get(f"{prefix}/facilities/?{query}&n={next(_unique)}")
    assert response.status_code == 200
    assert response.get("X-Page-Cache") != "hit"
    return response.content.decode()


def search_queries(client, query: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        search(client, query)
    return [item["sql"] for item in captured]


def listed(code: str, **kwargs) -> Facility:
    facility = FacilityFactory(code=code, **kwargs)
    ParticipationFactory(facility=facility, campaign=Campaign.objects.current())
    return facility


def card_of(page: str, code: str) -> str:
    start = page.index(f"/{code}/")
    return page[page.rindex('<li class="facility-card">', 0, start) : page.index("</li>\n", start)]


# --- Result cards ------------------------------------------------------------------------------------


def test_cards_are_rendered_once_and_read_back_with_the_same_html(client, seeded):
    listed("SC1", name="カード試験ホテル", feature_slugs=["wifi"])
    cold = search_queries(client, "q=カード試験ホテル")
    first = search(client, "q=カード試験ホテル")
    warm = search_queries(client, "q=カード試験ホテル")
    assert any("facilities_facility_features" in sql for sql in cold)
    assert not any("facilities_facility_features" in sql for sql in warm)  # no card rendered
    again = search(client, "q=カード試験ホテル&sort=kana")
    assert card_of(first, "SC1") == card_of(again, "SC1")
    wifi = Feature.objects.get(slug="wifi").name
    assert "カード試験ホテル" in card_of(again, "SC1") and wifi in card_of(again, "SC1")


def test_a_search_whose_cards_are_cached_makes_no_query(client, seeded):
    """The results come from the listing kept in the process, the cards from the cache."""
    listed("SC7", name="問い合わせなしホテル")
    search(client, "q=問い合わせなしホテル")  # the listing and the card are built once
    assert search_queries(client, "q=問い合わせなしホテル") == []
    assert search_queries(client, "q=ホテル&sort=area") != []  # a card no search has shown yet


def test_a_sold_out_change_reaches_the_card_at_once(client, seeded):
    listed("SC2", name="販売終了カードホテル")
    participation = Participation.objects.get(facility__code="SC2")
    assert "badge--sold-out" not in card_of(search(client, "q=販売終了カードホテル"), "SC2")
    mark_sold_out(participation, None)  # an UPDATE without signals
    assert "badge--sold-out" in card_of(search(client, "q=販売終了カードホテル"), "SC2")
    resume_sales(participation)
    assert "badge--sold-out" not in card_of(search(client, "q=販売終了カードホテル"), "SC2")


def test_a_sold_out_change_by_a_raw_update_shows_once_the_listing_expires(client, seeded, settings):
    """Even a change no signal sees reaches the search within a minute: the listed rows the search
    reads (and the card keys carry) are kept for `PAGE_CACHE_LIVE_TIMEOUT`, here and in the cache."""
    listed("SC3", name="生更新カードホテル")
    assert "badge--sold-out" not in card_of(search(client, "q=生更新カードホテル"), "SC3")
    Participation.objects.filter(facility__code="SC3").update(sold_out_at="2026-11-01T00:00:00+09:00")
    shared = versioned.key(versioned.PAGES, "listed-rows", Campaign.objects.current().pk)
    assert cache.get(shared) is not None
    cache.delete(shared)  # the shared copy has expired; the process's copy has not yet
    assert "badge--sold-out" not in card_of(search(client, "q=生更新カードホテル"), "SC3")
    later = time.time() + settings.PAGE_CACHE_LIVE_TIMEOUT + 1
    with mock.patch.object(versioned.time, "time", return_value=later):
        assert "badge--sold-out" in card_of(search(client, "q=生更新カードホテル"), "SC3")


def test_facility_feature_and_taxonomy_edits_reach_the_card(client, seeded):
    facility = listed("SC4", name="編集前カードホテル", feature_slugs=["wifi"])
    search(client, "q=SC4")
    facility.name = "編集後カードホテル"
    facility.save()
    facility.features.set(Feature.objects.filter(slug="onsen"))
    facility.save()
    card = card_of(search(client, "q=SC4"), "SC4")
    wifi = Feature.objects.get(slug="wifi").name
    assert "編集後カードホテル" in card and f"<li>{wifi}</li>" not in card and "<li>温泉</li>" in card
    ward = Ward.objects.get(slug="aoba")
    ward.name = "青葉区（カード試験）"
    ward.save()
    assert "青葉区（カード試験）" in card_of(search(client, "q=SC4"), "SC4")


def test_each_language_has_its_own_cards(client, seeded):
    listed("SC5", name="言語カードホテル")
    japanese = card_of(search(client, "q=SC5"), "SC5")
    english = card_of(search(client, "q=SC5", prefix="/en"), "SC5")
    assert "種別" in japanese and "/facilities/SC5/" in japanese
    assert "種別" not in english and "/en/facilities/SC5/" in english


def test_the_card_is_escaped(client, seeded):
    listed("SC6", name="<script>alert(1)</script>カード")
    card = card_of(search(client, "q=SC6"), "SC6")
    assert "<script>" not in card and "&lt;script&gt;" in card


# --- The guide's routing ---------------------------------------------------------------------------


def test_the_guide_is_routed_from_the_cache(client, seeded):
    search(client, "q=ルーティング")
    queries = search_queries(client, "q=ルーティング")
    assert not any('FROM "wagtailcore_site"' in sql for sql in queries)
    assert not any('FROM "wagtailcore_locale"' in sql for sql in queries)
    english = search(client, "q=routing", prefix="/en")
    assert 'lang="en"' in english


def test_guide_page_edits_unpublishing_and_restrictions_reach_the_routing(client, seeded):
    guide = FacilityGuidePage.objects.get(locale__language_code="ja")
    search(client, "q=ルーティング")
    guide.title = "施設案内（ルーティング試験）"
    guide.save_revision().publish()
    assert "施設案内（ルーティング試験）" in search(client, "q=ルーティング")
    restriction = PageViewRestriction.objects.create(
        page=guide, restriction_type=PageViewRestriction.PASSWORD, password="secret"
    )
    response = client.get(f"/facilities/?q=ルーティング&n={next(_unique)}")
    assert (
        "password" in response.content.decode().lower() and "facility-card" not in response.content.decode()
    )
    restriction.delete()
    search(client, "q=ルーティング")
    guide.unpublish()
    assert client.get(f"/facilities/?q=ルーティング&n={next(_unique)}").status_code == 404


def test_signed_in_members_see_their_own_chrome_on_a_routed_guide(client, seeded):
    """The cached route holds the page only: a member's search is theirs, an anonymous one is not."""
    search(client, "q=メンバー")
    member = make_member()
    client.force_login(member)
    response = client.get(f"/facilities/?q=メンバー&n={next(_unique)}")
    assert response.status_code == 200 and "X-Page-Cache" not in response
    client.logout()
    assert member.email not in search(client, "q=メンバー")


# --- Versions and the process-local taxonomy ----------------------------------------------------------


def test_a_request_reads_every_version_in_one_round_trip(client, seeded):
    search(client, "q=版")
    with mock.patch.object(versioned.cache, "get_many", wraps=versioned.cache.get_many) as get_many:
        search(client, "q=版")
    version_reads = [
        call for call in get_many.call_args_list if any(":version:" in key for key in call.args[0])
    ]
    # the page cache's own read (entry and `pages` version) and core.cache's read of all kinds
    assert len([call for call in version_reads if len(call.args[0]) == len(versioned.KINDS)]) == 1


def test_outside_a_request_every_version_is_read_from_the_cache(db):
    first = versioned.version(versioned.TAXONOMY)
    cache.set(versioned.version_key(versioned.TAXONOMY), "set-by-another-process", timeout=None)
    assert versioned.version(versioned.TAXONOMY) == "set-by-another-process" != first


def test_a_bump_inside_a_request_is_seen_by_the_rest_of_it(db):
    versioned._request_began()
    try:
        before = versioned.version(versioned.CHROME)
        versioned.bump(versioned.CHROME)
        assert versioned.version(versioned.CHROME) != before
        assert versioned.version(versioned.CHROME) == cache.get(versioned.version_key(versioned.CHROME))
    finally:
        versioned._request_ended()


def test_the_taxonomy_is_kept_in_the_process_per_version(db):
    from facilities.search import taxonomy

    first = taxonomy()
    with mock.patch.object(versioned.cache, "get", wraps=versioned.cache.get) as get:
        assert taxonomy() is first
    assert not [call for call in get.call_args_list if ":taxonomy:" in call.args[0]]
    ward = Ward.objects.get(slug="aoba")
    ward.name = "青葉区（プロセス試験）"
    ward.save()
    assert "青葉区（プロセス試験）" in [term.name for term in taxonomy()["facilities.ward"]]


def test_a_process_keeps_only_the_current_version_of_a_local_value(db):
    """A large value kept in the process (the guide's listed rows) is kept once, not once per version."""
    slot = (versioned.PAGES, ("local-test",))
    for version in ("first", "second", "third"):
        assert versioned.get_or_build(*slot, lambda version=version: version, local=True) == version
        assert versioned.get_or_build(*slot, lambda: "not built again", local=True) == version
        assert versioned._local_values[slot][1] == version
        versioned.bump(versioned.PAGES)
    assert [key for key in versioned._local_values if key == slot] == [slot]


def test_a_local_value_lives_no_longer_than_its_timeout(db):
    """A copy kept in the process expires with the shared one, so a change that bypasses the version
    bump is not kept in one process for ever."""
    slot = (versioned.PAGES, ("local-expiry-test",))
    assert versioned.get_or_build(*slot, lambda: "first", local=True, timeout=60) == "first"
    assert versioned.get_or_build(*slot, lambda: "second", local=True, timeout=60) == "first"
    later = time.time() + 61
    with mock.patch.object(versioned.time, "time", return_value=later):
        cache.delete(versioned.key(slot[0], *slot[1]))  # the shared copy has expired too
        assert versioned.get_or_build(*slot, lambda: "second", local=True, timeout=60) == "second"


def test_an_expired_local_value_is_built_by_one_process_while_the_others_keep_theirs(db):
    slot = (versioned.PAGES, ("single-flight-test",))
    assert versioned.get_or_build(*slot, lambda: "first", local=True, timeout=60) == "first"
    shared = versioned.key(slot[0], *slot[1])
    later = time.time() + 61
    with mock.patch.object(versioned.time, "time", return_value=later):
        cache.delete(shared)
        cache.add(f"{shared}:building", True)  # another process is building it
        assert versioned.get_or_build(*slot, lambda: "built twice", local=True, timeout=60) == "first"
        cache.set(shared, (later, "second"))  # it has stored the new value
        assert versioned.get_or_build(*slot, lambda: "built twice", local=True, timeout=60) == "second"
    versioned.bump(versioned.PAGES)  # a new version is never answered with the old one's copy
    cache.add(f"{versioned.key(slot[0], *slot[1])}:building", True)
    assert versioned.get_or_build(*slot, lambda: "third", local=True, timeout=60) == "third"


def test_a_failed_rebuild_releases_its_lock(db):
    slot = (versioned.PAGES, ("failed-build-test",))
    versioned.get_or_build(*slot, lambda: "first", local=True, timeout=60)
    shared = versioned.key(slot[0], *slot[1])

    def fail() -> str:
        raise RuntimeError("the database went away")

    with mock.patch.object(versioned.time, "time", return_value=time.time() + 61):
        cache.delete(shared)
        with pytest.raises(RuntimeError):
            versioned.get_or_build(*slot, fail, local=True, timeout=60)
        assert cache.get(f"{shared}:building") is None  # the next request builds it again
        assert versioned.get_or_build(*slot, lambda: "second", local=True, timeout=60) == "second"


# --- One Redis client per pool -----------------------------------------------------------------------


@pytest.fixture
def redis_cache(settings):
    redis = pytest.importorskip("redis")
    url = os.environ.get("SEARCH_CACHE_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {url}")
    settings.CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "search-cache-test",
        }
    }
    from django.core.cache import cache as redis_backed

    redis_backed.clear()
    yield redis_backed
    redis_backed.clear()


def test_the_redis_backend_keeps_one_client(redis_cache):
    client = redis_cache._cache
    assert client.get_client() is client.get_client(write=True)
    redis_cache.set("a", {"x": 1})
    redis_cache.set_many({"b": 2, "c": "三"})
    assert redis_cache.get("a") == {"x": 1}
    assert redis_cache.get_many(["a", "b", "c", "missing"]) == {"a": {"x": 1}, "b": 2, "c": "三"}
    assert redis_cache.incr("b") == 3
    redis_cache.delete("a")
    assert redis_cache.get("a") is None


def test_search_cards_and_routing_through_redis(client, seeded, redis_cache):
    listed("SC7", name="レディスカードホテル")
    assert "badge--sold-out" not in card_of(search(client, "q=SC7"), "SC7")
    mark_sold_out(Participation.objects.get(facility__code="SC7"), None)
    assert "badge--sold-out" in card_of(search(client, "q=SC7"), "SC7")


def test_the_current_campaign_is_kept_until_a_campaign_changes(seeded, django_assert_num_queries):
    from facilities.guide_views import current_campaign

    campaign = current_campaign()
    assert campaign == Campaign.objects.current()
    with django_assert_num_queries(0):
        current_campaign()
    campaign.name = "キャンペーン（キャッシュ試験）"
    campaign.save()
    assert current_campaign().name == "キャンペーン（キャッシュ試験）"
