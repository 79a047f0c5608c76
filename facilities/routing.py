"""Wagtail's routing of the facility guide, remembered in the cache.

Before a Wagtail page is served, Wagtail finds the site for the host (one query), the root page in the
visitor's language (locale and page queries) and walks the page tree one query per level: 5 of a
search's 10 queries, the same for every search. `GuideRouteMiddleware` keeps the result for the guide
page's own URL (`/facilities/`, `/en/facilities/`: the search, whatever its query string) under the
`chrome` version of `core.cache`, which every change to pages, sites, locales and view restrictions
bumps, and hands it to Wagtail through the attributes Wagtail itself caches its routing in
(`request._wagtail_site`, `request._wagtail_route_for_request`), with the site root paths that
`page.get_url()` reads (`request._wagtail_cached_site_root_paths`). The page object is unpickled per
request, so nothing is shared between visitors; Wagtail's own checks (view restrictions,
`before_serve_page` hooks) still run on every request. Other pages are routed by Wagtail as before.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import get_language
from wagtail import views as wagtail_views
from wagtail.models import Page, Site

from core import cache as versioned


class GuideRouteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        if view_func is not wagtail_views.serve or request.method not in ("GET", "HEAD"):
            return None
        if hasattr(request, "_wagtail_route_for_request") or hasattr(request, "_wagtail_site"):
            return None
        path = view_kwargs.get("path", view_args[0] if view_args else "")
        components = [component for component in path.split("/") if component]
        where = "\n".join([request.get_host(), get_language() or "", *components])
        digest = hashlib.md5(where.encode(), usedforsecurity=False).hexdigest()
        cache_key = versioned.key(versioned.CHROME, "guide-route", digest)
        entry = cache.get(cache_key)
        if entry is not None:
            site, page, root_paths = entry
            request._wagtail_site = site
            request._wagtail_cached_site_root_paths = root_paths  # what page.get_url() reads
            try:
                request._wagtail_route_for_request = page.route(request, [])
            except Http404:
                request._wagtail_route_for_request = None
            return None
        route = Page.route_for_request(request, path)  # Wagtail keeps it on the request for its view
        site = Site.find_for_request(request)
        if route is None or site is None:
            return None
        page = route[0]
        from .models import FacilityGuidePage

        if isinstance(page, FacilityGuidePage) and page.depth - site.root_page.depth == len(components):
            root_paths = Site.get_site_root_paths()
            cache.set(cache_key, (site, page, root_paths), versioned.TIMEOUT)
        return None
