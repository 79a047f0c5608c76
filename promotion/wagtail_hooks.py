"""Admin for the flyer: the moderated snippet チラシ and its PDF downloads (print data and proof)."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet

from . import admin_views
from .models import Flyer
from .permissions import can_download


def download_buttons(flyer: Flyer, user) -> list[Button]:
    """「PDFをダウンロード」 for the live version, 「校正刷り（PDF）」 for the latest draft revision."""
    if not can_download(user):
        return []
    buttons = []
    if flyer.live:
        buttons.append(
            Button(
                _("PDFをダウンロード"),
                reverse("promotion_flyer_pdf", args=[flyer.pk]),
                icon_name="download",
                priority=5,
            )
        )
    buttons.append(
        Button(
            _("校正刷り（PDF）"),
            reverse("promotion_flyer_proof_pdf", args=[flyer.pk]),
            icon_name="doc-full",
            priority=6,
        )
    )
    return buttons


class FlyerEditView(EditView):
    @property
    def header_more_buttons(self):
        return [*download_buttons(self.object, self.request.user), *super().header_more_buttons]


class FlyerViewSet(SnippetViewSet):
    """チラシ: drafts and proof rounds as revisions, approval by moderators, PDF downloads."""

    model = Flyer
    icon = "doc-full-inverse"
    menu_label = _("チラシ")
    menu_order = 233
    add_to_admin_menu = True
    edit_view_class = FlyerEditView
    list_display = ["title", "campaign", "bleed"]
    list_filter = ["campaign"]
    search_fields = ["title"]
    search_backend_name = None


register_snippet(FlyerViewSet)


@hooks.register("register_snippet_listing_buttons")
def flyer_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, Flyer):
        yield from download_buttons(snippet, user)


@hooks.register("register_admin_urls")
def register_promotion_admin_urls():
    return [
        path("promotion/flyers/<int:pk>/pdf/", admin_views.flyer_pdf, name="promotion_flyer_pdf"),
        path(
            "promotion/flyers/<int:pk>/proof-pdf/",
            admin_views.flyer_proof_pdf,
            name="promotion_flyer_proof_pdf",
        ),
    ]
