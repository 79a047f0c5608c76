"""Admin URLs and menu item of the city's dashboard."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks

from core.admin_menu import PermissionMenuItem

from . import dashboard_views


@hooks.register("register_admin_urls")
def register_dashboard_urls():
    return [path("city-dashboard/", dashboard_views.city_dashboard, name="reports_city_dashboard")]


@hooks.register("register_admin_menu_item")
def register_dashboard_menu():
    # Top level and first of the operations menus: what the city opens every morning.
    return PermissionMenuItem(
        _("市ダッシュボード"),
        reverse("reports_city_dashboard"),
        icon_name="view",
        order=205,
        allowed=dashboard_views.can_view,
    )
