"""Paging list screens: keeping a list's filters in its page links, and not counting short lists."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest


def query_without(request: HttpRequest, *drop: str) -> str:
    """The request's query string without `page` (and `drop`), for links that change only those."""
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    return query.urlencode()


class ShortListPaginator(Paginator):
    """A `Paginator` that does not count a list that fits on its first page.

    Most lists of the members area are short (a hotel's claims, its notices). For the first page this
    reads one row more than a page: when that extra row is absent, the rows read are the whole list and
    their number is the count, so the `COUNT(*)` query is not made. Longer lists and later pages cost
    what `Paginator` costs. Without orphans only (orphans move rows between the last two pages).
    """

    def page(self, number):
        if number not in (1, "1") or self.orphans or "count" in self.__dict__:
            return super().page(number)
        rows = list(self.object_list[: self.per_page + 1])
        if len(rows) <= self.per_page:
            self.count = len(rows)  # sets the cached_property: every row is here
        return self._get_page(rows[: self.per_page], self.validate_number(1), self)
