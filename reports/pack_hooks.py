"""Admin URLs and menu item of the report packs (monthly and final)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin_menu import PermissionMenuItem

from . import pack_views


@hooks.register("register_admin_urls")
def register_pack_urls():
    return [
        path("reports/packs/", pack_views.pack_list, name="reports_packs"),
        path("reports/packs/generate/", pack_views.pack_generate, name="reports_pack_generate"),
        path("reports/packs/<int:pk>/<slug:fmt>/", pack_views.pack_download, name="reports_pack_download"),
    ]


@hooks.register("register_admin_menu_item")
def register_pack_menu():
    return PermissionMenuItem(
        _("報告書パック"),
        reverse("reports_packs"),
        icon_name="doc-full-inverse",
        order=245,
        allowed=pack_views.can_view,
    )
