"""The taxonomy is edited under one admin menu; rows are reordered by dragging in each list."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Area, FacilityType, Feature, Ward


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


register_snippet(TaxonomyGroup)
