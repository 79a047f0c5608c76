"""Versioned caching of what every public page repeats, and everything that invalidates it.

The guide page and the API must answer in tens of milliseconds (bench/guide.py). Most of a page's
time went into things that do not depend on the visitor's query: the site chrome of `base.html`
(menu, language switcher, breadcrumbs, alert, banners, footer links and contact settings: about 16
SQL queries) and the taxonomy the search form offers and the result cards label. Those are kept in
Django's cache (Redis in production, process memory otherwise) under a *version* per kind of data:

- `chrome`: the rendered chrome fragments (`{% chromecache %}` in `cms_tags`), per site, language and
  path, and the guide page's URL that the API links to. Bumped when a page is saved, published,
  unpublished, moved or deleted or its privacy changes, when a site, locale or image changes, and
  when the cms settings (contact, alert, navigation and its footer links) or a tourism banner are
  saved or deleted.
- `taxonomy`: the ward, area, facility type and feature lists (`facilities.search.terms`) that the
  search form offers and the result cards and the API label. Bumped when a term is saved or deleted.
- `pages`: whole public responses (`core.pagecache`, the launch-day page cache). Bumped with every
  other kind (a page shows its chrome and taxonomy) and on its own when what only a page body shows
  changes: a facility, its photos or participation, 販売終了 (`facilities.services`, which writes with
  `update()` and so calls `pagecache.facilities_changed` itself), a facility import, a campaign, an
  FAQ entry or a document.

Bumping replaces the version with a new random token, so every key built with the old one is
never read again (and expires after `TIMEOUT`); nothing has to enumerate keys, which Django's cache
API cannot do. A missing version (evicted, cache cleared) also gets a new random token, never a
reused one, so an old fragment cannot come back. Bumps happen immediately and again when the
transaction commits: a request that ran between the two and cached the not-yet-committed state is
discarded by the second bump.

With the process-local cache (no `REDIS_URL`), a bump only reaches the process that made it; the
other processes see the change after `TIMEOUT` at the latest. Production sets `REDIS_URL`.

Only data that is the same for every visitor is cached here. Search results and their counts are
never cached: every query is answered afresh, over the round's listed facilities that the guide keeps
(`facilities.search.listed_rows`, under `pages`); the result *cards* are (`cards`, under `pages`: a
card shows 販売終了, facility data and taxonomy labels, all of which bump `pages`).

Within one request the versions are read once, all kinds in one `get_many`, and remembered until the
request finishes (`request_started` / `request_finished`; a bump made by the request itself updates
them). Outside a request (commands, the task worker) every call reads Redis. Values that are the same
for every request and expensive to unpickle (the taxonomy, the guide's listing) can also be kept in
process memory (`get_or_build(..., local=True)`): safe because the key carries the version, read from
the cache, and the copy expires with the shared one.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

TIMEOUT = 300  # seconds; bounds staleness where a bump cannot reach (other processes' local memory)
PREFIX = "sendai-v2"  # change when the cached structures change shape

CHROME = "chrome"
TAXONOMY = "taxonomy"
PAGES = "pages"


def _version_key(kind: str) -> str:
    return f"{PREFIX}:version:{kind}"


KINDS = (CHROME, TAXONOMY, PAGES)
LOCAL_MAX = 64  # entries of `_local_values` before it is emptied (one per kind and parts)

_request = threading.local()  # .versions: dict while a request runs, None otherwise
BUILD_LOCK_TIMEOUT = 30  # seconds another process's copy may outlive its expiry while one is built
# (kind, parts) -> (versioned key, value, expiry as a Unix time): only the current version's
# value is kept, so a large value (the guide's listed rows) is not kept once per version it had.
_local_values: dict[tuple[str, tuple[Any, ...]], tuple[str, Any, float]] = {}


def _request_began(**kwargs) -> None:
    _request.versions = {}


def _request_ended(**kwargs) -> None:
    _request.versions = None


def versions(*kinds: str) -> dict[str, str]:
    """The current version tokens of `kinds` (fresh ones where none is stored).

    During a request, the first call reads every kind in one round trip and the request keeps them.
    """
    memo: dict[str, str] | None = getattr(_request, "versions", None)
    wanted = [kind for kind in kinds if memo is None or kind not in memo]
    if wanted:
        fetch = list(KINDS) if memo is not None and not memo else wanted
        found = cache.get_many([_version_key(kind) for kind in fetch])
        tokens = {kind: found[_version_key(kind)] for kind in fetch if _version_key(kind) in found}
        for kind in wanted:
            if kind not in tokens:
                key = _version_key(kind)
                cache.add(key, uuid.uuid4().hex, timeout=None)
                tokens[kind] = cache.get(key)
        if memo is not None:
            memo.update(tokens)
        else:
            return {kind: tokens[kind] for kind in kinds}
    return {kind: memo[kind] for kind in kinds}


def version(kind: str) -> str:
    """The current version token of `kind`; a fresh one when none is stored."""
    return versions(kind)[kind]


def version_key(kind: str) -> str:
    """The cache key holding `kind`'s version (the page cache reads it with the page in one round trip)."""
    return _version_key(kind)


def bump(kind: str) -> None:
    """Invalidate everything cached under `kind`, now and once more when the transaction commits.

    Whole pages contain every other kind, so any bump also invalidates the page cache.
    """
    kinds = {kind, PAGES}

    def replace() -> None:
        tokens = {name: uuid.uuid4().hex for name in kinds}
        cache.set_many({_version_key(name): token for name, token in tokens.items()}, timeout=None)
        memo = getattr(_request, "versions", None)
        if memo is not None:
            memo.update(tokens)

    replace()
    transaction.on_commit(replace)


def key(kind: str, *parts: Any) -> str:
    """A cache key of `kind` at its current version."""
    return ":".join([PREFIX, kind, version(kind), *(str(part) for part in parts)])


def get_or_build(
    kind: str,
    parts: tuple[Any, ...],
    build: Callable[[], T],
    *,
    local: bool = False,
    timeout: int = TIMEOUT,
) -> T:
    """The cached value of `kind` for `parts`, or `build()` stored for next time (for `timeout` seconds).

    `local=True` also keeps the current version's value in this process (one per kind and parts, so
    an old version's value is dropped when the new one is read), for values every request reads and
    that cost more to unpickle than to keep (the value is shared, do not mutate it). The copy expires
    when the shared one does, `timeout` seconds after it was built, so a change that bypasses the
    version bump reaches every process within `timeout`. When it expires, one process builds it again
    (a lock in the cache) while the others go on with their copy of the same version for the seconds
    that takes: a value that every search reads must not be built by every worker at once.
    """
    cache_key = key(kind, *parts)
    kept = _local_values.get((kind, parts)) if local else None
    same_version = kept is not None and kept[0] == cache_key
    if same_version and kept[2] > time.time():
        return kept[1]
    entry = cache.get(cache_key)  # (built at, value)
    if entry is None:
        lock = f"{cache_key}:building"
        if same_version and not cache.add(lock, True, BUILD_LOCK_TIMEOUT):
            return kept[1]
        try:
            entry = (time.time(), build())
            cache.set(cache_key, entry, timeout)
        finally:
            if same_version:
                cache.delete(lock)
    built_at, value = entry
    if local:
        if len(_local_values) >= LOCAL_MAX and (kind, parts) not in _local_values:
            _local_values.clear()
        _local_values[(kind, parts)] = (cache_key, value, built_at + timeout)
    return value


def get_or_build_many(
    kind: str, parts: Iterable[tuple[Any, ...]], build: Callable[[list[tuple[Any, ...]]], list[T]]
) -> list[T]:
    """The cached values of `kind` for each of `parts`, in order, read with one `get_many`; the
    missing ones come from one `build(missing_parts)` call (values in the same order) and are stored
    with one `set_many`."""
    parts = list(parts)
    keys = [key(kind, *item) for item in parts]
    found = cache.get_many(keys)
    missing = [index for index, cache_key in enumerate(keys) if cache_key not in found]
    if missing:
        built = build([parts[index] for index in missing])
        fresh = {keys[index]: value for index, value in zip(missing, built, strict=True)}
        cache.set_many(fresh, TIMEOUT)
        found.update(fresh)
    return [found[cache_key] for cache_key in keys]


# --- What bumps which version --------------------------------------------------------------------

_CHROME_MODELS = [
    "wagtailcore.Site",
    "wagtailcore.Locale",
    "wagtailcore.PageViewRestriction",
    "wagtailimages.Image",
    "cms.ContactSettings",
    "cms.SiteAlertSettings",
    "cms.NavigationSettings",
    "cms.FooterLink",
    "cms.TourismBanner",
]
_TAXONOMY_MODELS = ["facilities.Ward", "facilities.Area", "facilities.FacilityType", "facilities.Feature"]
# What only page bodies show (the chrome and taxonomy kinds bump the pages too). Facilities and their
# participations also purge the guide's URLs from a CDN (core.pagecache).
_PAGE_MODELS = [
    "campaigns.Campaign",
    "inquiries.FAQEntry",
    "wagtaildocs.Document",
]


def _bumper(kind: str) -> Callable[..., None]:
    def receiver(sender, **kwargs) -> None:
        if not kwargs.get("raw"):  # fixtures being loaded
            bump(kind)

    receiver.__name__ = f"bump_{kind}"
    return receiver


_bump_chrome = _bumper(CHROME)
_bump_taxonomy = _bumper(TAXONOMY)
_bump_pages = _bumper(PAGES)


def _page_changed(sender, instance, **kwargs) -> None:
    """Any page row written or deleted (a direct save of a live page changes what menus show)."""
    from wagtail.models import Page

    if isinstance(instance, Page) and not kwargs.get("raw"):
        bump(CHROME)


def connect_signals() -> None:
    """Called once from `CoreConfig.ready()`."""
    request_started.connect(_request_began, dispatch_uid="core.cache:request_started")
    request_finished.connect(_request_ended, dispatch_uid="core.cache:request_finished")
    from wagtail.signals import page_published, page_unpublished, post_page_move

    for receiver, labels in (
        (_bump_chrome, _CHROME_MODELS),
        (_bump_taxonomy, _TAXONOMY_MODELS),
        (_bump_pages, _PAGE_MODELS),
    ):
        for label in labels:
            model = apps.get_model(label)
            post_save.connect(receiver, sender=model, dispatch_uid=f"core.cache:{label}:save")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"core.cache:{label}:delete")
    page_published.connect(_bump_chrome, dispatch_uid="core.cache:page_published")
    page_unpublished.connect(_bump_chrome, dispatch_uid="core.cache:page_unpublished")
    post_page_move.connect(_bump_chrome, dispatch_uid="core.cache:post_page_move")
    post_save.connect(_page_changed, dispatch_uid="core.cache:page_saved")
    post_delete.connect(_page_changed, dispatch_uid="core.cache:page_deleted")

    from . import pagecache

    pagecache.connect_signals()
