from django.utils.translation import pgettext_lazy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import TourismBanner


class TourismBannerViewSet(SnippetViewSet):
    """Banners are ordered by drag and drop in the listing (Orderable's sort_order)."""

    model = TourismBanner
    icon = "image"
    menu_label = pgettext_lazy("plural", "観光バナー")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "url", "locale"]
    list_filter = ["locale"]
    search_fields = ["name", "url"]


register_snippet(TourismBannerViewSet)
