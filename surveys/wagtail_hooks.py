"""Admin for surveys: the builder (a translatable snippet) and the menu group アンケート・景品.

The screens live in their own modules, each with `urlpatterns` and `menu_items()`:
`admin_links` (per-facility links and QR codes, response rates), `admin_results` (dashboard,
Excel, PDF report) and `admin_lottery` (entries, draws, winners, shipping).
"""

from django.db.models import Count
from django.urls import include, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from core.admin_menu import PermissionMenuItem

from . import admin_links, admin_lottery, admin_results
from .models import Survey
from .versions import Outcome


class SurveyViewSet(SnippetViewSet):
    """The survey builder: questions, dates, the lottery, and translation with wagtail-localize."""

    model = Survey
    icon = "form"
    menu_label = gettext_lazy("アンケート")
    add_to_admin_menu = False
    list_display = [
        "title",
        "campaign",
        "opens_at",
        "closes_at",
        Column("response_count", label=gettext_lazy("回答数")),
        "locale",
    ]
    list_filter = ["campaign", "locale"]
    search_fields = ["title"]
    search_backend_name = None

    def get_queryset(self, request):
        # Answers belong to the Japanese survey; its translations show 0.
        return Survey.objects.select_related("campaign", "locale").annotate(response_count=Count("responses"))


survey_viewset = SurveyViewSet()
register_snippet(survey_viewset)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def tell_about_version(request, instance) -> None:
    """Say what the save did to the survey's versions: a new version is worth knowing about."""
    result = getattr(instance, "_version_outcome", None)
    if not isinstance(instance, Survey) or result is None:
        return
    outcome, version = result
    if outcome is Outcome.NEW_VERSION:
        messages.warning(
            request,
            _(
                "回答が集まった後に質問の意味が変わったため、第%(number)d版として保存しました。"
                "これまでの回答は第%(previous)d版の質問への回答として集計されます。"
            )
            % {"number": version.number, "previous": version.number - 1},
        )


@hooks.register("register_admin_urls")
def register_surveys_admin_urls():
    return [
        path(
            "surveys/",
            include(
                (
                    admin_links.urlpatterns + admin_results.urlpatterns + admin_lottery.urlpatterns,
                    "surveys_admin",
                )
            ),
        )
    ]


@hooks.register("register_admin_menu_item")
def register_surveys_menu():
    items = [
        PermissionMenuItem(
            _("アンケート作成"),
            survey_viewset.menu_url,
            icon_name="form",
            order=100,
            allowed=lambda user: (
                user.has_perm("surveys.change_survey") or user.has_perm("surveys.add_survey")
            ),
        ),
        *admin_links.menu_items(),
        *admin_results.menu_items(),
        *admin_lottery.menu_items(),
    ]
    return SubmenuMenuItem(_("アンケート・景品"), Menu(items=items), icon_name="form", order=260)
