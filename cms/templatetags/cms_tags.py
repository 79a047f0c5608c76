"""Site chrome shared by every public page: menu, breadcrumb, language switcher, banners, alert.

`base.html` wraps the chrome in `{% chromecache "name" %}…{% endchromecache %}`: the rendered HTML is
kept per site, language and path (never the query string) at the current `chrome` version of
`core.cache`, which page publishing and settings/banner saves bump, for Wagtail pages and for our own
views outside the page tree alike (the members area: the chrome was more than half of its CPU).
Nothing per visitor may go inside such a block (CSRF tokens, the user bar, the members area's menu
and logout form, anything read from `request.GET`, `request.user` or the session).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language
from wagtail.models import Locale, Page, Site

from cms.models import NavigationSettings, SiteAlertSettings, TourismBanner
from core import cache as versioned

register = template.Library()


class ChromeCacheNode(template.Node):
    def __init__(self, nodelist: template.NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        cache_key = chrome_fragment_key(self.name, context)
        if cache_key is None:
            return self.nodelist.render(context)
        html = cache.get(cache_key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(cache_key, html, versioned.TIMEOUT)
        return html


@register.tag
def chromecache(parser: template.base.Parser, token: template.base.Token) -> ChromeCacheNode:
    """`{% chromecache "header" %}…{% endchromecache %}`: see the module docstring."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('usage: {% chromecache "name" %}…{% endchromecache %}')
    nodelist = parser.parse(("endchromecache",))
    parser.delete_first_token()
    return ChromeCacheNode(nodelist, bits[1][1:-1])


def chrome_fragment_key(name: str, context: template.Context) -> str | None:
    """The cache key of a chrome fragment, or None when this render must not be cached.

    Cached: live Wagtail pages served to the public, and the views of our own URLconf outside the
    page tree whose URL takes no arguments (the members dashboard and claims, sign-in, sign-up),
    which render the same chrome with no page. Not cached: previews, error pages (a 404 of
    Wagtail's catch-all or of a view, a 500) and views with URL arguments (a token in a link, an
    object's id), whose paths a visitor can vary without bound. The key holds the site, language,
    page (or the view's name), path and what a route below the page shows in the chrome
    (`breadcrumb_tail`, `route_suffix`); everything else the chrome shows is bumped with the `chrome`
    version. The query string is not used by the chrome,
    nor is the visitor: the members area's user menu and logout form are outside the chrome blocks.
    """
    request = context.get("request")
    if request is None or getattr(request, "is_preview", False):
        return None
    page = context.get("page")
    if isinstance(page, Page) and page.pk:
        anchor: Any = page.pk
        site = Site.find_for_request(request)  # already resolved (and kept on the request) by routing
        site_part: Any = site.pk if site else "-"
    elif page is None and _is_bounded_django_view(request) and not _is_error_page(context):
        # The chrome of a view without a page depends only on the path (the language switcher's
        # links are this path in the other languages), the language and the site. The host stands
        # for the site: resolving it would cost a query on every request, the host is one of
        # ALLOWED_HOSTS (`get_host` refuses others), and two hosts of one site only mean two entries.
        anchor = f"view:{request.resolver_match.view_name}"
        site_part = f"host:{request.get_host()}"
    else:
        return None
    language = get_language() or settings.LANGUAGE_CODE
    # What a view below the page adds to the chrome (a facility's name and code) is in the key, so a
    # renamed facility needs no version bump.
    route = "\n".join(
        [request.path, str(context.get("breadcrumb_tail", "")), str(context.get("route_suffix", ""))]
    )
    digest = hashlib.md5(route.encode(), usedforsecurity=False).hexdigest()
    return versioned.key(versioned.CHROME, name, site_part, language, anchor, digest)


def _is_bounded_django_view(request: HttpRequest) -> bool:
    """A view of our own URLconf whose URL takes no arguments: one path per URL pattern and language."""
    match = getattr(request, "resolver_match", None)
    return _is_django_view(request) and not match.args and not match.kwargs


def _is_error_page(context: template.Context) -> bool:
    """Django's error handlers (`page_not_found`, `permission_denied`, `bad_request`) render with the
    exception in the context; their paths are whatever a visitor typed, so they are never cached."""
    return "exception" in context or "request_path" in context


def _site_home(request: HttpRequest | None) -> Page | None:
    site = Site.find_for_request(request) if request is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    if site is None:
        return None
    return site.root_page.localized


@register.simple_tag(takes_context=True)
def site_home(context: dict[str, Any]) -> Page | None:
    return _site_home(context.get("request"))


@register.inclusion_tag("cms/tags/main_menu.html", takes_context=True)
def main_menu(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    home = _site_home(request)
    current = context.get("page")
    items = list(home.get_children().live().public().in_menu()) if home else []
    current_path = current.path if current else ""
    return {
        "home": home,
        "items": [
            {"page": item, "current": bool(current_path) and current_path.startswith(item.path)}
            for item in items
        ],
        "request": request,
    }


@register.inclusion_tag("cms/tags/breadcrumbs.html", takes_context=True)
def breadcrumbs(context: dict[str, Any]) -> dict[str, Any]:
    page = context.get("page")
    tail = context.get("breadcrumb_tail")  # a route below the page (e.g. one facility of the guide)
    request = context.get("request")
    if page is None or (page.depth <= 2 and not tail):
        return {"ancestors": [], "current_title": None}
    ancestors = list(page.get_ancestors().filter(depth__gte=2).live())
    if tail:
        return {
            "ancestors": [*ancestors, page],
            "current_title": tail,
            "current_url": request.path if request else "",
        }
    return {"ancestors": ancestors, "current_title": page.title, "current_url": page.url}


@register.inclusion_tag("cms/tags/language_switcher.html", takes_context=True)
def language_switcher(context: dict[str, Any]) -> dict[str, Any]:
    """Links to this page in the other languages; the site home when a page is not translated yet."""
    request = context.get("request")
    page = context.get("page")
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    home = _site_home(request)
    links = []
    for code, name in settings.LANGUAGES:
        if code == current:
            continue
        url = None
        if page is not None and isinstance(page, Page):
            translation = page.get_translations().live().filter(locale__language_code=code).first()
            url = translation.url + context.get("route_suffix", "") if translation else None
        elif page is None and _is_django_view(request):
            # A Django view outside the page tree (the members area): the same URL in that language.
            translated = translate_url(request.path, code)
            url = translated if translated != request.path else None
        if url is None and home is not None:
            translated_home = home.get_translations(inclusive=True).filter(locale__language_code=code).first()
            url = translated_home.url if translated_home else None
        if url is None:
            url = "/" if code == settings.LANGUAGE_CODE else f"/{code}/"
        links.append({"code": code, "name": name, "native_name": _native_name(code), "url": url})
    return {"links": links}


def _is_django_view(request: HttpRequest | None) -> bool:
    """A view of our own URLconf, not Wagtail's catch-all page serving (whose 404s have no page)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name != "wagtail_serve"


def _native_name(code: str) -> str:
    return {"ja": "日本語", "en": "English"}.get(code, code)


@register.inclusion_tag("cms/tags/tourism_banners.html")
def tourism_banners() -> dict[str, Any]:
    return {"banners": TourismBanner.for_active_locale()}


@register.inclusion_tag("cms/tags/site_alert.html", takes_context=True)
def site_alert(context: dict[str, Any]) -> dict[str, Any]:
    alert = SiteAlertSettings.load(request_or_site=context.get("request"))
    link = alert.link_page.localized if alert.enabled and alert.link_page_id else None
    return {"alert": alert if alert.enabled and alert.message else None, "link": link}


@register.inclusion_tag("cms/tags/footer_links.html", takes_context=True)
def footer_links(context: dict[str, Any]) -> dict[str, Any]:
    navigation = NavigationSettings.load(request_or_site=context.get("request"))
    pages = [link.page.localized for link in navigation.footer_links.select_related("page")]
    return {"pages": [page for page in pages if page.live]}


@register.simple_tag
def active_locale() -> Locale:
    return Locale.get_active()


@register.simple_tag
def current_campaign() -> Any:
    from campaigns.models import Campaign

    return Campaign.objects.current()
