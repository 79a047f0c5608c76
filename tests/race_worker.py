"""The worker of `test_claims_race`, in a module of its own so that a *spawned* process can import it
before Django is set up (the test module imports models at its top).

Spawn, not fork: a fork copies the test process with whatever its threads held at that moment (a
logging lock, a database client's lock, the signal handlers an in-process `db_worker` left behind),
and a child could block on a lock nobody would release; a spawned child starts clean and opens its
own connection to the test database.
"""

from __future__ import annotations

import os
import random
import shutil


def approve_all(database_url: str, claim_ids: list[str], seed: int) -> dict[str, int]:
    """Try to approve every claim, in an order of its own; count what went through and what was refused."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connections

    from claims import budget, services
    from claims.models import Claim

    order = list(claim_ids)
    random.Random(seed).shuffle(order)
    counts = {"approved": 0, "refused": 0}
    try:
        for claim_id in order:
            try:
                services.approve(Claim.objects.get(pk=claim_id), None)
                counts["approved"] += 1
            except (budget.BudgetError, services.ClaimError):
                counts["refused"] += 1
    finally:
        connections.close_all()
        # The test settings make fresh media folders per process; a pool worker ends without atexit.
        for folder in (settings.MEDIA_ROOT, settings.PRIVATE_MEDIA_ROOT):
            shutil.rmtree(folder, ignore_errors=True)
    return counts
