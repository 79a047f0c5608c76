"""Admin for participants: the review screens, the city's escalations, the export and the notices."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_menu import PermissionMenuItem

from . import admin_views
from . import permissions as perms
from .models import ParticipantNotice


class ParticipantNoticeViewSet(SnippetViewSet):
    """お知らせ and the 参加事業者マニュアル for hotel users: drafts, revisions, publish."""

    model = ParticipantNotice
    icon = "info-circle"
    menu_label = pgettext_lazy("plural", "参加事業者向けお知らせ")
    menu_order = 231
    add_to_admin_menu = True
    list_display = ["title", "posted_on", "campaign", "is_manual"]
    list_filter = ["is_manual", "campaign"]
    search_fields = ["title"]
    search_backend_name = None  # plain database lookups: no search index to keep in sync
    list_per_page = 50


register_snippet(ParticipantNoticeViewSet)


@hooks.register("register_admin_urls")
def register_participant_admin_urls():
    return [
        path("participants/", admin_views.queue, name="participants_queue"),
        path("participants/escalations/", admin_views.escalations, name="participants_escalations"),
        path("participants/export/", admin_views.export, name="participants_export"),
        path("participants/exports/", admin_views.export_log, name="participants_export_log"),
        path("participants/export/freeze/", admin_views.freeze, name="participants_freeze"),
        path(
            "participants/export/frozen/<int:pk>/",
            admin_views.frozen_download,
            name="participants_frozen_download",
        ),
        path(
            "participants/applications/<uuid:pk>/",
            admin_views.application_detail,
            name="participants_application",
        ),
        path(
            "participants/applications/<uuid:pk>/<slug:action>/",
            admin_views.application_action,
            name="participants_application_action",
        ),
        path(
            "participants/documents/<uuid:pk>/", admin_views.document_download, name="participants_document"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_participants_menu():
    items = [
        PermissionMenuItem(
            _("参加申請の審査"),
            reverse("participants_queue"),
            icon_name="clipboard-list",
            order=100,
            allowed=perms.can_view,
        ),
        PermissionMenuItem(
            _("発注者確認の案件"),
            reverse("participants_escalations"),
            icon_name="help",
            order=200,
            allowed=perms.can_decide_escalation,
        ),
        PermissionMenuItem(
            _("参加事業者データの出力"),
            reverse("participants_export"),
            icon_name="download",
            order=300,
            allowed=perms.can_export,
        ),
        PermissionMenuItem(
            _("出力記録"),
            reverse("participants_export_log"),
            icon_name="history",
            order=400,
            allowed=perms.can_view_export_log,
        ),
    ]
    return SubmenuMenuItem(
        pgettext_lazy("plural", "参加事業者"), Menu(items=items), icon_name="group", order=230
    )


class FreezeReminderPanel(Component):
    """The dashboard's reminder of the 参加事業者データ（確定版） still to be frozen (spec 6.1 (4)), for the
    staff who may freeze it: each round taking applications or running without one, and its due date."""

    name = "participants_freeze_reminder"
    order = 90
    template_name = "participants/admin/freeze_reminder_panel.html"

    def __init__(self, reminders) -> None:
        self.reminders = reminders

    def get_context_data(self, parent_context=None):
        return {"reminders": self.reminders}


@hooks.register("construct_homepage_panels")
def add_freeze_reminder(request, panels) -> None:
    if not perms.can_freeze(request.user):
        return
    from .frozen import reminders

    found = reminders()
    if found:
        panels.append(FreezeReminderPanel(found))
