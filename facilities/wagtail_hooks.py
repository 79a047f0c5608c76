"""Admin for facilities: the taxonomy menu, the facility snippets and the sales-state screen."""

from django import forms
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views, import_views
from .models import Area, Facility, FacilityType, Feature, Ward


class TaxonomyViewSet(SnippetViewSet):
    list_display = ["name", "name_en", "slug"]
    search_fields = ["name", "name_en", "slug"]
    sort_order_field = "sort_order"
    panels = ["name", "name_en", "slug"]


class WardViewSet(TaxonomyViewSet):
    model = Ward
    icon = "site"


class AreaViewSet(TaxonomyViewSet):
    model = Area
    icon = "globe"


class FacilityTypeViewSet(TaxonomyViewSet):
    model = FacilityType
    icon = "home"


class FeatureViewSet(TaxonomyViewSet):
    model = Feature
    icon = "tag"


class TaxonomyGroup(SnippetViewSetGroup):
    items = (WardViewSet, AreaViewSet, FacilityTypeViewSet, FeatureViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("施設の分類")
    menu_order = 220


class FacilityViewSet(SnippetViewSet):
    """Facilities: list with search and filters, edit with photos and campaign participation."""

    model = Facility
    icon = "home"
    menu_label = pgettext_lazy("plural", "宿泊施設")
    menu_order = 215
    add_to_admin_menu = True
    list_display = ["code", "name", "ward", "area", "facility_type", "is_published"]
    list_filter = ["ward", "area", "facility_type", "is_published"]
    search_fields = ["code", "name", "kana", "address"]
    search_backend_name = None  # plain database lookups: no search index to keep in sync
    list_per_page = 50
    panels = [
        MultiFieldPanel(
            [FieldPanel("code"), FieldPanel("name"), FieldPanel("kana"), FieldPanel("facility_type")],
            heading=_("施設"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("ward"),
                FieldPanel("area"),
                FieldPanel("address"),
                FieldPanel("phone"),
                FieldPanel("website"),
            ],
            heading=_("所在地・連絡先"),
        ),
        FieldPanel("features", widget=forms.CheckboxSelectMultiple),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("room_count")]),
        FieldPanel("booking_notes"),
        InlinePanel("photos", heading=_("写真"), label=_("写真")),
        InlinePanel(
            "participations",
            heading=_("参加するキャンペーン"),
            label=_("参加登録"),
            panels=[FieldPanel("campaign"), FieldPanel("approved_on")],
        ),
        FieldPanel("is_published"),
    ]


register_snippet(TaxonomyGroup)
register_snippet(FacilityViewSet)


class SalesMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm("facilities.change_participation")


class FacilityImportMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return import_views.can_import(request.user)


@hooks.register("register_admin_urls")
def register_facility_admin_urls():
    return [
        path("facilities/sales/", admin_views.sales_index, name="facilities_sales"),
        path("facilities/sales/<int:pk>/", admin_views.sales_change, name="facilities_sales_change"),
        path("facilities/import/", import_views.import_index, name="facilities_import"),
        path(
            "facilities/import/template.csv", import_views.import_template, name="facilities_import_template"
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_sales_menu_item():
    return SalesMenuItem(_("販売状況"), reverse("facilities_sales"), icon_name="tasks", order=216)


@hooks.register("register_admin_menu_item")
def register_facility_import_menu_item():
    return FacilityImportMenuItem(
        _("施設の一括取込"), reverse("facilities_import"), icon_name="upload", order=217
    )
