"""The claim workflow and the budget ledger (claims.services, claims.budget)."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from claims import budget, services
from claims.claim_file import COLUMNS
from claims.models import BudgetAccount, ClaimStatus, LedgerEntry, LedgerKind

from .factories import CampaignFactory, FacilityFactory, ParticipationFactory, UserFactory

pytestmark = pytest.mark.django_db
D = datetime.date
S = ClaimStatus


@pytest.fixture
def campaign():
    return CampaignFactory(
        slug="claims-2025",
        budget=100_000,
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


def participate(campaign, code, allocation=50_000):
    participation = ParticipationFactory(
        facility=FacilityFactory(code=code), campaign=campaign, approved_on=D(2025, 5, 1)
    )
    if allocation:
        budget.set_allocation(participation, allocation)
    return participation


def claim_file(*discounts: int, prefix: str = "R") -> bytes:
    rows = [",".join(COLUMNS)]
    rows += [f"{prefix}-{n},2025-05-10,2025-06-01,2,2,40000,{d},," for n, d in enumerate(discounts)]
    return ("\r\n".join(rows) + "\r\n").encode()


def submitted_claim(participation, *discounts, prefix="R"):
    outcome = services.upload(
        participation,
        D(2025, 6, 1),
        claim_file(*discounts, prefix=prefix),
        "june.csv",
        None,
        claim_date=D(2025, 7, 1),
    )
    return services.submit(outcome.claim, None)


def test_the_whole_life_of_a_claim_is_in_the_ledger(campaign):
    accountant = UserFactory(role="accountant")
    participation = participate(campaign, "H1")
    claim = submitted_claim(participation, 8_000, 6_000)
    assert claim.status == S.SUBMITTED and claim.claimed_amount == 14_000
    assert budget.facility_account(participation).submitted == 14_000

    claim = services.start_review(claim, accountant)
    services.exclude_line(claim.lines.get(reservation_number="R-1"), "宿泊の事実が確認できない", accountant)
    claim = services.approve(claim, accountant)
    assert claim.approved_amount == 8_000
    account = budget.facility_account(participation)
    assert (account.submitted, account.approved, account.remaining) == (0, 8_000, 42_000)

    claim = services.mark_paid(claim, D(2025, 7, 25), accountant)
    assert claim.status == S.PAID and budget.campaign_account(campaign).paid == 8_000
    with pytest.raises(services.ClaimError):
        services.mark_paid(claim, D(2025, 7, 26), accountant)  # paid at most once

    kinds = list(LedgerEntry.objects.filter(claim=claim).values_list("kind", "amount"))
    assert kinds == [
        (LedgerKind.SUBMITTED, 14_000),
        (LedgerKind.RELEASED, 14_000),
        (LedgerKind.APPROVED, 8_000),
        (LedgerKind.PAID, 8_000),
    ]
    assert budget.verify_ledger(campaign) == []


def test_approval_never_passes_the_allocation(campaign):
    participation = participate(campaign, "H1", allocation=10_000)
    first = submitted_claim(participation, 8_000, prefix="A")
    second = submitted_claim(participation, 8_000, prefix="B")
    services.approve(first, None)
    with pytest.raises(budget.BudgetError, match="配分額を超えます"):
        services.approve(second, None)
    second.refresh_from_db()
    assert second.status == S.SUBMITTED
    assert budget.facility_account(participation).approved == 8_000
    assert budget.verify_ledger(campaign) == []


def test_allocations_never_exceed_the_budget(campaign):
    participate(campaign, "H1", allocation=60_000)
    second = participate(campaign, "H2", allocation=0)
    with pytest.raises(budget.BudgetError, match="配分可能な残り"):
        budget.set_allocation(second, 40_001)
    budget.set_allocation(second, 40_000)
    assert budget.campaign_account(campaign).allocated == 100_000


def test_an_allocation_cannot_drop_below_what_is_used(campaign):
    participation = participate(campaign, "H1", allocation=20_000)
    services.approve(submitted_claim(participation, 8_000), None)
    with pytest.raises(budget.BudgetError, match="少なくできません"):
        budget.set_allocation(participation, 7_999)


def test_the_database_refuses_an_overspend_even_past_the_code(campaign):
    participation = participate(campaign, "H1", allocation=10_000)
    account = budget.facility_account(participation)
    account.approved = 10_001
    with pytest.raises(IntegrityError), transaction.atomic():
        account.save()


def test_returning_releases_the_hold_and_the_hotel_can_resubmit(campaign):
    participation = participate(campaign, "H1")
    claim = submitted_claim(participation, 8_000)
    with pytest.raises(services.ClaimError, match="差戻しの理由"):
        services.return_claim(claim, " ", None)
    claim = services.return_claim(claim, "宿泊料金の記載が誤っています。", None)
    assert claim.status == S.RETURNED and budget.facility_account(participation).submitted == 0
    outcome = services.upload(
        participation,
        claim.month,
        claim_file(7_000),
        "fixed.csv",
        None,
        claim=claim,
        claim_date=D(2025, 7, 1),
    )
    assert outcome.result.accepted_rows, "the claim's own earlier lines do not count as duplicates"
    claim = services.submit(outcome.claim, None)
    assert claim.claimed_amount == 7_000 and budget.verify_ledger(campaign) == []


def test_the_same_reservation_cannot_be_claimed_twice(campaign):
    participation = participate(campaign, "H1")
    submitted_claim(participation, 8_000)
    outcome = services.upload(
        participation, D(2025, 6, 1), claim_file(8_000), "again.csv", None, claim_date=D(2025, 7, 1)
    )
    assert not outcome.result.accepted_rows and "既に報告済み" in outcome.result.rows[0].message
    with pytest.raises(services.ClaimError, match="提出できる明細がありません"):
        services.submit(outcome.claim, None)


def test_sold_out_is_set_when_claims_reach_the_allocation(campaign):
    participation = participate(campaign, "H1", allocation=16_000)
    submitted_claim(participation, 8_000, prefix="A")
    participation.refresh_from_db()
    assert participation.sold_out_at is None
    submitted_claim(participation, 8_000, prefix="B")
    participation.refresh_from_db()
    assert participation.sold_out_at is not None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_the_ledger_is_append_only_in_the_database(campaign):
    participate(campaign, "H1")
    entry = LedgerEntry.objects.first()
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert BudgetAccount.objects.filter(campaign=campaign).count() == 2


def test_the_accountant_sets_a_lower_sold_out_threshold(campaign):
    participation = participate(campaign, "H1", allocation=20_000)
    submitted_claim(participation, 8_000, prefix="A")  # 40 % of the allocation
    participation.refresh_from_db()
    assert participation.sold_out_at is None
    with pytest.raises(services.ClaimError, match="1〜100%"):
        services.set_sold_out_threshold(campaign, 0)
    assert services.set_sold_out_threshold(campaign, 40) == 1
    participation.refresh_from_db()
    assert participation.sold_out_at is not None
    assert budget.campaign_account(campaign).sold_out_threshold_percent == 40
