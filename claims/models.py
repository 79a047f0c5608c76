"""Claims (実績報告) and the budget ledger.

A `Claim` is one facility's report of discounted stays for one month; its `ClaimLine`s are the stays
(one per reservation). Money moves only through `claims.budget`, which keeps two kinds of record:

* `LedgerEntry` — append-only: every movement (allocated, submitted, released, approved, paid) is a
  row and is never changed or deleted (PostgreSQL refuses it with a trigger), so every balance can
  be recomputed from the ledger alone (`budget.verify_ledger`).
* `BudgetAccount` — the running balances of the campaign and of each participating facility, kept
  next to the ledger under row locks, with CHECK constraints that make an overspend impossible even
  if a bug slipped past the code: approved ≤ limit and paid ≤ approved.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from core.zengin import validate_zengin_kana

_digits = {
    4: RegexValidator(r"^\d{4}$", _("半角数字4桁で入力してください。")),
    3: RegexValidator(r"^\d{3}$", _("半角数字3桁で入力してください。")),
    7: RegexValidator(r"^\d{7}$", _("半角数字7桁で入力してください。")),
    10: RegexValidator(r"^\d{10}$", _("半角数字10桁で入力してください。")),
}


class BudgetAccount(models.Model):
    """Balances of one campaign (participation empty) or one facility's allocation in it."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("キャンペーン"), on_delete=models.PROTECT, related_name="+"
    )
    participation = models.OneToOneField(
        "facilities.Participation",
        verbose_name=_("参加登録"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget",
    )
    limit = models.PositiveBigIntegerField(_("上限（予算額・配分額）"), default=0)
    allocated = models.PositiveBigIntegerField(_("配分済み"), default=0)  # campaign account only
    submitted = models.PositiveBigIntegerField(_("申請中"), default=0)
    approved = models.PositiveBigIntegerField(_("承認済み"), default=0)
    paid = models.PositiveBigIntegerField(_("支払済み"), default=0)
    sold_out_threshold_percent = models.PositiveSmallIntegerField(
        _("販売終了の目安（配分額に対する％）"),
        default=100,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "申請中と承認済みの合計が配分額のこの割合に達した施設を販売終了にします（キャンペーン全体）。"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("予算残高")
        verbose_name_plural = pgettext_lazy("plural", "予算残高")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(participation__isnull=True), name="one_budget_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(approved__lte=F("limit")), name="budget_approved_within_limit"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("limit")), name="budget_allocated_within_limit"
            ),
            models.CheckConstraint(condition=Q(paid__lte=F("approved")), name="budget_paid_within_approved"),
            models.CheckConstraint(
                condition=Q(sold_out_threshold_percent__gte=1, sold_out_threshold_percent__lte=100),
                name="budget_sold_out_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.participation_id or '-'}"

    @property
    def remaining(self) -> int:
        """What can still be approved: the limit less what is approved."""
        return self.limit - self.approved


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    IN_REVIEW = "in_review", _("確認中")
    RETURNED = "returned", _("差戻し")
    APPROVED = "approved", _("承認済み")
    PAID = "paid", _("支払済み")


class Claim(models.Model):
    """実績報告: one facility's discounted stays of one month, paid at most once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participation = models.ForeignKey(
        "facilities.Participation",
        verbose_name=_("参加登録"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    month = models.DateField(_("対象月"), help_text=_("その月の1日"))
    status = models.CharField(
        _("状態"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT
    )
    claimed_amount = models.PositiveBigIntegerField(_("申請額"), default=0)
    approved_amount = models.PositiveBigIntegerField(_("承認額"), default=0)
    source_filename = models.CharField(_("報告ファイル"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paid_on = models.DateField(_("支払日"), null=True, blank=True)
    closed_in = models.ForeignKey(
        "MonthlyClose",
        verbose_name=_("締めた月"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claims",
        editable=False,
    )
    return_reason = models.TextField(_("差戻しの理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-month", "-created_at"]
        verbose_name = _("実績報告")
        verbose_name_plural = pgettext_lazy("plural", "実績報告")
        indexes = [models.Index(fields=["status", "month"], name="claim_status_month")]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="claim_month_is_first_day"),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="claim_paid_has_date"
            ),
        ]
        permissions = [
            ("review_claim", _("実績報告を確認・差戻しできる")),
            ("approve_claim", _("実績報告を承認できる")),
        ]

    def __str__(self) -> str:
        return f"{self.participation.facility.name} {self.month:%Y-%m}"


class ClaimLine(models.Model):
    """One reported stay. A reservation is claimed once per facility and campaign (the unique
    constraint on `participation` + `reservation_number` among lines that are not excluded)."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("実績報告"), on_delete=models.CASCADE, related_name="lines"
    )
    participation = models.ForeignKey("facilities.Participation", on_delete=models.PROTECT, related_name="+")
    row = models.PositiveIntegerField(_("行"))
    reservation_number = models.CharField(_("予約番号"), max_length=50)
    booked_on = models.DateField(_("予約日"))
    check_in = models.DateField(_("チェックイン日"))
    nights = models.PositiveSmallIntegerField(_("泊数"))
    guests = models.PositiveSmallIntegerField(_("人数"))
    total_charge = models.PositiveBigIntegerField(_("宿泊料金"))
    discount = models.PositiveBigIntegerField(_("割引額"))
    channel = models.CharField(_("販売経路"), max_length=10, blank=True)
    prefecture = models.CharField(_("居住都道府県"), max_length=10, blank=True)
    counted_nights = models.PositiveSmallIntegerField(_("対象泊数"))
    max_discount = models.PositiveBigIntegerField(_("割引上限額"))
    reimbursement = models.PositiveBigIntegerField(_("支払額"))
    excluded = models.BooleanField(_("除外"), default=False)
    excluded_reason = models.CharField(_("除外の理由"), max_length=200, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["row"]
        verbose_name = _("報告明細")
        verbose_name_plural = pgettext_lazy("plural", "報告明細")
        constraints = [
            models.UniqueConstraint(
                fields=["participation", "reservation_number"],
                condition=Q(excluded=False),
                name="reservation_claimed_once",
            ),
            models.CheckConstraint(
                condition=Q(reimbursement__lte=F("max_discount")), name="line_within_maximum"
            ),
        ]

    def __str__(self) -> str:
        return self.reservation_number


class LedgerKind(models.TextChoices):
    ALLOCATED = "allocated", _("配分")
    SUBMITTED = "submitted", _("申請")
    RELEASED = "released", _("申請の取消")
    APPROVED = "approved", _("承認")
    PAID = "paid", _("支払")


class LedgerEntry(models.Model):
    """One movement of money. Append-only: never updated, never deleted."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    participation = models.ForeignKey("facilities.Participation", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(_("種類"), max_length=20, choices=LedgerKind.choices)
    amount = models.BigIntegerField(_("金額"), help_text=_("配分の減額は負の値"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("メモ"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("予算の記録")
        verbose_name_plural = pgettext_lazy("plural", "予算の記録")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="allocated") | Q(amount__gt=0), name="ledger_movement_positive"
            ),
            # Approval and payment happen once per claim.
            models.UniqueConstraint(
                fields=["claim", "kind"], condition=Q(kind="paid"), name="claim_paid_once"
            ),
            models.UniqueConstraint(
                fields=["claim", "kind"], condition=Q(kind="approved"), name="claim_approved_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only.")


class MonthlyClose(models.Model):
    """月末締め: a month of a campaign closed for the city's report. Its figures are kept as they were
    at closing (`rows`), so the report delivered to the city can be produced again unchanged."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("対象月"))
    closed_at = models.DateTimeField(_("締め日時"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rows = models.JSONField(_("施設別の集計"), default=list)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("月末締め")
        verbose_name_plural = pgettext_lazy("plural", "月末締め")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="month_closed_once"),
            models.CheckConstraint(condition=Q(month__day=1), name="close_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.month:%Y-%m}"


class PaymentBatchStatus(models.TextChoices):
    CREATED = "created", _("作成済み（振込未確認）")
    CONFIRMED = "confirmed", _("振込確認済み")


class PaymentBatch(models.Model):
    """One bank transfer run: approved claims, the Zengin file sent to the bank, and its confirmation."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="+")
    transfer_date = models.DateField(_("振込日"))
    status = models.CharField(
        _("状態"), max_length=20, choices=PaymentBatchStatus.choices, default=PaymentBatchStatus.CREATED
    )
    total = models.PositiveBigIntegerField(_("合計金額"), default=0)
    count = models.PositiveIntegerField(_("件数"), default=0)
    zengin_file = models.BinaryField(_("全銀ファイル"), editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("振込確認日時"), null=True, blank=True)

    class Meta:
        ordering = ["-transfer_date", "-created_at"]
        verbose_name = _("振込データ")
        verbose_name_plural = pgettext_lazy("plural", "振込データ")
        permissions = [("manage_payments", _("振込データを作成・確認できる"))]

    def __str__(self) -> str:
        return f"{self.transfer_date} ({self.count})"

    @property
    def filename(self) -> str:
        return f"zengin-{self.campaign_id}-{self.transfer_date:%Y%m%d}-{self.pk}.txt"


class Payment(models.Model):
    """One transfer of a batch: exactly one claim (a claim is in at most one batch) and its payee."""

    batch = models.ForeignKey(PaymentBatch, on_delete=models.CASCADE, related_name="payments")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment")
    amount = models.PositiveBigIntegerField(_("振込金額"))
    bank_code = models.CharField(_("金融機関コード"), max_length=4)
    branch_code = models.CharField(_("支店コード"), max_length=3)
    account_type = models.CharField(_("預金種目"), max_length=1)
    account_number = models.CharField(_("口座番号"), max_length=7)
    account_holder = models.CharField(_("口座名義"), max_length=30)

    class Meta:
        verbose_name = _("振込明細")
        verbose_name_plural = pgettext_lazy("plural", "振込明細")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount}"


@register_setting(icon="tasks")
class TransferSettings(BaseGenericSetting):
    """振込元: the contractor's account and the 依頼人 data the bank gave for Zengin files."""

    remitter_code = models.CharField(_("依頼人コード"), max_length=10, blank=True, validators=[_digits[10]])
    remitter_name = models.CharField(
        _("依頼人名（半角カナ）"), max_length=40, blank=True, validators=[validate_zengin_kana]
    )
    bank_code = models.CharField(_("金融機関コード"), max_length=4, blank=True, validators=[_digits[4]])
    bank_name = models.CharField(_("金融機関名（カナ）"), max_length=15, blank=True)
    branch_code = models.CharField(_("支店コード"), max_length=3, blank=True, validators=[_digits[3]])
    branch_name = models.CharField(_("支店名（カナ）"), max_length=15, blank=True)
    account_type = models.CharField(
        _("預金種目"),
        max_length=1,
        blank=True,
        choices=[("1", _("普通")), ("2", _("当座")), ("4", _("貯蓄"))],
    )
    account_number = models.CharField(_("口座番号"), max_length=7, blank=True, validators=[_digits[7]])

    class Meta:
        verbose_name = _("振込元口座")

    @property
    def complete(self) -> bool:
        return all(
            [
                self.remitter_code,
                self.remitter_name,
                self.bank_code,
                self.branch_code,
                self.account_type,
                self.account_number,
            ]
        )
