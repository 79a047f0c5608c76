"""Eight processes approve claims at once against PostgreSQL: nothing is overspent, the ledger balances.

The budget covers only part of the claims, every worker tries every claim in its own order, and each
runs in its own process with its own database connection — the way several accountants on several
app servers would. The row locks in `claims.budget` must make exactly the affordable claims win.

A transactional test commits, and pytest-django empties every table after it (the roles and taxonomy
that migrations created included). pytest-django runs transactional tests after all others, so this
costs nothing today; a later transactional test must not assume the demo data.
"""

from __future__ import annotations

import datetime
import multiprocessing
from urllib.parse import quote

import pytest
from django.db import connection, connections

from claims import budget, services
from claims.claim_file import COLUMNS
from claims.models import Claim, ClaimStatus, LedgerEntry, LedgerKind

from .factories import CampaignFactory, FacilityFactory, ParticipationFactory
from .race_worker import approve_all

D = datetime.date
WORKERS = 8
CLAIMS_PER_FACILITY = 12
CLAIM_AMOUNT = 8_000
ALLOCATION = 50_000  # covers 6 of the 12 claims of each facility


def _database_url() -> str:
    """The test database (pytest-django's `test_…` name) as a URL a spawned worker can open."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_never_overspend():
    campaign = CampaignFactory(
        slug="race",
        budget=100_000,
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )
    claim_ids: list[str] = []
    participations = []
    for code in ("RACE1", "RACE2"):
        participation = ParticipationFactory(
            facility=FacilityFactory(code=code), campaign=campaign, approved_on=D(2025, 5, 1)
        )
        budget.set_allocation(participation, ALLOCATION)
        participations.append(participation)
        for n in range(CLAIMS_PER_FACILITY):
            data = (
                ",".join(COLUMNS)
                + "\r\n"
                + f"{code}-{n},2025-05-10,2025-06-01,2,2,40000,{CLAIM_AMOUNT},,\r\n"
            ).encode()
            outcome = services.upload(
                participation, D(2025, 6, 1), data, "f.csv", None, claim_date=D(2025, 7, 1)
            )
            claim_ids.append(str(services.submit(outcome.claim, None).pk))

    connections.close_all()
    database_url = _database_url()
    context = multiprocessing.get_context("spawn")  # see tests/race_worker.py for why not fork
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(approve_all, [(database_url, claim_ids, seed) for seed in range(WORKERS)])
        pool.close()
        pool.join()

    affordable = ALLOCATION // CLAIM_AMOUNT
    assert sum(r["approved"] for r in results) == affordable * len(participations)
    for participation in participations:
        approved = Claim.objects.filter(participation=participation, status=ClaimStatus.APPROVED)
        assert approved.count() == affordable
        account = budget.facility_account(participation)
        assert account.approved == affordable * CLAIM_AMOUNT <= account.limit
    assert budget.campaign_account(campaign).approved <= campaign.budget
    approvals = LedgerEntry.objects.filter(campaign=campaign, kind=LedgerKind.APPROVED)
    assert approvals.count() == affordable * len(participations)
    assert budget.verify_ledger(campaign) == []
