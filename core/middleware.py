"""HTTP caching policy for the whole site.

Public pages are the same for every anonymous visitor, so a CDN may keep them (`s-maxage`, and a
little longer while it refetches: `stale-while-revalidate`) and Wagtail purges them on publish. The
pages that follow 販売終了 ("live" in `core.pagecache`: the facility guide, its pages, the sold-out
list, the API) get a short `s-maxage` so a traveller sees a change within 60 seconds even where the
CDN is not purged. Anything personal — staff and member areas, logged-in visitors,
responses that set cookies, non-GET requests, errors — is marked `private, no-store` so that no
shared cache can ever hand one person's page to another.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

from .pagecache import LIVE, cache_class

PUBLIC_STATUSES = {200, 301, 404}


class CacheControlMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(settings.STATIC_URL):
            return response  # whitenoise sets long-lived headers for hashed files
        if self.is_public(request, response):
            if "Cache-Control" not in response:
                patch_cache_control(response, **self.public_policy(request))
        else:
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response

    @staticmethod
    def public_policy(request: HttpRequest) -> dict[str, object]:
        if cache_class(request) == LIVE:
            return {
                "public": True,
                "max_age": settings.PUBLIC_LIVE_CACHE_MAX_AGE,
                "s_maxage": settings.PUBLIC_LIVE_CACHE_S_MAXAGE,
                "stale_while_revalidate": settings.PUBLIC_LIVE_CACHE_STALE_WHILE_REVALIDATE,
            }
        return {
            "public": True,
            "max_age": settings.PUBLIC_CACHE_MAX_AGE,
            "s_maxage": settings.PUBLIC_CACHE_S_MAXAGE,
            "stale_while_revalidate": settings.PUBLIC_CACHE_STALE_WHILE_REVALIDATE,
            "stale_if_error": settings.PUBLIC_CACHE_STALE_IF_ERROR,
        }

    @staticmethod
    def is_public(request: HttpRequest, response: HttpResponse) -> bool:
        if request.method not in ("GET", "HEAD"):
            return False
        if any(request.path.startswith(prefix) for prefix in settings.PRIVATE_PATH_PREFIXES):
            return False
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return False
        if response.cookies:
            return False
        if response.status_code not in PUBLIC_STATUSES:
            return False
        cache_control = response.get("Cache-Control", "")
        return "private" not in cache_control and "no-store" not in cache_control
