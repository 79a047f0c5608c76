"""Keeping a list screen's filters in its page links."""

from __future__ import annotations

from django.http import HttpRequest


def query_without(request: HttpRequest, *drop: str) -> str:
    """The request's query string without `page` (and `drop`), for links that change only those."""
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()
