"""ダウンロード in the admin menu, open to every staff member (each sees their own jobs)."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_jobs_urls():
    return admin_views.urlpatterns


@hooks.register("register_admin_menu_item")
def register_jobs_menu_item():
    return MenuItem(_("ダウンロード"), reverse_lazy("jobs_list"), icon_name="download", order=9000)
