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
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting
from wagtail.fields import StreamField
from wagtail.models import Locale, Orderable, Page, TranslatableMixin
from wagtail.search import index

from campaigns.models import Campaign
from core.i18n import pick_language

from .blocks import BodyStreamBlock

NEWS_PER_PAGE = 10


class HomePage(Page):
    """The campaign's front page: facts from the current Campaign, calls to action, latest news."""

    lead = models.TextField(
        _("リード文"),
        blank=True,
        help_text=_("キャンペーン名の下に表示する1〜2文の紹介文です。日付と金額は自動で表示されます。"),
    )
    traveller_cta_label = models.CharField(_("旅行者向けボタンの文言"), max_length=60, blank=True)
    traveller_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("旅行者向けページ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    business_cta_label = models.CharField(_("事業者向けボタンの文言"), max_length=60, blank=True)
    business_cta_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("事業者向けページ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyStreamBlock(), blank=True, verbose_name=_("本文"))

    content_panels = [
        *Page.content_panels,
        FieldPanel("lead"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("traveller_cta_label"), PageChooserPanel("traveller_cta_page")]),
                FieldRowPanel([FieldPanel("business_cta_label"), PageChooserPanel("business_cta_page")]),
            ],
            heading=_("誘導ボタン（旅行者・事業者）"),
        ),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("lead"), index.SearchField("body")]

    parent_page_types = ["wagtailcore.Page"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("トップページ")

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["campaign"] = Campaign.objects.current()
        context["latest_news"] = (
            NewsPage.objects.live().public().filter(locale=self.locale).order_by("-date", "-pk")[:3]
        )
        context["news_index"] = NewsIndexPage.objects.live().public().filter(locale=self.locale).first()
        return context


class StandardPage(Page):
    """Any content page: overview, how to use, for businesses, contact, policies."""

    intro = models.TextField(_("導入文"), blank=True)
    body = StreamField(BodyStreamBlock(), verbose_name=_("本文"))

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro"), index.SearchField("body")]

    parent_page_types = ["cms.HomePage", "cms.StandardPage"]

    class Meta:
        verbose_name = _("標準ページ")


class NewsIndexPage(Page):
    intro = models.TextField(_("導入文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["cms.NewsPage"]
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("お知らせ一覧ページ")

    def paginated_news(self, request: HttpRequest) -> PaginatorPage:
        """Newest first; a page number that is not a number or out of range gets the nearest page."""
        news = NewsPage.objects.child_of(self).live().public().order_by("-date", "-pk")
        return Paginator(news, NEWS_PER_PAGE).get_page(request.GET.get("page"))

    def get_context(self, request: HttpRequest, *args: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context(request, *args, **kwargs)
        context["news_page"] = self.paginated_news(request)
        return context


class NewsPage(Page):
    date = models.DateField(_("日付"), default=timezone.localdate)
    summary = models.TextField(_("概要"), max_length=300, help_text=_("お知らせ一覧に表示されます。"))
    body = StreamField(BodyStreamBlock(), verbose_name=_("本文"))

    content_panels = [*Page.content_panels, FieldPanel("date"), FieldPanel("summary"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("summary"), index.SearchField("body")]
    parent_page_types = ["cms.NewsIndexPage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("お知らせ記事")
        verbose_name_plural = pgettext_lazy("plural", "お知らせ記事")


# --- Site settings (Settings menu in the admin) ---------------------------------------------


@register_setting(icon="mail")
class ContactSettings(BaseGenericSetting):
    """Call-center details shown in the footer and wherever an editor places the contact block."""

    traveller_phone = models.CharField(_("旅行者向け電話番号"), max_length=30, blank=True)
    business_phone = models.CharField(_("事業者向け電話番号"), max_length=30, blank=True)
    hours = models.CharField(_("受付時間（日本語）"), max_length=200, blank=True)
    hours_en = models.CharField(_("受付時間（英語）"), max_length=200, blank=True)
    note = models.TextField(_("備考（日本語）"), blank=True)
    note_en = models.TextField(_("備考（英語）"), blank=True)
    # The spec opens each line for its own period (利用者向け 5/19–7/18, 事業者向け 5/1–7/31 in 2025).
    traveller_from = models.DateField(_("旅行者向けの開設日"), null=True, blank=True)
    traveller_until = models.DateField(_("旅行者向けの終了日"), null=True, blank=True)
    business_from = models.DateField(_("事業者向けの開設日"), null=True, blank=True)
    business_until = models.DateField(_("事業者向けの終了日"), null=True, blank=True)

    panels = [
        FieldRowPanel([FieldPanel("traveller_phone"), FieldPanel("business_phone")]),
        FieldRowPanel([FieldPanel("traveller_from"), FieldPanel("traveller_until")]),
        FieldRowPanel([FieldPanel("business_from"), FieldPanel("business_until")]),
        FieldRowPanel([FieldPanel("hours"), FieldPanel("hours_en")]),
        FieldRowPanel([FieldPanel("note"), FieldPanel("note_en")]),
    ]

    class Meta:
        verbose_name = _("問い合わせ先")

    @property
    def localized_hours(self) -> str:
        return pick_language(self.hours, self.hours_en)

    @property
    def localized_note(self) -> str:
        return pick_language(self.note, self.note_en)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors = {}
        for start, end in (("traveller_from", "traveller_until"), ("business_from", "business_until")):
            if getattr(self, start) and getattr(self, end) and getattr(self, end) < getattr(self, start):
                errors[end] = _("終了日は開設日以降の日付にしてください。")
        if errors:
            raise ValidationError(errors)


class AlertLevel(models.TextChoices):
    INFO = "info", _("情報")
    WARNING = "warning", _("警告")


@register_setting(icon="warning")
class SiteAlertSettings(BaseGenericSetting):
    """A message on every page (e.g. 「予算の上限に近づいています」), switched on with one field."""

    enabled = models.BooleanField(_("全ページにお知らせを表示する"), default=False)
    level = models.CharField(_("種類"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.WARNING)
    message = models.CharField(_("メッセージ（日本語）"), max_length=200, blank=True)
    message_en = models.CharField(_("メッセージ（英語）"), max_length=200, blank=True)
    link_page = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("詳細ページ"),
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
        verbose_name = _("サイト全体のお知らせ")

    def clean(self) -> None:
        if self.enabled and not self.message.strip():
            raise ValidationError({"message": _("表示をオンにする前に、メッセージを入力してください。")})

    @property
    def localized_message(self) -> str:
        return pick_language(self.message, self.message_en)


@register_setting(icon="list-ul")
class NavigationSettings(BaseGenericSetting, ClusterableModel):
    """Footer links (policies, contact). Header menu = home page children marked 'show in menus'."""

    panels = [InlinePanel("footer_links", label=pgettext_lazy("plural", "フッターリンク"))]

    class Meta:
        verbose_name = _("ナビゲーション")


class FooterLink(Orderable):
    setting = ParentalKey(NavigationSettings, related_name="footer_links", on_delete=models.CASCADE)
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("ページ"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("page")]

    class Meta(Orderable.Meta):
        verbose_name = _("フッターリンク")


# --- Snippets -----------------------------------------------------------------------------------


class TourismBanner(TranslatableMixin, Orderable):
    """A banner to Sendai's tourism sites, shown on every page in the order editors set (spec 5)."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("リンク先URL"))
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("画像"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    image_alt = models.CharField(
        _("代替テキスト"),
        max_length=200,
        blank=True,
        help_text=_("バナー画像に書かれている内容です。空欄の場合は名称を使います。"),
    )
    description = models.CharField(_("短い説明文"), max_length=200, blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("url"),
        FieldPanel("description"),
        FieldPanel("image"),
        FieldPanel("image_alt"),
    ]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("観光バナー")
        verbose_name_plural = pgettext_lazy("plural", "観光バナー")

    def __str__(self) -> str:
        return self.name

    @property
    def alt_text(self) -> str:
        return self.image_alt or self.name

    @classmethod
    def for_active_locale(cls) -> list[TourismBanner]:
        """Banners of the visitor's language, or of the default language when none are translated."""
        banners = cls.objects.select_related("image").order_by("sort_order", "pk")
        return list(banners.filter(locale=Locale.get_active())) or list(
            banners.filter(locale=Locale.get_default())
        )
