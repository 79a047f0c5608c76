"""Campaign rounds are edited by administrators in the Wagtail admin."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Campaign


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "date"
    menu_label = pgettext_lazy("plural", "キャンペーン")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "stay_start", "stay_end", "budget"]
    search_fields = ["name", "name_en", "slug"]
    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("name_en"), FieldPanel("slug")], heading=_("名称")),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("application_start"), FieldPanel("application_end")]),
                FieldRowPanel([FieldPanel("stay_start"), FieldPanel("stay_end")]),
                FieldPanel("participant_data_due_on"),
            ],
            heading=_("日程"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("budget"),
                FieldRowPanel([FieldPanel("discount_rate"), FieldPanel("discount_cap")]),
                FieldRowPanel([FieldPanel("minimum_price"), FieldPanel("max_nights")]),
                FieldPanel("booking_after_approval_only"),
            ],
            heading=_("予算と割引条件"),
        ),
    ]


register_snippet(CampaignViewSet)
