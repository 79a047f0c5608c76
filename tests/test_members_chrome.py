"""The site chrome of views outside the page tree (the members area) is cached like a page's: per
site, language and path, never with anything of the visitor in it, and invalidated by the same bumps."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cms.models import SiteAlertSettings
from cms.templatetags import cms_tags
from core import cache as versioned

from .factories import BusinessFactory, make_member

pytestmark = pytest.mark.django_db


def _member(name: str, business: str) -> Client:
    user = make_member(BusinessFactory(name=business))
    user.first_name = name
    user.save()
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, path: str) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode(), len(captured)


def _chrome_keys(monkeypatch) -> list[str]:
    stored: list[str] = []
    original = cache.set

    def spy(key, *args, **kwargs):
        if f":{versioned.CHROME}:" in key:
            stored.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return stored


@pytest.mark.parametrize("path", ["/members/", "/members/claims/"])
def test_the_members_chrome_is_rendered_once_per_path(seeded, path):
    client = _member("泉", "株式会社泉ホテル")
    _page, cold = _get(client, path)
    page, warm = _get(client, path)
    assert warm < cold - 5, (cold, warm)
    assert "site-header" in page and "site-footer" in page


def test_no_visitor_data_is_shared_through_the_cached_chrome(seeded):
    first = _member("泉一郎", "株式会社泉ホテル")
    second = _member("秋保二郎", "秋保温泉旅館株式会社")
    mine, _ = _get(first, "/members/")
    theirs, _ = _get(second, "/members/")  # the chrome comes from the cache first filled
    assert "株式会社泉ホテル" in mine and "株式会社泉ホテル" not in theirs
    assert "秋保温泉旅館株式会社" in theirs and "秋保温泉旅館株式会社" not in mine
    # The logout form (with each session's CSRF token) is the view's, outside the chrome.
    assert mine.count('name="csrfmiddlewaretoken"') >= 1 and theirs.count('name="csrfmiddlewaretoken"') >= 1
    # A signed-out visitor gets the sign-in page's own chrome, without the members menu.
    login = Client().get("/members/login/").content.decode()
    assert "members-nav" not in login and "ログアウト" not in login
    assert "members-nav" in theirs


def test_the_language_switcher_of_a_members_page_stays_per_language(seeded):
    client = _member("泉", "株式会社泉ホテル")
    japanese, _ = _get(client, "/members/claims/")
    english, _ = _get(client, "/en/members/claims/")
    assert 'href="/en/members/claims/"' in japanese
    assert 'href="/members/claims/"' in english
    japanese_again, _ = _get(client, "/members/claims/")
    assert 'href="/en/members/claims/"' in japanese_again


def test_a_site_alert_reaches_the_cached_members_chrome(seeded):
    client = _member("泉", "株式会社泉ホテル")
    _get(client, "/members/")
    alert = SiteAlertSettings.load()
    alert.enabled, alert.message = True, "予算の上限に近づいています（マイページ試験）"
    alert.save()
    page, _ = _get(client, "/members/")
    assert "予算の上限に近づいています（マイページ試験）" in page


def test_error_pages_and_views_with_url_arguments_are_not_cached(seeded, monkeypatch):
    stored = _chrome_keys(monkeypatch)
    client = _member("泉", "株式会社泉ホテル")
    assert client.get("/members/notices/999999/").status_code == 404
    assert Client().get("/members/verify/made-up-token/").status_code in (200, 302, 400)
    assert Client().get("/members/does-not-exist/").status_code == 404
    assert stored == []
    assert client.get("/members/").status_code == 200
    assert len(stored) == 2  # header and footer


def test_the_key_names_the_view_for_a_page_less_render(rf, seeded):
    from django.template import Context
    from django.urls import resolve

    request = rf.get("/members/claims/?page=2")
    request.resolver_match = resolve("/members/claims/")
    key = cms_tags.chrome_fragment_key("header", Context({"request": request}))
    assert key is not None and "view:members:claims" in key
    assert cms_tags.chrome_fragment_key("header", Context({"request": request, "exception": "x"})) is None
    other = rf.get("/members/claims/")
    other.resolver_match = request.resolver_match
    assert cms_tags.chrome_fragment_key("header", Context({"request": other})) == key


def test_a_warm_members_page_reads_no_permissions_and_the_user_in_one_query(seeded):
    """The Wagtail user bar (a permission check for every hotel user) is not on members pages, and
    the sign-in backend (accounts.backends) reads the user, its staff role and its membership with
    the business in one query, which the staff checks and the access check then use."""
    client = _member("泉", "株式会社泉ホテル")
    _get(client, "/members/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/members/").status_code == 200
    sql = [query["sql"] for query in captured]
    assert not [query for query in sql if "auth_permission" in query]
    (user_query,) = [query for query in sql if 'FROM "auth_user"' in query]
    assert '"participants_business"' in user_query and '"auth_user_groups"' in user_query
    assert not [query for query in sql if query.startswith('SELECT "participants_membership"')]
    assert not [query for query in sql if '"auth_user_groups"' in query and query != user_query]
    assert "userbar" not in client.get("/members/claims/").content.decode()


def test_a_role_or_membership_change_counts_from_the_next_request(seeded):
    """Nothing of the user is kept between requests: a hotel user given a staff role is sent to the
    admin on the next request, and one whose membership ends is asked for a business."""
    user = make_member(BusinessFactory(name="株式会社泉ホテル"))
    client = Client()
    client.force_login(user)
    assert client.get("/members/").status_code == 200
    user.groups.add(Group.objects.get(name="reviewer"))
    assert client.get("/members/")["Location"].startswith("/admin/")
    user.groups.clear()
    assert client.get("/members/").status_code == 200
    user.membership.delete()
    assert client.get("/members/")["Location"] == "/members/business/new/"
