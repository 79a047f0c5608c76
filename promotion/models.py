"""The A4 flyer (チラシ, spec プロモーション 2): composed in Wagtail, proofed by the city, printed.

A `Flyer` is a moderated snippet like `inquiries.FAQEntry`: an editor saves drafts and submits them,
a moderator approves (publishes) them through the site's workflow 公開前の確認. Every saved draft is a
revision, so each proof round sent to the city can be found again and compared with the next one.
The stay period and the discount come from the `Campaign`, never typed twice; the call-center number
and hours are copied from the contact settings when left empty, so an approved revision keeps the
values that were proofed even if the settings change later.
"""

from __future__ import annotations

import math

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin, WorkflowMixin

from .blocks import MAX_STEPS, MIN_STEPS, StepsBlock

# What fits the printed layout (promotion/templates/promotion/pdf/flyer.html).
TITLE_MAX = 30
CATCH_COPY_MAX = 40
# The photo is printed 186 mm × 88 mm (the A4 width inside the 12 mm margins).
IMAGE_MM = (186, 88)
PRINT_DPI = 300
MM_PER_INCH = 25.4


def pixels_for(mm: float, dpi: int = PRINT_DPI) -> int:
    """Pixels an image needs to print `mm` wide at `dpi`."""
    return math.ceil(mm / MM_PER_INCH * dpi)


def image_pixels_needed() -> tuple[int, int]:
    return pixels_for(IMAGE_MM[0]), pixels_for(IMAGE_MM[1])


def default_contact() -> tuple[str, str]:
    """The traveller line and its hours from the site's contact settings (empty when not set)."""
    from cms.models import ContactSettings

    contact = ContactSettings.load()
    return contact.traveller_phone, contact.hours


def default_qr_url() -> str:
    """The public site's home page (Japanese), where the flyer's reader starts."""
    from surveys.qr import site_root

    return site_root() + "/"


class Flyer(WorkflowMixin, DraftStateMixin, RevisionMixin, PreviewableMixin, models.Model):
    """One A4 flyer of a campaign round; the live version is the print data."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("キャンペーン"),
        on_delete=models.PROTECT,
        related_name="flyers",
        help_text=_("宿泊対象期間と割引内容はキャンペーンの設定から表示します。"),
    )
    title = models.CharField(
        _("タイトル"), max_length=100, help_text=_("30文字以内。チラシの一番大きな見出しです。")
    )
    catch_copy = models.CharField(
        _("キャッチコピー"), max_length=200, help_text=_("40文字以内。タイトルの下に表示します。")
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("メイン画像"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "幅186mm×高さ88mmで印刷します。300dpiで印刷するため、幅2197×高さ1040ピクセル以上が必要です。"
        ),
    )
    image_alt = models.CharField(
        _("画像の代替テキスト"),
        max_length=250,
        help_text=_("画像を見ることができない方のために、画像の内容を説明してください。必須です。"),
    )
    steps = StreamField(StepsBlock(), verbose_name=_("ご利用の流れ（3〜5手順）"))
    phone = models.CharField(
        _("コールセンターの電話番号"),
        max_length=30,
        blank=True,
        help_text=_("空欄のときは「問い合わせ先」設定の旅行者向け電話番号を使います。"),
    )
    hours = models.CharField(
        _("受付時間"),
        max_length=200,
        blank=True,
        help_text=_("空欄のときは「問い合わせ先」設定の受付時間を使います。"),
    )
    qr_url = models.URLField(
        _("QRコードのリンク先"),
        blank=True,
        help_text=_("空欄のときはサイトのトップページです。"),
    )
    bleed = models.BooleanField(
        _("塗り足し（3mm）とトンボを付ける"),
        default=False,
        help_text=_("印刷会社が塗り足し付きのデータを求めるときに選びます。仕上がりはA4のままです。"),
    )

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="flyer")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="flyer",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("campaign"),
        FieldPanel("title"),
        FieldPanel("catch_copy"),
        MultiFieldPanel([FieldPanel("image"), FieldPanel("image_alt")], heading=_("メイン画像")),
        FieldPanel("steps"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("phone"), FieldPanel("hours")])], heading=_("コールセンター")
        ),
        FieldPanel("qr_url"),
        FieldPanel("bleed"),
    ]

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("チラシ")
        verbose_name_plural = pgettext_lazy("plural", "チラシ")

    def __str__(self) -> str:
        return self.title

    @property
    def revisions(self):
        return self._revisions

    def clean(self) -> None:
        """Layout limits and print resolution, with what to do; empty contact fields get the defaults."""
        super().clean()
        errors: dict[str, str] = {}
        if self.title and len(self.title) > TITLE_MAX:
            errors["title"] = _(
                "タイトルは%(max)d文字以内にしてください（チラシの見出し欄に収まる長さです。現在%(count)d文字）。"
            ) % {"max": TITLE_MAX, "count": len(self.title)}
        if self.catch_copy and len(self.catch_copy) > CATCH_COPY_MAX:
            errors["catch_copy"] = _(
                "キャッチコピーは%(max)d文字以内にしてください（チラシの枠に収まる長さです。現在%(count)d文字）。"
            ) % {"max": CATCH_COPY_MAX, "count": len(self.catch_copy)}
        steps = len(self.steps or [])
        if not MIN_STEPS <= steps <= MAX_STEPS:
            errors["steps"] = _("ご利用の流れは%(min)d〜%(max)d手順にしてください（現在%(count)d手順）。") % {
                "min": MIN_STEPS,
                "max": MAX_STEPS,
                "count": steps,
            }
        if self.image_id:
            message = image_resolution_error(self.image)
            if message:
                errors["image"] = message
        if not self.phone or not self.hours:
            phone, hours = default_contact()
            self.phone = self.phone or phone
            self.hours = self.hours or hours
        if not self.phone:
            errors["phone"] = _("電話番号を入力してください（「問い合わせ先」設定にもありません）。")
        if not self.qr_url:
            self.qr_url = default_qr_url()
        if errors:
            raise ValidationError(errors)

    # --- preview: the same print HTML as the PDF, A4 sized in the browser ---------------------------

    def get_preview_template(self, request, mode_name):
        return "promotion/pdf/flyer.html"

    def get_preview_context(self, request, mode_name):
        from .pdf import flyer_context

        return {**super().get_preview_context(request, mode_name), **flyer_context(self, mark="preview")}


def image_resolution_error(image) -> str:
    """Why `image` is too small to print at 300 dpi in the flyer's photo box, or ""."""
    width, height = image_pixels_needed()
    if image.width >= width and image.height >= height:
        return ""
    return _(
        "画像の解像度が印刷に足りません。チラシでは幅%(mm_w)dmm×高さ%(mm_h)dmmで印刷するため、"
        "300dpiで幅%(width)d×高さ%(height)dピクセル以上の画像が必要です"
        "（選んだ画像は幅%(got_w)d×高さ%(got_h)dピクセル）。"
    ) % {
        "mm_w": IMAGE_MM[0],
        "mm_h": IMAGE_MM[1],
        "width": width,
        "height": height,
        "got_w": image.width,
        "got_h": image.height,
    }
