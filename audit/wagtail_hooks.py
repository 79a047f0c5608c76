"""Admin: the 監査ログ screen and its menu item, shown to users who may read the log."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin_menu import PermissionMenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_audit_admin_urls():
    return [
        path("audit/", admin_views.audit_list, name="audit_list"),
        path("audit/export/", admin_views.audit_export, name="audit_export"),
    ]


@hooks.register("register_admin_menu_item")
def register_audit_menu():
    return PermissionMenuItem(
        _("監査ログ"), reverse("audit_list"), icon_name="history", order=900, allowed=admin_views.can_view
    )
