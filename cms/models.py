"""Page types, site settings and snippets of the public campaign site.

Editors run the whole site from Wagtail: the campaign's facts (name, dates, rule, budget) are read
from the current `Campaign` rather than typed into pages, so they are never typed twice and never
disagree.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Locale, Orderable, Page, TranslatableMixin
from wagtail.search import index

from campaigns.models import Campaign

from .blocks import BodyStreamBlock

NEWS_PER_PAGE = 10


def _in_english() -> bool:
    return (get_language() or "ja").startswith("en")


class HomePage(Page):
    """The campaign's front page: facts from the current Campaign, calls to action, latest news."""

    lead = models.TextField(
        _("lead text"),
        blank=True,
        help_text=_("One or two sentences under the campaign name. Dates and amounts are added automatically."),
    )
    traveller_cta_label = models.CharField(_("button text for travellers"), max_length=60, blank=True)
    traveller_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page for travellers"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    business_cta_label = models.CharField(_("button text for businesses"), max_length=60, blank=True)
    business_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page for businesses"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("body"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("lead"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("traveller_cta_label"), PageChooserPanel("traveller_cta_page")]),
                FieldRowPanel([FieldPanel("business_cta_label"), PageChooserPanel("business_cta_page")]),
            ],
            heading=_("Calls to action"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("lead"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["campaign"] = Campaign.objects.current()
        context["latest_news"] = (
            NewsPage.objects.live().public().filter(locale=self.locale).order_by("-date", "-pk")[:3]
        )
        context["news_index"] = (
            NewsIndexPage.objects.live().public().filter(locale=self.locale).first()
        )
        return context


class StandardPage(Page):
    """Any content page: overview, how to use, for businesses, contact, policies."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("standard page")


class NewsIndexPage(Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("news index")

    def paginated_news(self, request: HttpRequest) -> PaginatorPage:
        """Newest first; a page number that is not a number or out of range gets the nearest page."""
        news = NewsPage.objects.child_of(self).live().public().order_by("-date", "-pk")
        return Paginator(news, NEWS_PER_PAGE).get_page(request.GET.get("page"))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["news_page"] = self.paginated_news(request)
        return context


class NewsPage(Page):
    date = models.DateField(_("date"), default=timezone.localdate)
    summary = models.TextField(_("summary"), max_length=300, help_text=_("Shown in news lists."))
    body = StreamField(BodyStreamBlock(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("news item")
        verbose_name_plural = _("news items")


# --- Site settings (Settings menu in the admin) ---------------------------------------------


@register_setting(icon="mail")
class ContactSettings(BaseGenericSetting):
    """Call-center details shown in the footer and wherever an editor places the contact block."""

    traveller_phone = models.CharField(_("number for travellers"), max_length=30, blank=True)
    business_phone = models.CharField(_("number for businesses"), max_length=30, blank=True)
    hours = models.CharField(_("opening hours (Japanese)"), max_length=200, blank=True)
    hours_en = models.CharField(_("opening hours (English)"), max_length=200, blank=True)
    note = models.TextField(_("note (Japanese)"), blank=True)
    note_en = models.TextField(_("note (English)"), blank=True)

    panels = [
        FieldRowPanel([FieldPanel("traveller_phone"), FieldPanel("business_phone")]),
        FieldRowPanel([FieldPanel("hours"), FieldPanel("hours_en")]),
        FieldRowPanel([FieldPanel("note"), FieldPanel("note_en")]),
    ]

    class Meta:
        verbose_name = _("contact details")

    @property
    def localized_hours(self) -> str:
        return self.hours_en if _in_english() and self.hours_en else self.hours

    @property
    def localized_note(self) -> str:
        return self.note_en if _in_english() and self.note_en else self.note


class AlertLevel(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")


@register_setting(icon="warning")
class SiteAlertSettings(BaseGenericSetting):
    """A message on every page (e.g. 「予算の上限に近づいています」), switched on with one field."""

    enabled = models.BooleanField(_("show the alert on every page"), default=False)
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.WARNING)
    message = models.CharField(_("message (Japanese)"), max_length=200, blank=True)
    message_en = models.CharField(_("message (English)"), max_length=200, blank=True)
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("page with details"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    panels = [
        FieldPanel("enabled"),
        FieldPanel("level"),
        FieldPanel("message"),
        FieldPanel("message_en"),
        PageChooserPanel("link_page"),
    ]

    class Meta:
        verbose_name = _("site-wide alert")

    def clean(self) -> None:
        if self.enabled and not self.message.strip():
            raise ValidationError({"message": _("Enter the message before switching the alert on.")})

    @property
    def localized_message(self) -> str:
        return self.message_en if _in_english() and self.message_en else self.message


@register_setting(icon="list-ul")
class NavigationSettings(BaseGenericSetting, ClusterableModel):
    """Footer links (policies, contact). Header menu = home page children marked 'show in menus'."""

    panels = [InlinePanel("footer_links", label=_("Footer links"))]

    class Meta:
        verbose_name = _("navigation")


class FooterLink(Orderable):
    setting = ParentalKey(NavigationSettings, related_name="footer_links", on_delete=models.CASCADE)
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("page"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("footer link")


# --- Snippets -----------------------------------------------------------------------------------


class TourismBanner(TranslatableMixin, Orderable):
    """A banner to Sendai's tourism sites, shown on every page in the order editors set (spec 5)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("web address"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("alternative text"),
        max_length=200,
        blank=True,
        help_text=_("What the banner says. Leave empty to use the name."),
    )
    description = models.CharField(_("short description"), max_length=200, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldPanel("image_alt"),
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("tourism banner")
        verbose_name_plural = _("tourism banners")

    def __str__(self) -> str:
        return self.name

    @property
    def alt_text(self) -> str:
        return self.image_alt or self.name

    @classmethod
    def for_active_locale(cls) -> models.QuerySet[TourismBanner]:
        """Banners of the visitor's language, or of the default language when none are translated."""
        banners = cls.objects.filter(locale=Locale.get_active()).select_related("image")
        if not banners.exists():
            banners = cls.objects.filter(locale=Locale.get_default()).select_related("image")
        return banners.order_by("sort_order", "pk")
