"""`manage.py verify_ledger`: the stored budget balances recomputed from the ledger (claims.budget)."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from campaigns.models import Campaign
from claims import budget, services
from claims.claim_file import COLUMNS
from claims.models import BudgetAccount

from .factories import CampaignFactory, FacilityFactory, ParticipationFactory

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def campaign():
    return CampaignFactory(
        slug="ledger-2025",
        budget=100_000,
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )


@pytest.fixture
def participation(campaign):
    """H1 with a 50,000円 allocation and a submitted claim of 8,000円 + 6,000円."""
    participation = ParticipationFactory(
        facility=FacilityFactory(code="H1"), campaign=campaign, approved_on=D(2025, 5, 1)
    )
    budget.set_allocation(participation, 50_000)
    rows = [",".join(COLUMNS)] + [
        f"R-{n},2025-05-10,2025-06-01,2,2,40000,{d},," for n, d in enumerate((8_000, 6_000))
    ]
    outcome = services.upload(
        participation,
        D(2025, 6, 1),
        ("\r\n".join(rows) + "\r\n").encode(),
        "june.csv",
        None,
        claim_date=D(2025, 7, 1),
    )
    services.submit(outcome.claim, None)
    return participation


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_ledger", *args, stdout=out)
    return out.getvalue()


def test_every_round_agrees_with_its_ledger(participation):
    """Without --campaign every round is checked, the seeded demo rounds included, and nothing is
    written: a round without any budget movement gets no account."""
    accounts = BudgetAccount.objects.count()
    out = verify()
    for slug in Campaign.objects.values_list("slug", flat=True):
        assert f"{slug}: OK" in out
    assert "NG" not in out
    assert BudgetAccount.objects.count() == accounts


def test_a_tampered_facility_balance_is_named_with_its_amounts(campaign, participation):
    # What a stray UPDATE (or a bug that skipped the ledger) would leave: the ledger says 14,000円 申請中.
    BudgetAccount.objects.filter(participation=participation).update(submitted=F("submitted") + 1_000)
    with pytest.raises(CommandError) as excinfo:
        verify("--campaign", campaign.slug)
    assert excinfo.value.returncode == 1
    assert "1件" in str(excinfo.value)
    assert budget.verify_ledger(campaign) == [
        f"施設 H1（参加登録 {participation.pk}）: 申請中: 残高 15,000円、台帳 14,000円"
    ]


def test_the_output_lists_each_difference_under_its_round(campaign, participation):
    BudgetAccount.objects.filter(campaign=campaign, participation=None).update(
        approved=F("approved") + 500, paid=F("paid") + 500
    )
    BudgetAccount.objects.filter(participation=participation).update(limit=40_000)
    out = StringIO()
    with pytest.raises(CommandError, match="2件"):
        call_command("verify_ledger", "--campaign", campaign.slug, stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{campaign.slug}: NG"
    assert lines[1:] == [
        "  キャンペーン全体: 承認済み: 残高 500円、台帳 0円 / 支払済み: 残高 500円、台帳 0円",
        f"  施設 H1（参加登録 {participation.pk}）: 配分額: 残高 40,000円、台帳 50,000円",
    ]


def test_ledger_movements_of_a_facility_without_balances_are_found(campaign, participation):
    BudgetAccount.objects.filter(participation=participation).delete()
    problems = budget.verify_ledger(campaign)
    assert len(problems) == 1
    assert problems[0].startswith(f"施設 H1（参加登録 {participation.pk}）: 残高の行がありません。")
    assert "申請中: 残高 0円、台帳 14,000円" in problems[0]


def test_campaign_limits_the_check_to_one_round(campaign, participation):
    other = CampaignFactory(slug="ledger-other")
    BudgetAccount.objects.filter(participation=participation).update(submitted=0)
    out = verify("--campaign", other.slug)
    assert out == f"{other.slug}: OK\n"


def test_an_unknown_round_is_an_error():
    with pytest.raises(CommandError, match="キャンペーン「no-such-round」は登録されていません。"):
        verify("--campaign", "no-such-round")
