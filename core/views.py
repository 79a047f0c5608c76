from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Load-balancer probe: 200 only when both the database and the cache answer.

    The body names each check so an operator sees which dependency failed; no detail of the error
    is exposed, it goes to the log.
    """
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception:
        logger.exception("healthz: database check failed")
        checks["database"] = "error"
    try:
        key = f"healthz:{uuid.uuid4().hex}"
        cache.set(key, "1", timeout=5)
        ok = cache.get(key) == "1"
        cache.delete(key)
        checks["cache"] = "ok" if ok else "error"
    except Exception:
        logger.exception("healthz: cache check failed")
        checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@never_cache
@require_GET
def healthz_live(request: HttpRequest) -> HttpResponse:
    """Liveness probe: 200 as long as the process answers, without touching the database or the cache.

    A load balancer that restarted servers on `/healthz` failures would restart every one of them
    when PostgreSQL blinks; this probe only says the worker is alive. It is also the floor of
    `bench/load.py`: the cheapest response the same server, middleware included, can give.
    """
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
