"""Whole public pages kept in the shared cache, so launch-day traffic costs a cache read, not Wagtail.

An uncached Wagtail page costs tens of milliseconds of CPU; the same page read back from Redis costs
about as much as a trivial view. `PageCacheMiddleware` sits near the top of `MIDDLEWARE`, so a hit
skips sessions, authentication, CSRF, locale, URL resolution and Wagtail entirely.

What is stored (all of it must hold, or the response is passed through untouched):

- the request is an anonymous GET: no session or messages cookie, no `Authorization` header, not a
  Wagtail preview (`is_dummy`), not under `PRIVATE_PATH_PREFIXES` or `PAGE_CACHE_EXCLUDED_PREFIXES`;
- the view opted in: a Wagtail page (`before_serve_page` marks it, unless its class says
  `page_cache = False`) or a route named in `PAGE_CACHE_ROUTES` (the open-data JSON);
- the response is a plain 200 that sets no cookie, used no CSRF token, is not `private`/`no-store`
  and is smaller than `PAGE_CACHE_MAX_BYTES`.

HEAD requests are answered from a stored GET. Hits carry `X-Page-Cache: hit`, stored misses
`X-Page-Cache: miss`; anything else carries no such header.

The key is the scheme, host and full path with the query string sorted (tracking parameters such as
`utm_*` and `fbclid` are dropped from the request itself, so every click from a campaign mail or post
shares one entry). The language is part of the path (`/en/` or none: Japanese; LocaleMiddleware
ignores `Accept-Language` and the language cookie when `prefix_default_language=False`), so it needs
no separate key part. Each entry records the `pages` version of `core.cache` it was rendered under;
one `get_many` reads the entry and the current version together, and an entry of an old version is a
miss. Anything that bumps a version (`core.cache`) therefore empties the page cache at once.

Lifetimes: "live" pages, whose content follows 販売終了 (the facility guide, its facility pages, the
sold-out list, the open-data API), stay at most `PAGE_CACHE_LIVE_TIMEOUT` (60 s) even if a change
bypassed every signal (a raw `queryset.update()`); the other pages `PAGE_CACHE_TIMEOUT`.
`CacheControlMiddleware` gives CDNs the matching `s-maxage` (see `cache_class`), and
`facilities_changed` purges the guide's URLs from a CDN configured in `WAGTAILFRONTENDCACHE`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from . import cache as versioned

HIT_HEADER = "X-Page-Cache"
LIVE = "live"
STANDARD = "standard"
_MARK = "_page_cache_class"  # request attribute set when a view opts in
_SKIPPED_HEADERS = {HIT_HEADER.lower(), "set-cookie"}


# --- Which requests and responses ------------------------------------------------------------------


def _bypass_cookies() -> tuple[str, ...]:
    return (settings.SESSION_COOKIE_NAME, "messages", *getattr(settings, "PAGE_CACHE_BYPASS_COOKIES", ()))


def may_serve(request: HttpRequest) -> bool:
    """Whether this request may be answered from (and fill) the page cache: anonymous and public."""
    if request.method not in ("GET", "HEAD") or getattr(request, "is_dummy", False):
        return False
    if "HTTP_AUTHORIZATION" in request.META:
        return False
    cookies = request.COOKIES
    if any(name in cookies for name in _bypass_cookies()):
        return False
    path = request.path_info
    prefixes = (*settings.PRIVATE_PATH_PREFIXES, *settings.PAGE_CACHE_EXCLUDED_PREFIXES)
    return not any(path.startswith(prefix) for prefix in prefixes)


def mark(request: HttpRequest, cache_class: str) -> None:
    """Let this request's response be stored (`LIVE` or `STANDARD` lifetime)."""
    setattr(request, _MARK, cache_class)


def cache_class(request: HttpRequest) -> str | None:
    """`LIVE`, `STANDARD` or None (not opted in), for this middleware and `CacheControlMiddleware`."""
    marked = getattr(request, _MARK, None)
    if marked:
        return marked
    match = getattr(request, "resolver_match", None)
    if match is not None and match.url_name:
        return settings.PAGE_CACHE_ROUTES.get(match.url_name)
    return None


def _storable(request: HttpRequest, response: HttpResponseBase) -> int:
    """The lifetime to store `response` for, or 0 when it must not be stored."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return 0
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return 0
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control or "no-cache" in cache_control:
        return 0
    kind = cache_class(request)
    if kind is None:
        return 0
    content = response.content
    if len(content) > settings.PAGE_CACHE_MAX_BYTES or b"csrfmiddlewaretoken" in content:
        return 0
    return settings.PAGE_CACHE_LIVE_TIMEOUT if kind == LIVE else settings.PAGE_CACHE_TIMEOUT


# --- Keys ---------------------------------------------------------------------------------------------


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in settings.PAGE_CACHE_IGNORED_PARAMS


def normalise_query(request: HttpRequest) -> str:
    """The sorted query string without tracking parameters; the request drops them too, so the page
    rendered (and stored) never carries one visitor's click id into another's links."""
    raw = request.META.get("QUERY_STRING", "")
    if not raw:
        return ""
    pairs = parse_qsl(raw, keep_blank_values=True)
    kept = [(name, value) for name, value in pairs if not _is_tracking(name)]
    if len(kept) != len(pairs):
        request.META["QUERY_STRING"] = urlencode(kept)
        request.__dict__.pop("GET", None)  # WSGIRequest.GET is a cached property
    return urlencode(sorted(kept))


def page_key(request: HttpRequest) -> str | None:
    """The cache key of this request's page, or None when the host is not allowed (Django answers 400)."""
    try:
        host = request.get_host()
    except DisallowedHost:
        return None
    query = normalise_query(request)
    identity = "\n".join((request.scheme, host, request.path, query))
    digest = hashlib.sha256(identity.encode()).hexdigest()
    return f"{versioned.PREFIX}:{versioned.PAGES}:page:{digest}"


# --- Storing and answering --------------------------------------------------------------------------


def _freeze(version: str, response: HttpResponseBase) -> tuple:
    headers = [(name, value) for name, value in response.items() if name.lower() not in _SKIPPED_HEADERS]
    return (version, response.status_code, headers, response.content)


def _thaw(entry: tuple) -> HttpResponse:
    _version, status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return response


class PageCacheMiddleware:
    """Answer anonymous visitors' public pages from the shared cache (see the module docstring).

    Place it right after WhiteNoise and before SessionMiddleware: the security headers (HSTS, CSP,
    Permissions-Policy) are added around it on every response, hit or not.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not settings.PAGE_CACHE_ENABLED or not may_serve(request):
            return self.get_response(request)
        key = page_key(request)
        if key is None:
            return self.get_response(request)
        version_key = versioned.version_key(versioned.PAGES)
        found = cache.get_many([version_key, key])
        current = found.get(version_key)
        entry = found.get(key)
        if entry is not None and current is not None and entry[0] == current:
            response = _thaw(entry)
            response[HIT_HEADER] = "hit"
            return response
        # The version is read before rendering: a change committed meanwhile bumps it again, so
        # what this request renders is stored under an already old version and never served.
        current = current or versioned.version(versioned.PAGES)
        response = self.get_response(request)
        timeout = _storable(request, response)
        if timeout:
            cache.set(key, _freeze(current, response), timeout)
            response[HIT_HEADER] = "miss"
        return response


# --- Opting in: Wagtail pages ---------------------------------------------------------------------


def _before_serve_page(page, request, serve_args, serve_kwargs) -> None:
    """Wagtail pages opt in unless their class sets `page_cache = False`; the guide is live data."""
    if getattr(page, "page_cache", True) is False:
        return
    from facilities.models import FacilityGuidePage

    mark(request, LIVE if isinstance(page, FacilityGuidePage) else STANDARD)


# --- Invalidation of facility data (the guide) ------------------------------------------------------


def facilities_changed(codes: Iterable[str] | None = None) -> None:
    """A facility, its participation or 販売終了 changed: drop every cached page now (and on commit,
    `core.cache.bump`), and purge the guide's pages of `codes` (all guide pages when None) from the
    CDN once the change is committed. Called by signals and by the code that writes with `update()`
    or in bulk (`facilities.services`, `facilities.importing`)."""
    versioned.bump(versioned.PAGES)
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        codes = None if codes is None else sorted({code for code in codes if code})
        transaction.on_commit(lambda: purge_guide(codes))


def guide_urls(codes: Iterable[str] | None) -> list[str]:
    """The absolute URLs a CDN may hold for the guide in every language: the guide (the search page
    without a query), the sold-out list, the facilities' pages and the open-data API's first page.
    Searches with a query cannot be listed; their `s-maxage` is short (`PUBLIC_LIVE_CACHE_*`)."""
    from wagtail.models import Site

    from facilities.models import FacilityGuidePage

    urls: list[str] = []
    for guide in FacilityGuidePage.objects.live().public():
        base = guide.get_full_url()
        if not base:
            continue
        urls += [base, f"{base}sold-out/"]
        urls += [f"{base}{code}/" for code in codes or ()]
    site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        urls.append(f"{site.root_url}/api/facilities/")
    return urls


def purge_guide(codes: Iterable[str] | None) -> None:
    """Ask the CDN (`WAGTAILFRONTENDCACHE`) to forget the guide's pages."""
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    purge_urls_from_cache(guide_urls(codes))


def _facility_code(instance) -> str | None:
    from facilities.models import Facility

    if isinstance(instance, Facility):
        return instance.code
    facility_id = getattr(instance, "facility_id", None)
    if facility_id is None:
        return None
    return Facility.objects.filter(pk=facility_id).values_list("code", flat=True).first()


def _facility_saved(sender, instance, **kwargs) -> None:
    if not kwargs.get("raw"):
        code = _facility_code(instance)
        facilities_changed([code] if code else [])


_hook_registered = False


def connect_signals() -> None:
    """Called from `core.cache.connect_signals` (CoreConfig.ready)."""
    global _hook_registered
    from wagtail import hooks

    from facilities.models import Facility, FacilityPhoto, Participation

    for model in (Facility, FacilityPhoto, Participation):
        label = model._meta.label
        post_save.connect(_facility_saved, sender=model, dispatch_uid=f"core.pagecache:{label}:save")
        post_delete.connect(_facility_saved, sender=model, dispatch_uid=f"core.pagecache:{label}:delete")
    if not _hook_registered:
        hooks.register("before_serve_page", _before_serve_page)
        _hook_registered = True
