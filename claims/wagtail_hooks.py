"""Admin for claims and settlement: the menu group 実績報告・精算 and its screens."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem

from core.admin_menu import PermissionMenuItem

from . import admin_views
from . import permissions as perms


@hooks.register("register_admin_urls")
def register_claims_admin_urls():
    return [
        path("claims/", admin_views.claim_list, name="claims_list"),
        path("claims/upload/", admin_views.upload, name="claims_upload"),
        path("claims/allocations/", admin_views.allocations, name="claims_allocations"),
        path("claims/allocations/<int:pk>/", admin_views.allocation_edit, name="claims_allocation_edit"),
        path("claims/sold-out-threshold/", admin_views.sold_out_threshold, name="claims_sold_out_threshold"),
        path("claims/dashboard/", admin_views.dashboard, name="claims_dashboard"),
        path("claims/months/", admin_views.months, name="claims_months"),
        path("claims/months/close/", admin_views.month_close, name="claims_month_close"),
        path("claims/months/<int:pk>/report/", admin_views.month_report, name="claims_month_report"),
        path("claims/reports/completion/", admin_views.completion_report, name="claims_completion_report"),
        path("claims/reports/lines/", admin_views.claim_lines_export, name="claims_lines_export"),
        path("claims/payments/", admin_views.payment_batches, name="claims_payments"),
        path("claims/payments/create/", admin_views.payment_batch_create, name="claims_payment_create"),
        path("claims/payments/<int:pk>/", admin_views.payment_batch_confirm, name="claims_payment_batch"),
        path(
            "claims/payments/<int:pk>/zengin/", admin_views.payment_batch_zengin, name="claims_payment_zengin"
        ),
        path("claims/<uuid:pk>/", admin_views.claim_detail, name="claims_claim"),
        path("claims/<uuid:pk>/<slug:action>/", admin_views.claim_action, name="claims_claim_action"),
        path(
            "claims/<uuid:pk>/lines/<int:line_pk>/<slug:action>/",
            admin_views.line_action,
            name="claims_line_action",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_claims_menu():
    items = [
        PermissionMenuItem(
            _("実績報告"), reverse("claims_list"), icon_name="list-ul", order=100, allowed=perms.can_view
        ),
        PermissionMenuItem(
            _("郵送分の登録"),
            reverse("claims_upload"),
            icon_name="upload",
            order=200,
            allowed=perms.can_upload,
        ),
        PermissionMenuItem(
            _("配分額"),
            reverse("claims_allocations"),
            icon_name="table",
            order=300,
            allowed=perms.can_view_budget,
        ),
        PermissionMenuItem(
            _("予算ダッシュボード"),
            reverse("claims_dashboard"),
            icon_name="pick",
            order=400,
            allowed=perms.can_view_budget,
        ),
        PermissionMenuItem(
            _("月末締め・報告"),
            reverse("claims_months"),
            icon_name="date",
            order=500,
            allowed=perms.can_view_reports,
        ),
        PermissionMenuItem(
            _("振込データ"),
            reverse("claims_payments"),
            icon_name="doc-full",
            order=600,
            allowed=perms.can_view_payments,
        ),
    ]
    return SubmenuMenuItem(_("実績報告・精算"), Menu(items=items), icon_name="tasks", order=240)
