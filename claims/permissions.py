"""Who may do what with claims and settlement (実績報告・精算) on the staff side.

The role table (`accounts.roles`) gives the permissions; these helpers name what each one means, so
the admin screens, the menu and the tests ask the same question the same way.
"""

from __future__ import annotations

VIEW = "claims.view_claim"
REVIEW = "claims.review_claim"  # 確認開始, 除外・戻す, 差戻し
APPROVE = "claims.approve_claim"
UPLOAD = "claims.add_claim"  # a claim file that arrived by mail, entered by staff
VIEW_BUDGET = "claims.view_budgetaccount"  # 配分額 list, 予算ダッシュボード
ALLOCATE = "claims.change_budgetaccount"  # edit 配分額
VIEW_REPORTS = "claims.view_monthlyclose"  # 月末締め list, Excel reports
CLOSE_MONTH = "claims.add_monthlyclose"
VIEW_PAYMENTS = "claims.view_paymentbatch"
MANAGE_PAYMENTS = "claims.manage_payments"  # create batches, download the Zengin file, confirm


def can_view(user) -> bool:
    return user.has_perm(VIEW)


def can_review(user) -> bool:
    return user.has_perm(REVIEW)


def can_approve(user) -> bool:
    return user.has_perm(APPROVE)


def can_upload(user) -> bool:
    return user.has_perm(UPLOAD)


def can_view_budget(user) -> bool:
    return user.has_perm(VIEW_BUDGET)


def can_allocate(user) -> bool:
    return user.has_perm(ALLOCATE)


def can_view_reports(user) -> bool:
    return user.has_perm(VIEW_REPORTS)


def can_close_month(user) -> bool:
    return user.has_perm(CLOSE_MONTH)


def can_view_payments(user) -> bool:
    return user.has_perm(VIEW_PAYMENTS)


def can_manage_payments(user) -> bool:
    return user.has_perm(MANAGE_PAYMENTS)
