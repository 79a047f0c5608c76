"""HTTP caching policy for the whole site.

Public pages are the same for every anonymous visitor, so a CDN may keep them (`s-maxage`) and
Wagtail purges them on publish. Anything personal — staff and member areas, logged-in visitors,
responses that set cookies, non-GET requests, errors — is marked `private, no-store` so that no
shared cache can ever hand one person's page to another.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

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
                patch_cache_control(
                    response,
                    public=True,
                    max_age=settings.PUBLIC_CACHE_MAX_AGE,
                    s_maxage=settings.PUBLIC_CACHE_S_MAXAGE,
                )
        else:
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True, no_store=True, max_age=0)
        return response

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
