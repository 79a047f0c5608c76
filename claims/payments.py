"""Payment batches: approved claims → a Zengin 総合振込 file → confirmed transfer → claims paid.

A claim enters at most one batch (`Payment.claim` is one-to-one) and is marked paid only when the
accountant confirms that the bank executed the transfer, on the batch's transfer date. The payee's
account is the one approved in the business's application for the campaign, copied into the batch
so that the file and the record of what was paid never change afterwards.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import AuditAction
from participants.models import Application, ApplicationStatus

from . import services
from .models import Claim, ClaimStatus, Payment, PaymentBatch, PaymentBatchStatus, TransferSettings
from .zengin import Remitter, Transfer, ZenginError, build_file

# The payee's account as approved in the application, copied into each payment.
PAYEE_FIELDS = ("bank_code", "branch_code", "account_type", "account_number")


class PaymentError(Exception):
    """The batch cannot be made or confirmed; the message is shown to the user as is."""


def _audit_batch(batch: PaymentBatch, user, event: str, from_status: str) -> None:
    """One audit entry per batch state change (issue 8): the batch, its total and the claims in it, never
    the payees' bank accounts or names."""
    with translation.override(settings.LANGUAGE_CODE):
        summary = (
            _("振込データを作成（振込日 %(date)s、%(count)d件、%(total)s円）")
            if event == "create"
            else _("振込確認（振込日 %(date)s、%(count)d件、%(total)s円）")
        ) % {"date": f"{batch.transfer_date:%Y-%m-%d}", "count": batch.count, "total": f"{batch.total:,}"}
    record(
        AuditAction.PAYMENT_STATE,
        actor=user,
        obj=batch,
        summary=summary,
        detail={
            "event": event,
            "from": from_status,
            "to": batch.status,
            "campaign": batch.campaign_id,
            "transfer_date": batch.transfer_date,
            "count": batch.count,
            "total": batch.total,
            "claims": sorted(str(pk) for pk in batch.payments.values_list("claim_id", flat=True)),
        },
    )


@dataclass
class BatchPlan:
    """Which approved claims can be paid now, and why the others cannot."""

    payable: list[tuple[Claim, Application]] = field(default_factory=list)
    problems: list[tuple[Claim, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(claim.approved_amount for claim, _application in self.payable)


def payee_applications(campaign) -> dict[int, Application]:
    """The approved application of each business in the round (its bank account is the payee), by
    business id, read in one query; the latest approval wins should a business have several."""
    applications = Application.objects.filter(campaign=campaign, status=ApplicationStatus.APPROVED).order_by(
        "approved_on"
    )
    return {application.business_id: application for application in applications}


def plan_batch(campaign) -> BatchPlan:
    plan = BatchPlan()
    claims = (
        Claim.objects.filter(
            participation__campaign=campaign, status=ClaimStatus.APPROVED, payment__isnull=True
        )
        .select_related("participation__facility")
        .order_by("participation__facility__code", "month")
    )
    payees = payee_applications(campaign)
    for claim in claims:
        application = payees.get(claim.participation.facility.business_id)
        if application is None or not application.account_number:
            plan.problems.append((claim, _("振込先口座が登録されていません（参加申請の承認が必要です）。")))
        elif claim.approved_amount <= 0:
            plan.problems.append((claim, _("承認額が0円のため振込みません。")))
        else:
            plan.payable.append((claim, application))
    return plan


def remitter() -> Remitter:
    settings = TransferSettings.load()
    if not settings.complete:
        raise PaymentError(
            _("振込元口座（設定 → 振込元口座）をすべて入力してから振込データを作成してください。")
        )
    return Remitter(
        code=settings.remitter_code,
        name=settings.remitter_name,
        bank_code=settings.bank_code,
        bank_name=settings.bank_name,
        branch_code=settings.branch_code,
        branch_name=settings.branch_name,
        account_type=settings.account_type,
        account_number=settings.account_number,
    )


@transaction.atomic
def create_batch(campaign, transfer_date: datetime.date, user) -> PaymentBatch:
    """A batch of every payable approved claim, with its Zengin file."""
    if transfer_date < timezone.localdate():
        raise PaymentError(_("振込日は今日以降の日付にしてください。"))
    source = remitter()
    # Lock the claims so that two accountants cannot put the same claim into two batches.
    locked = set(
        Claim.objects.select_for_update(of=("self",))
        .filter(participation__campaign=campaign, status=ClaimStatus.APPROVED, payment__isnull=True)
        .values_list("pk", flat=True)
    )
    plan = plan_batch(campaign)
    payable = [(claim, application) for claim, application in plan.payable if claim.pk in locked]
    if not payable:
        raise PaymentError(_("振込できる承認済みの実績報告がありません。"))
    batch = PaymentBatch.objects.create(campaign=campaign, transfer_date=transfer_date, created_by=user)
    payments = [
        Payment(
            batch=batch,
            claim=claim,
            amount=claim.approved_amount,
            account_holder=application.account_holder,
            **{name: getattr(application, name) for name in PAYEE_FIELDS},
        )
        for claim, application in payable
    ]
    transfers = [
        Transfer(
            bank_name=application.bank_name,
            branch_name=application.branch_name,
            holder=payment.account_holder,
            amount=payment.amount,
            customer_code=payment.claim.participation.facility.code[:10],
            **{name: getattr(payment, name) for name in PAYEE_FIELDS},
        )
        for payment, (_claim, application) in zip(payments, payable, strict=True)
    ]
    try:
        batch.zengin_file = build_file(source, transfer_date, transfers)
    except ZenginError as exc:
        raise PaymentError(str(exc)) from exc
    Payment.objects.bulk_create(payments)
    batch.total = sum(payment.amount for payment in payments)
    batch.count = len(payments)
    batch.save(update_fields=["zengin_file", "total", "count"])
    _audit_batch(batch, user, "create", "")
    return batch


@transaction.atomic
def confirm_batch(batch: PaymentBatch, user) -> PaymentBatch:
    """The bank executed the transfers: every claim of the batch is paid on the transfer date."""
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != PaymentBatchStatus.CREATED:
        raise PaymentError(_("この振込データは既に振込確認済みです。"))
    for payment in batch.payments.select_related("claim"):
        services.mark_paid(payment.claim, batch.transfer_date, user)
    batch.status = PaymentBatchStatus.CONFIRMED
    batch.confirmed_by = user
    batch.confirmed_at = timezone.now()
    batch.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    _audit_batch(batch, user, "confirm", PaymentBatchStatus.CREATED)
    return batch
