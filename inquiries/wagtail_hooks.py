"""Admin for the call center: the menu group コールセンター, its screens and the category list."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_menu import PermissionMenuItem

from . import admin_views
from . import permissions as perms
from .models import FAQEntry, InquiryCategory


class InquiryCategoryViewSet(SnippetViewSet):
    """The editable list of inquiry categories (the spec's five are seeded)."""

    model = InquiryCategory
    icon = "tag"
    menu_label = _("問い合わせ分類")
    add_to_admin_menu = False
    list_display = ["name", "name_en", "slug", "is_active"]
    search_backend_name = None
    sort_order_field = "sort_order"


register_snippet(InquiryCategoryViewSet)


class FAQEntryViewSet(SnippetViewSet):
    """よくある質問: drafts, revisions, publishing by moderators, translation with wagtail-localize."""

    model = FAQEntry
    icon = "help"
    menu_label = _("よくある質問")
    menu_order = 232
    add_to_admin_menu = True
    list_display = ["question", "category", "audience", "sort_order", "locale"]
    list_filter = ["category", "audience", "locale"]
    search_fields = ["question"]
    search_backend_name = None
    list_per_page = 50


register_snippet(FAQEntryViewSet)


@hooks.register("register_admin_urls")
def register_inquiries_admin_urls():
    return [
        path("inquiries/", admin_views.inquiry_list, name="inquiries_list"),
        path("inquiries/new/", admin_views.inquiry_create, name="inquiries_new"),
        path("inquiries/queue/", admin_views.inquiry_queue, name="inquiries_queue"),
        path("inquiries/quick-tally/", admin_views.quick_tally, name="inquiries_quick_tally"),
        path("inquiries/quick-tally/undo/", admin_views.quick_tally_undo, name="inquiries_quick_tally_undo"),
        path("inquiries/reports/", admin_views.reports, name="inquiries_reports"),
        path("inquiries/reports/download/", admin_views.report_download, name="inquiries_report_download"),
        path(
            "inquiries/reports/submitted/",
            admin_views.report_mark_submitted,
            name="inquiries_report_submitted",
        ),
        path("inquiries/<int:pk>/", admin_views.inquiry_detail, name="inquiries_detail"),
        path("inquiries/<int:pk>/edit/", admin_views.inquiry_edit, name="inquiries_edit"),
        path("inquiries/<int:pk>/faq/", admin_views.inquiry_to_faq, name="inquiries_to_faq"),
    ]


@hooks.register("register_admin_menu_item")
def register_inquiries_menu():
    items = [
        PermissionMenuItem(
            _("応対記録の入力"), reverse("inquiries_new"), icon_name="form", order=100, allowed=perms.can_add
        ),
        PermissionMenuItem(
            _("応対記録"), reverse("inquiries_list"), icon_name="list-ul", order=200, allowed=perms.can_view
        ),
        PermissionMenuItem(
            _("折り返し・エスカレーション"),
            reverse("inquiries_queue"),
            icon_name="help",
            order=300,
            allowed=perms.can_view,
        ),
        PermissionMenuItem(
            _("集計報告"),
            reverse("inquiries_reports"),
            icon_name="date",
            order=400,
            allowed=perms.can_view_reports,
        ),
    ]
    return SubmenuMenuItem(_("コールセンター"), Menu(items=items), icon_name="mail", order=250)
