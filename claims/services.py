"""The claim workflow (実績報告): the only code that changes a claim's state or its lines.

    draft ──submit──▶ submitted ──start_review──▶ in_review ──approve──▶ approved ──(payment)──▶ paid
      ▲                  ▲                         │
      └── (re-upload) ── returned ◀──return_claim──┘   exclude_line / include_line while in review

Amounts come from `claims.rules` (through `claims.claim_file`), budget moves through `claims.budget`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record
from audit.models import AuditAction
from facilities.models import Participation
from facilities.services import mark_sold_out

from . import budget
from .claim_file import ClaimFileResult, check_claim_file
from .models import Claim, ClaimLine, ClaimStatus

S = ClaimStatus


class ClaimError(Exception):
    """A move the rules do not allow; the message is shown to the user as is."""


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def claimed_reservation_numbers(participation, *, exclude_claim: Claim | None = None) -> set[str]:
    """Reservations this facility already reported in this campaign (lines not excluded)."""
    lines = ClaimLine.objects.filter(participation=participation, excluded=False)
    if exclude_claim is not None:
        lines = lines.exclude(claim=exclude_claim)
    return set(lines.values_list("reservation_number", flat=True))


def check_file(
    participation,
    data: bytes,
    filename: str,
    *,
    claim_date: datetime.date | None = None,
    claim: Claim | None = None,
) -> ClaimFileResult:
    """Judge a claim file for a facility exactly as an upload would, without storing anything."""
    return check_claim_file(
        data,
        filename,
        campaign=participation.campaign,
        approved_on=participation.approved_on,
        claim_date=claim_date or timezone.localdate(),
        already_claimed=claimed_reservation_numbers(participation, exclude_claim=claim),
    )


@dataclass
class UploadOutcome:
    claim: Claim | None
    result: ClaimFileResult


def _require(claim: Claim, *allowed: str) -> None:
    if claim.status not in allowed:
        raise ClaimError(
            _("この操作は現在の状態（%(status)s）ではできません。画面を再読み込みしてください。")
            % {"status": claim.get_status_display()}
        )


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("participation__campaign").get(pk=claim.pk)


@transaction.atomic
def upload(
    participation,
    month: datetime.date,
    data: bytes,
    filename: str,
    user,
    *,
    claim: Claim | None = None,
    claim_date: datetime.date | None = None,
) -> UploadOutcome:
    """Check a file and keep its accepted rows as the draft's lines (replacing the draft's earlier ones).

    A file that cannot be read changes nothing. Rejected rows are reported, not stored.
    """
    if claim is not None:
        claim = _lock(claim)
        _require(claim, S.DRAFT, S.RETURNED)
    result = check_file(participation, data, filename, claim_date=claim_date, claim=claim)
    if not result.readable:
        return UploadOutcome(claim, result)
    if claim is None:
        claim = Claim.objects.create(
            participation=participation,
            month=first_of_month(month),
            created_by=user,
            source_filename=filename,
        )
    else:
        claim.lines.all().delete()
        claim.source_filename = filename[:200]
        claim.save(update_fields=["source_filename", "updated_at"])
    lines = [
        ClaimLine(
            claim=claim,
            participation=participation,
            row=row.row,
            reservation_number=row.reservation_number,
            booked_on=row.stay.booked_on,
            check_in=row.stay.check_in,
            nights=row.stay.nights,
            guests=row.stay.guests,
            total_charge=row.stay.total_charge,
            discount=row.stay.discount,
            channel=row.channel,
            prefecture=row.prefecture,
            counted_nights=row.counted_nights,
            max_discount=row.max_discount,
            reimbursement=row.reimbursement,
        )
        for row in result.accepted_rows
    ]
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(lines, batch_size=1000)
    except IntegrityError as exc:
        # Another upload of this facility stored one of these reservations a moment ago.
        raise ClaimError(
            _("同じ予約番号が別の実績報告で同時に登録されました。もう一度アップロードしてください。")
        ) from exc
    return UploadOutcome(claim, result)


CLAIM_EVENTS = {
    "submit": gettext_lazy("提出"),
    "start_review": gettext_lazy("確認開始"),
    "return": gettext_lazy("差戻し"),
    "approve": gettext_lazy("承認"),
    "paid": gettext_lazy("支払済み"),
    "exclude_line": gettext_lazy("明細の除外"),
    "include_line": gettext_lazy("明細を戻す"),
}


def _audit_claim(claim: Claim, user, event: str, from_status: str, **amounts: int) -> None:
    """One audit entry per state change (issue 8): who moved which claim from what to what, and the
    amounts. Never the return or exclusion reason: free text that might name a guest."""
    facility = claim.participation.facility.code
    month = f"{claim.month:%Y-%m}"
    with translation.override(settings.LANGUAGE_CODE):
        summary = _("実績報告 %(facility)s %(month)s: %(event)s") % {
            "facility": facility,
            "month": month,
            "event": CLAIM_EVENTS[event],
        }
    record(
        AuditAction.CLAIM_STATE,
        actor=user,
        obj=claim,
        summary=summary,
        detail={"event": event, "from": from_status, "to": claim.status, "facility": facility, "month": month}
        | amounts,
    )


def line_total(claim: Claim) -> int:
    return claim.lines.filter(excluded=False).aggregate(total=Sum("reimbursement"))["total"] or 0


@transaction.atomic
def submit(claim: Claim, user) -> Claim:
    claim = _lock(claim)
    _require(claim, S.DRAFT, S.RETURNED)
    from_status = claim.status
    total = line_total(claim)
    if total <= 0:
        raise ClaimError(
            _("提出できる明細がありません。受け付けられた行のあるファイルをアップロードしてください。")
        )
    claim.claimed_amount = total
    claim.status = S.SUBMITTED
    claim.submitted_at = timezone.now()
    claim.submitted_by = user
    claim.return_reason = ""
    claim.save()
    budget.reserve(claim, total, actor=user)
    apply_sold_out_rule(claim.participation)
    _audit_claim(claim, user, "submit", from_status, claimed_amount=total)
    return claim


@transaction.atomic
def start_review(claim: Claim, user) -> Claim:
    claim = _lock(claim)
    _require(claim, S.SUBMITTED)
    claim.status = S.IN_REVIEW
    claim.save(update_fields=["status", "updated_at"])
    _audit_claim(claim, user, "start_review", S.SUBMITTED, claimed_amount=claim.claimed_amount)
    return claim


def _audit_line(claim: Claim, line: ClaimLine, user, event: str) -> None:
    """A line's exclusion changes what the claim is worth: the row number (not the reservation number,
    which the hotel's guest could be traced by) and the claim's remaining total."""
    _audit_claim(
        claim,
        user,
        event,
        claim.status,
        line_row=line.row,
        line_reimbursement=line.reimbursement,
        claim_total=line_total(claim),
    )


@transaction.atomic
def exclude_line(line: ClaimLine, reason: str, user) -> ClaimLine:
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError(_("除外の理由を入力してください。"))
    claim = _lock(line.claim)
    _require(claim, S.IN_REVIEW)
    line.excluded = True
    line.excluded_reason = reason[:200]
    line.excluded_by = user
    line.save(update_fields=["excluded", "excluded_reason", "excluded_by"])
    _audit_line(claim, line, user, "exclude_line")
    return line


@transaction.atomic
def include_line(line: ClaimLine, user) -> ClaimLine:
    claim = _lock(line.claim)
    _require(claim, S.IN_REVIEW)
    line.excluded = False
    line.excluded_reason = ""
    line.excluded_by = None
    try:
        with transaction.atomic():
            line.save(update_fields=["excluded", "excluded_reason", "excluded_by"])
    except IntegrityError as exc:
        raise ClaimError(_("この予約番号は別の実績報告で報告されているため、戻せません。")) from exc
    _audit_line(claim, line, user, "include_line")
    return line


@transaction.atomic
def return_claim(claim: Claim, reason: str, user) -> Claim:
    reason = (reason or "").strip()
    if not reason:
        raise ClaimError(_("差戻しの理由を入力してください。事業者に表示されます。"))
    claim = _lock(claim)
    _require(claim, S.SUBMITTED, S.IN_REVIEW)
    from_status = claim.status
    budget.release(claim, claim.claimed_amount, actor=user, note="returned")
    claim.status = S.RETURNED
    claim.return_reason = reason
    claim.save(update_fields=["status", "return_reason", "updated_at"])
    _audit_claim(claim, user, "return", from_status, claimed_amount=claim.claimed_amount)
    return claim


@transaction.atomic
def approve(claim: Claim, user) -> Claim:
    """Approve the claim's lines that are not excluded, within the allocation and the budget."""
    claim = _lock(claim)
    _require(claim, S.SUBMITTED, S.IN_REVIEW)
    from_status = claim.status
    amount = line_total(claim)
    budget.approve(claim, amount, held=claim.claimed_amount, actor=user)
    claim.approved_amount = amount
    claim.status = S.APPROVED
    claim.approved_at = timezone.now()
    claim.approved_by = user
    claim.save(update_fields=["approved_amount", "status", "approved_at", "approved_by", "updated_at"])
    _audit_claim(
        claim, user, "approve", from_status, claimed_amount=claim.claimed_amount, approved_amount=amount
    )
    return claim


@transaction.atomic
def mark_paid(claim: Claim, paid_on: datetime.date, user) -> Claim:
    claim = _lock(claim)
    _require(claim, S.APPROVED)
    budget.pay(claim, actor=user)
    claim.status = S.PAID
    claim.paid_on = paid_on
    claim.save(update_fields=["status", "paid_on", "updated_at"])
    _audit_claim(claim, user, "paid", S.APPROVED, approved_amount=claim.approved_amount)
    return claim


def apply_sold_out_rule(participation, threshold_percent: int | None = None) -> bool:
    """販売終了 automation: once approved plus submitted reaches the allocation (or the share of it the
    accountant set for the round), the facility sells no more discounted stays and the guide shows it."""
    account = budget.facility_account(participation)
    if account.limit <= 0 or participation.sold_out_at is not None:
        return False
    if threshold_percent is None:
        threshold_percent = budget.campaign_account(participation.campaign).sold_out_threshold_percent
    if (account.approved + account.submitted) * 100 >= account.limit * threshold_percent:
        return mark_sold_out(participation, None)
    return False


@transaction.atomic
def set_sold_out_threshold(campaign, percent: int) -> int:
    """Change the round's 販売終了 threshold and apply it at once; returns how many facilities it ended."""
    if not 1 <= percent <= 100:
        raise ClaimError(_("販売終了の目安は1〜100%の範囲で入力してください。"))
    account = budget.campaign_account(campaign, lock=True)
    account.sold_out_threshold_percent = percent
    account.save(update_fields=["sold_out_threshold_percent", "updated_at"])
    participations = Participation.objects.filter(campaign=campaign, sold_out_at__isnull=True).select_related(
        "campaign"
    )
    return sum(apply_sold_out_rule(participation, percent) for participation in participations)
