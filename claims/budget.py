"""The one place that moves budget (予算): allocations, reservations, approvals and payments.

Every function here runs in a transaction, locks the campaign's account row before the facility's
(always in that order, so two workers never deadlock), checks the limit, updates the running
balances and appends the matching `LedgerEntry`. The CHECK constraints on `BudgetAccount` are the
last line: if a check here were ever wrong, the database would refuse the overspend rather than
store it. Balances can always be recomputed from the ledger (`ledger_balances`, `verify_ledger`).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from core.formatting import format_yen

from .models import BudgetAccount, Claim, LedgerEntry, LedgerKind


class BudgetError(Exception):
    """A movement the budget cannot take; the message is shown to the user as is."""


def campaign_account(campaign, *, lock: bool = False) -> BudgetAccount:
    """The campaign's account, created on first use with the campaign's budget as its limit."""
    account, _created = BudgetAccount.objects.get_or_create(
        campaign=campaign, participation=None, defaults={"limit": campaign.budget}
    )
    if lock:
        account = BudgetAccount.objects.select_for_update().get(pk=account.pk)
    return account


def facility_account(participation, *, lock: bool = False) -> BudgetAccount:
    account, _created = BudgetAccount.objects.get_or_create(
        participation=participation, defaults={"campaign_id": participation.campaign_id, "limit": 0}
    )
    if lock:
        account = BudgetAccount.objects.select_for_update().get(pk=account.pk)
    return account


def _accounts(participation) -> tuple[BudgetAccount, BudgetAccount]:
    # Create outside the lock (get_or_create may insert), then lock campaign first, facility second.
    campaign_account(participation.campaign)
    facility_account(participation)
    return (
        campaign_account(participation.campaign, lock=True),
        facility_account(participation, lock=True),
    )


def _entry(participation, kind: str, amount: int, *, claim: Claim | None = None, actor=None, note: str = ""):
    LedgerEntry.objects.create(
        campaign_id=participation.campaign_id,
        participation=participation,
        claim=claim,
        kind=kind,
        amount=amount,
        actor=actor,
        note=note[:200],
    )


@transaction.atomic
def set_budget(campaign, amount: int) -> BudgetAccount:
    """Change the campaign's budget; it can never drop below what is already allocated or approved."""
    campaign_account(campaign)
    account = campaign_account(campaign, lock=True)
    floor = max(account.allocated, account.approved)
    if amount < floor:
        raise BudgetError(
            _("予算額は配分済み・承認済みの額（%(floor)s）より少なくできません。")
            % {"floor": format_yen(floor)}
        )
    account.limit = amount
    account.save(update_fields=["limit", "updated_at"])
    return account


@transaction.atomic
def set_allocation(participation, amount: int, actor=None, note: str = "") -> BudgetAccount:
    """配分額: the facility's share. The sum of shares never exceeds the budget, and a share never
    drops below what the facility already has approved."""
    if amount < 0:
        raise BudgetError(_("配分額は0円以上で入力してください。"))
    campaign, facility = _accounts(participation)
    change = amount - facility.limit
    if change == 0:
        return facility
    if amount < facility.approved + facility.submitted:
        raise BudgetError(
            _("配分額は承認済み・申請中の額（%(used)s）より少なくできません。")
            % {"used": format_yen(facility.approved + facility.submitted)}
        )
    if campaign.allocated + change > campaign.limit:
        raise BudgetError(
            _("配分額の合計が予算額を超えます（配分可能な残り: %(left)s）。")
            % {"left": format_yen(campaign.limit - campaign.allocated)}
        )
    campaign.allocated += change
    campaign.save(update_fields=["allocated", "updated_at"])
    facility.limit = amount
    facility.save(update_fields=["limit", "updated_at"])
    _entry(participation, LedgerKind.ALLOCATED, change, actor=actor, note=note)
    return facility


@transaction.atomic
def reserve(claim: Claim, amount: int, actor=None) -> None:
    """A submitted claim's amount is held (申請中) until it is approved or released."""
    if amount <= 0:
        return
    campaign, facility = _accounts(claim.participation)
    for account in (campaign, facility):
        account.submitted += amount
        account.save(update_fields=["submitted", "updated_at"])
    _entry(claim.participation, LedgerKind.SUBMITTED, amount, claim=claim, actor=actor)


@transaction.atomic
def release(claim: Claim, amount: int, actor=None, note: str = "") -> None:
    if amount <= 0:
        return
    campaign, facility = _accounts(claim.participation)
    for account in (campaign, facility):
        account.submitted -= amount
        account.save(update_fields=["submitted", "updated_at"])
    _entry(claim.participation, LedgerKind.RELEASED, amount, claim=claim, actor=actor, note=note)


@transaction.atomic
def approve(claim: Claim, amount: int, held: int, actor=None) -> None:
    """Approve `amount` for a claim that holds `held`: within the facility's allocation and the budget."""
    campaign, facility = _accounts(claim.participation)
    if facility.approved + amount > facility.limit:
        raise BudgetError(
            _(
                "承認すると施設の配分額を超えます"
                "（配分額 %(limit)s、承認済み %(approved)s、今回 %(amount)s）。"
            )
            % {
                "limit": format_yen(facility.limit),
                "approved": format_yen(facility.approved),
                "amount": format_yen(amount),
            }
        )
    if campaign.approved + amount > campaign.limit:
        raise BudgetError(
            _("承認すると予算額を超えます（残り %(left)s、今回 %(amount)s）。")
            % {"left": format_yen(campaign.limit - campaign.approved), "amount": format_yen(amount)}
        )
    for account in (campaign, facility):
        account.submitted -= held
        account.approved += amount
        account.save(update_fields=["submitted", "approved", "updated_at"])
    if held:
        _entry(claim.participation, LedgerKind.RELEASED, held, claim=claim, actor=actor, note="approved")
    if amount:
        _entry(claim.participation, LedgerKind.APPROVED, amount, claim=claim, actor=actor)


@transaction.atomic
def pay(claim: Claim, actor=None, note: str = "") -> None:
    if claim.approved_amount <= 0:
        return
    campaign, facility = _accounts(claim.participation)
    for account in (campaign, facility):
        account.paid += claim.approved_amount
        account.save(update_fields=["paid", "updated_at"])
    _entry(claim.participation, LedgerKind.PAID, claim.approved_amount, claim=claim, actor=actor, note=note)


@dataclass
class Balances:
    allocated: int = 0
    submitted: int = 0
    approved: int = 0
    paid: int = 0


def ledger_balances(campaign) -> tuple[Balances, dict[int, Balances]]:
    """The campaign's and each facility's balances recomputed from the ledger alone."""
    total = Balances()
    per_facility: dict[int, Balances] = defaultdict(Balances)
    rows = (
        LedgerEntry.objects.filter(campaign=campaign)
        .values("participation_id", "kind")
        .annotate(sum=Sum("amount"))
        .order_by()
    )
    for row in rows:
        amount = row["sum"] or 0
        kind = row["kind"]
        for balances in (total, per_facility[row["participation_id"]]):
            if kind == LedgerKind.ALLOCATED:
                balances.allocated += amount
            elif kind == LedgerKind.SUBMITTED:
                balances.submitted += amount
            elif kind == LedgerKind.RELEASED:
                balances.submitted -= amount
            elif kind == LedgerKind.APPROVED:
                balances.approved += amount
            elif kind == LedgerKind.PAID:
                balances.paid += amount
    return total, dict(per_facility)


def approved_per_day(campaign) -> dict[datetime.date, int]:
    """Approvals of the round per day (Asia/Tokyo), from the ledger: what the burn-down and the
    forecast (`claims.forecast`) read, on the budget dashboard and the city's dashboard alike."""
    rows = (
        LedgerEntry.objects.filter(campaign=campaign, kind=LedgerKind.APPROVED)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(amount=Sum("amount"))
        .order_by("day")
    )
    return {row["day"]: row["amount"] for row in rows}


def burn_down(per_day: dict[datetime.date, int], limit: int) -> list[dict]:
    """One row per day with approvals: the day's amount, the running total and the budget left."""
    rows = []
    cumulative = 0
    for day, amount in per_day.items():
        cumulative += amount
        rows.append({"day": day, "amount": amount, "cumulative": cumulative, "left": limit - cumulative})
    return rows


def verify_ledger(campaign) -> list[str]:
    """Differences between the stored balances and the ledger (an empty list when they agree), one
    Japanese line per account, naming the facility and each differing amount.

    Read-only, so that `manage.py verify_ledger` may check every round: a campaign or facility
    without an account counts as all zero (what the ledger must then say too)."""
    total, per_facility = ledger_balances(campaign)
    problems: list[str] = []
    account = BudgetAccount.objects.filter(campaign=campaign, participation__isnull=True).first()
    stored = (
        Balances(account.allocated, account.submitted, account.approved, account.paid)
        if account
        else Balances()
    )
    if difference := _difference(stored, total):
        problems.append(_("キャンペーン全体: %(difference)s") % {"difference": difference})
    accounts = BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False).select_related(
        "participation__facility"
    )
    seen: set[int] = set()
    for facility in accounts.order_by("participation__facility__code", "pk"):
        seen.add(facility.participation_id)
        expected = per_facility.get(facility.participation_id, Balances())
        stored = Balances(facility.limit, facility.submitted, facility.approved, facility.paid)
        if difference := _difference(stored, expected):
            problems.append(_facility_problem(facility.participation, difference))
    if missing := set(per_facility) - seen:
        from facilities.models import Participation

        for participation in Participation.objects.filter(pk__in=missing).select_related("facility"):
            difference = _difference(Balances(), per_facility[participation.pk])
            problems.append(
                _facility_problem(
                    participation, _("残高の行がありません。%(difference)s") % {"difference": difference}
                )
            )
    return problems


def _difference(stored: Balances, ledger: Balances) -> str:
    """「申請中: 残高 14,000円、台帳 13,000円」 for every amount that differs ("" when none does)."""
    labels = {
        "allocated": _("配分額"),
        "submitted": _("申請中"),
        "approved": _("承認済み"),
        "paid": _("支払済み"),
    }
    return " / ".join(
        _("%(label)s: 残高 %(stored)s、台帳 %(ledger)s")
        % {
            "label": label,
            "stored": format_yen(getattr(stored, name)),
            "ledger": format_yen(getattr(ledger, name)),
        }
        for name, label in labels.items()
        if getattr(stored, name) != getattr(ledger, name)
    )


def _facility_problem(participation, difference: str) -> str:
    return _("施設 %(code)s（参加登録 %(pk)d）: %(difference)s") % {
        "code": participation.facility.code,
        "pk": participation.pk,
        "difference": difference,
    }
