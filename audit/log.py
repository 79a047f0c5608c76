"""`record`: the one function that writes audit entries.

Appends are serialised so the hash chain never forks: on PostgreSQL each append takes a
transaction-level advisory lock, then reads the newest entry and inserts the next one in the same
transaction. A unique `sequence` is the backstop (two appends that somehow raced would make one fail
rather than fork the chain). The lock is held until the caller's transaction ends, so inside a long
`transaction.atomic()` call `record` as the last step.

Fail closed: a failed write raises into the caller. Showing bank accounts or exporting personal data
without a trace is worse than an error page, and a half-working audit log gives false comfort, so the
same rule applies to every action (a login whose entry cannot be written fails too).
"""

from __future__ import annotations

import contextvars
import ipaddress
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import GENESIS_HASH, AuditAction, AuditEntry

# Any constant unique to this table; pg_advisory_xact_lock takes a bigint.
ADVISORY_LOCK_KEY = 0x41554449545F4C47  # "AUDIT_LG"

_current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "audit_current_request", default=None
)


def record(
    action: AuditAction | str,
    *,
    request: HttpRequest | None = None,
    actor: Any = None,
    actor_label: str | None = None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: Any = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry and return it.

    `request` gives the IP and (when `actor` is not given) the signed-in user; without it the request
    of `AuditContextMiddleware` is used, so model signals know who acted. `obj` fills object_type
    ("app_label.model") and object_id. `summary` is short Japanese (a lazy string is stored in
    Japanese whatever the request's language) and, like `detail`, must not contain personal data.
    `detail` holds strings, integers, booleans, lists and objects — no floats, whose JSON form the
    database may not give back identically, which would break the hash.
    """
    action = AuditAction(action)
    if request is None:
        request = _current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    with translation.override(settings.LANGUAGE_CODE):
        summary_text = str(summary)
    detail = _json_safe(detail or {})
    label = actor_label if actor_label is not None else (actor.get_username() if actor is not None else "")

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])
        last = AuditEntry.objects.order_by("-sequence").values_list("sequence", "hash").first()
        sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(
            sequence=sequence,
            at=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            actor_label=label[:150],
            ip=client_ip(request) if request is not None else None,
            action=action.value,
            object_type=str(object_type)[:100],
            object_id=str(object_id)[:64],
            summary=summary_text[:200],
            detail=detail,
            prev_hash=prev_hash,
        )
        entry.hash = entry.compute_hash()
        entry.save(force_insert=True)
    return entry


def _json_safe(detail: dict[str, Any]) -> dict[str, Any]:
    """What the database will give back: dates and UUIDs as strings; floats refused (see `record`)."""
    safe = json.loads(json.dumps(detail, cls=DjangoJSONEncoder))

    def check(value: Any) -> None:
        if isinstance(value, float):
            raise TypeError("audit detail must not contain floats")
        if isinstance(value, dict):
            for item in value.values():
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)

    check(safe)
    return safe


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the proxy's header named by RATELIMIT_IP_META_KEY.

    The surveys' rate limits already need to know which header the production proxy sets, so the audit
    log reads the same setting instead of a second one that could disagree. Only a header the proxy
    itself sets is trusted; from a comma-separated list (X-Forwarded-For) the right-most address is
    taken, the one the proxy appended, since anything to its left came from the client.
    """
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    value: Any = None
    if callable(meta_key):
        value = meta_key(request)
    elif isinstance(meta_key, str) and "." in meta_key:
        value = import_string(meta_key)(request)
    elif meta_key:
        value = request.META.get(meta_key)
    if not value:
        value = request.META.get("REMOTE_ADDR")
    if not value:
        return None
    candidate = str(value).split(",")[-1].strip()
    try:
        return ipaddress.ip_address(candidate).compressed
    except ValueError:
        return None


def current_request() -> HttpRequest | None:
    return _current_request.get()


class AuditContextMiddleware:
    """Makes the current request known to `record`, so model signals (role and permission changes made
    in the Wagtail or Django admin) log who made them and from where. Put it after
    AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
