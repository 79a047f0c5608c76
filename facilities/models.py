"""Facility taxonomy: ward, area, facility type and feature (DOMAIN.md).

Each term has a Japanese and an English name and a slug that is its stable value in URLs and in the
facility import file; the slug cannot be changed once saved, so bookmarked searches keep working.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.models import Orderable, Page

from core import cache as versioned
from core.i18n import pick_language
from core.text import normalize_search_text


class TaxonomyTerm(models.Model):
    name = models.CharField(_("名称（日本語）"), max_length=50, unique=True)
    name_en = models.CharField(_("名称（英語）"), max_length=80, blank=True)
    slug = models.SlugField(
        _("スラッグ"),
        max_length=50,
        unique=True,
        help_text=_("URLや取込ファイルで使う半角英数字の値です。作成後は変更できません。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    sort_order_field = "sort_order"

    class Meta:
        abstract = True
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk:
            original = type(self).objects.filter(pk=self.pk).values_list("slug", flat=True).first()
            if original is not None and original != self.slug:
                raise ValidationError(
                    {
                        "slug": _(
                            "スラッグは検索条件のURLで使われているため変更できません（元の値: %(slug)s）。"
                        )
                        % {"slug": original}
                    }
                )

    @property
    def display_name(self) -> str:
        return pick_language(self.name, self.name_en)


class Ward(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("区")
        verbose_name_plural = pgettext_lazy("plural", "区")


class Area(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("エリア")
        verbose_name_plural = pgettext_lazy("plural", "エリア")


class FacilityType(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("施設種別")
        verbose_name_plural = pgettext_lazy("plural", "施設種別")


class Feature(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        verbose_name = _("特徴")
        verbose_name_plural = pgettext_lazy("plural", "特徴")


class Facility(ClusterableModel):
    """A lodging facility of a participating business, as shown in the public guide."""

    code = models.CharField(
        _("施設コード"),
        max_length=20,
        unique=True,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9_-]+$", _("施設コードは半角英数字・ハイフン・下線で入力してください。")
            )
        ],
    )
    name = models.CharField(_("施設名"), max_length=200)
    kana = models.CharField(_("施設名カナ"), max_length=200, blank=True)
    facility_type = models.ForeignKey(
        FacilityType, verbose_name=_("施設種別"), on_delete=models.PROTECT, related_name="facilities"
    )
    ward = models.ForeignKey(Ward, verbose_name=_("区"), on_delete=models.PROTECT, related_name="facilities")
    area = models.ForeignKey(
        Area, verbose_name=_("エリア"), on_delete=models.PROTECT, related_name="facilities"
    )
    address = models.CharField(_("住所"), max_length=255)
    phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    website = models.URLField(_("ウェブサイト"), blank=True)
    features = ParentalManyToManyField(Feature, verbose_name=_("特徴"), blank=True, related_name="facilities")
    description = models.TextField(_("紹介文"), blank=True)
    room_count = models.PositiveIntegerField(_("客室数"), null=True, blank=True)
    booking_notes = models.TextField(_("予約についての案内"), blank=True)
    business = models.ForeignKey(
        "participants.Business",
        verbose_name=_("参加事業者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="facilities",
        help_text=_("参加申請の承認で設定されます。一括取込した施設では空欄のこともあります。"),
    )
    is_published = models.BooleanField(
        _("施設案内に掲載する"), default=True, help_text=_("外すと施設案内と公開APIから外れます。")
    )
    search_text = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kana", "name"]
        verbose_name = _("宿泊施設")
        verbose_name_plural = pgettext_lazy("plural", "宿泊施設")
        # The trigram index on search_text is created by migration 0004 on PostgreSQL only.
        indexes = [models.Index(name="facility_kana_order", fields=["kana", "name"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def build_search_text(self) -> str:
        """Everything a traveller may type to find this facility, normalised once at save time."""
        parts = [self.name, self.kana, self.address, self.description, self.code]
        for term in (self.ward, self.area, self.facility_type):
            parts += [term.name, term.name_en]
        for feature in self.features.all():
            parts += [feature.name, feature.name_en]
        return normalize_search_text(" ".join(part for part in parts if part))

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        """Store `features.set(...)` and the search text built from it, without a full save.

        `features` is a ParentalManyToManyField: changes stay in memory until committed.
        """
        self.features.commit()
        text = self.build_search_text()
        if text != self.search_text:
            self.search_text = text
            type(self).objects.filter(pk=self.pk).update(search_text=text)


class FacilityPhoto(Orderable):
    facility = ParentalKey(Facility, related_name="photos", on_delete=models.CASCADE)
    image = models.ForeignKey(
        "wagtailimages.Image", verbose_name=_("画像"), on_delete=models.CASCADE, related_name="+"
    )
    alt = models.CharField(
        _("代替テキスト"),
        max_length=200,
        help_text=_("写真に写っているものを簡潔に書いてください。必須です。"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("施設の写真")
        verbose_name_plural = pgettext_lazy("plural", "施設の写真")


class ParticipationQuerySet(models.QuerySet["Participation"]):
    def listed(self, campaign) -> ParticipationQuerySet:
        """What the public guide shows for a round: published facilities taking part in it."""
        return self.filter(campaign=campaign, facility__is_published=True)


class Participation(models.Model):
    """A facility taking part in one campaign round: its 登録決定日 and sales state in that round."""

    facility = ParentalKey(
        Facility, verbose_name=_("宿泊施設"), on_delete=models.CASCADE, related_name="participations"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("キャンペーン"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    approved_on = models.DateField(_("登録決定日"))
    sold_out_at = models.DateTimeField(_("販売終了日時"), null=True, blank=True)
    sold_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("販売終了の登録者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = _("参加登録")
        verbose_name_plural = pgettext_lazy("plural", "参加登録")
        constraints = [
            models.UniqueConstraint(fields=["facility", "campaign"], name="participation_once_per_campaign")
        ]
        indexes = [models.Index(name="participation_listing", fields=["campaign", "sold_out_at"])]

    def __str__(self) -> str:
        return f"{self.facility.name} / {self.campaign}"

    @property
    def sold_out(self) -> bool:
        return self.sold_out_at is not None


class FacilityGuidePage(RoutablePageMixin, Page):
    """参加施設のご案内: the searchable guide, each facility's page and the 販売終了 list.

    Editors place this page and write its introduction; the facilities come from the current
    campaign's participations. Sub-pages are routes, so facility URLs are `<guide>/<code>/`.
    """

    intro = models.TextField(_("紹介文"), blank=True, help_text=_("検索フォームの上に表示します。"))
    sold_out_intro = models.TextField(
        _("販売終了施設一覧の説明"),
        blank=True,
        help_text=_("販売終了施設一覧ページの冒頭に表示します。"),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("sold_out_intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("施設案内ページ")

    def get_view_restrictions(self):
        """Wagtail checks these before every request of the guide (the ancestors, then their
        restrictions: two queries per search). They change only with a restriction or the page tree,
        and both bump the `chrome` version of `core.cache`, so they are kept in the process under it
        (Wagtail only reads them)."""
        read = super().get_view_restrictions
        return versioned.get_or_build(
            versioned.CHROME, ("view-restrictions", self.pk), lambda: list(read()), local=True
        )

    @path("")
    def index_route(self, request):
        from . import guide_views

        return guide_views.guide_index(self, request)

    @path("sold-out/", name="sold_out")
    def sold_out_route(self, request):
        from . import guide_views

        return guide_views.sold_out(self, request)

    @re_path(r"^(?P<code>[A-Za-z0-9_-]{1,20})/$", name="facility")
    def facility_route(self, request, code: str):
        from . import guide_views

        return guide_views.facility_detail(self, request, code)
