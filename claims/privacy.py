"""Erasing the payees' bank accounts copied into payment batches (spec 個人情報等の取扱い).

`claims.payments.create_batch` copies the approved account into each `Payment` and into the batch's
Zengin file so that what was paid never changes afterwards. At erasure the account fields are blanked
and the Zengin file (which spells out every payee's account and 口座名義) is emptied; the amounts, the
batch totals and counts, the claims and the budget ledger stay exactly as they were, so every figure
and `budget.verify_ledger` still hold. The ledger itself holds no personal data and is never touched.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from privacy.categories import Category

from .models import Payment, PaymentBatch

PAYMENT_ACCOUNT_FIELDS = ["bank_code", "branch_code", "account_type", "account_number", "account_holder"]


def erase_payment_accounts(campaign, *, dry_run: bool) -> Category:
    has_data = Q()
    for name in PAYMENT_ACCOUNT_FIELDS:
        has_data |= ~Q(**{name: ""})
    payments = Payment.objects.filter(batch__campaign=campaign).filter(has_data)
    category = Category(
        key="payment_accounts",
        label=_("振込明細の振込先口座"),
        method=_("空欄化（振込金額は残す）"),
        records=payments.count(),
    )
    if not dry_run and category.records:
        payments.update(**{name: "" for name in PAYMENT_ACCOUNT_FIELDS})
    return category


def erase_zengin_files(campaign, *, dry_run: bool) -> Category:
    batches = PaymentBatch.objects.filter(campaign=campaign).exclude(zengin_file=b"")
    category = Category(
        key="zengin_files",
        label=_("振込データ（全銀ファイル）"),
        method=_("データベース上のファイル内容を消去（振込日・件数・合計金額は残す）"),
        records=batches.count(),
    )
    if not dry_run and category.records:
        batches.update(zengin_file=b"")
    return category
