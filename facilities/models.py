"""Facility taxonomy: ward, area, facility type and feature (DOMAIN.md).

Each term has a Japanese and an English name and a slug that is its stable value in URLs and in the
facility import file; the slug cannot be changed once saved, so bookmarked searches keep working.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import pick_language


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
