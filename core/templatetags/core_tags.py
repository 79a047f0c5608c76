from __future__ import annotations

import datetime

from django import template

from core.formatting import document_date, document_datetime, document_month, format_date, format_yen

register = template.Library()


@register.filter
def jdate(value: datetime.date | None, arg: str = "") -> str:
    """Date in the site's style; `|jdate:"short"` drops the weekday."""
    return format_date(value, weekday=arg != "short")


# 和暦 filters for the city's documents (`core.formatting.document_*`: the English date in English).


@register.filter
def wareki(value: datetime.date | None) -> str:
    """`令和8年12月7日`."""
    return document_date(value) if value else ""


@register.filter
def wareki_month(value: datetime.date | None) -> str:
    """`令和8年11月`: a month."""
    return document_month(value) if value else ""


@register.filter
def wareki_datetime(value: datetime.datetime | None) -> str:
    """`令和8年12月7日 14:05` (Tokyo time)."""
    return document_datetime(value) if value else ""


@register.filter
def yen(value: int | None) -> str:
    return format_yen(value)


@register.simple_tag
def page_numbers(page_obj) -> list:
    """Page links around the current page plus the ends, with `…` gaps: a constant number of links
    however many pages there are (a 50,000-result search has 2,500)."""
    return list(page_obj.paginator.get_elided_page_range(page_obj.number, on_each_side=2, on_ends=1))
