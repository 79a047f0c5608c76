"""アンケート・景品: surveys built in Wagtail, their answers, lottery entries and the prize lottery.

Answers and lottery entries are kept apart on purpose: a `Response` holds no personal data and has
no link to the `LotteryEntry` made with it, so results and exports can be shared freely while the
names and addresses stay with the roles that run the lottery (and are erased with the campaign).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import TranslatableMixin
from wagtail_localize.fields import SynchronizedField, TranslatableField

from .blocks import SurveyQuestionsBlock


class Survey(TranslatableMixin, models.Model):
    """One survey of a campaign's travellers (spec アンケート及び景品に関すること).

    The Japanese survey is the source; wagtail-localize makes the English one. Answers always belong
    to the source survey, whichever language they were given in.
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("キャンペーン"), on_delete=models.PROTECT, related_name="surveys"
    )
    title = models.CharField(_("タイトル"), max_length=200)
    slug = models.SlugField(
        _("URL 名"),
        max_length=60,
        allow_unicode=False,
        help_text=_("回答ページの URL（/survey/<URL 名>/）になります。半角英数字とハイフン。"),
    )
    intro = RichTextField(_("はじめの説明"), blank=True, features=["bold", "link", "ol", "ul"])
    thank_you = RichTextField(_("回答後のお礼"), blank=True, features=["bold", "link", "ol", "ul"])
    opens_at = models.DateTimeField(_("回答受付の開始"))
    closes_at = models.DateTimeField(_("回答受付の終了"))
    questions = StreamField(SurveyQuestionsBlock(), verbose_name=_("質問"), blank=True)
    lottery_enabled = models.BooleanField(
        _("景品の抽選を行う"), default=False, help_text=_("回答の後に、抽選への応募（任意）を受け付けます。")
    )
    prize_description = models.TextField(_("景品の説明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("campaign"),
        FieldPanel("title"),
        FieldPanel("slug"),
        MultiFieldPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading=_("受付期間")),
        FieldPanel("intro"),
        FieldPanel("questions"),
        FieldPanel("thank_you"),
        MultiFieldPanel(
            [FieldPanel("lottery_enabled"), FieldPanel("prize_description")], heading=_("景品の抽選")
        ),
    ]

    # The English survey translates the wording; everything that decides who may answer what, and
    # where, stays the same as the Japanese one.
    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("intro"),
        TranslatableField("questions"),
        TranslatableField("thank_you"),
        TranslatableField("prize_description"),
        SynchronizedField("campaign"),
        SynchronizedField("slug"),
        SynchronizedField("opens_at"),
        SynchronizedField("closes_at"),
        SynchronizedField("lottery_enabled"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["-opens_at", "pk"]
        verbose_name = _("アンケート")
        verbose_name_plural = pgettext_lazy("plural", "アンケート")
        constraints = [
            models.UniqueConstraint(fields=["locale", "slug"], name="surveys_survey_unique_slug_per_locale"),
        ]
        permissions = [("view_results", _("アンケートの集計を見る・出力する"))]

    def __str__(self) -> str:
        return self.title

    @property
    def is_source(self) -> bool:
        return self.locale.language_code == settings.LANGUAGE_CODE

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": _("終了は開始より後の日時にしてください。")})


class SurveyVersion(models.Model):
    """The frozen questions (`surveys.questions` schema) that answers were given to.

    Wording may be fixed in place; a change of meaning after answers exist makes a new version
    (`surveys.versions.sync_version`), so earlier answers keep the questions they answered.
    """

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    schema = models.JSONField(_("質問"))
    structure_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["survey", "number"]
        verbose_name = _("アンケートの版")
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="surveys_version_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} 第{self.number}版"


class ResponseSource(models.TextChoices):
    LINK = "link", _("施設別リンク・QR コード")
    WEB = "web", _("ウェブサイト")


class Response(models.Model):
    """One traveller's answers. No personal data: not the IP address, not a link to a lottery entry."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("宿泊施設"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    source = models.CharField(
        _("回答経路"), max_length=10, choices=ResponseSource.choices, default=ResponseSource.WEB
    )
    language = models.CharField(_("回答言語"), max_length=8, default="ja")
    submitted_at = models.DateTimeField(_("回答日時"), default=timezone.now)
    answers = models.JSONField(_("回答"), default=dict)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("アンケート回答")
        verbose_name_plural = pgettext_lazy("plural", "アンケート回答")
        indexes = [models.Index(fields=["survey", "submitted_at"], name="surveys_response_by_time")]

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class LotteryEntry(models.Model):
    """応募: the personal data a respondent gives to enter the prize lottery, apart from the answers.

    `number` is the entry's public id: the frozen lists and the draws name entries by it only.
    """

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="lottery_entries")
    number = models.PositiveIntegerField(_("応募番号"))
    name = models.CharField(_("氏名"), max_length=100)
    postal_code = models.CharField(_("郵便番号"), max_length=8)
    address = models.CharField(_("住所"), max_length=300)
    phone = models.CharField(_("電話番号"), max_length=20)
    email = models.EmailField(_("メールアドレス"), max_length=254)
    email_key = models.CharField(max_length=254, editable=False)  # normalised, for one entry per address
    language = models.CharField(_("応募言語"), max_length=8, default="ja")
    created_at = models.DateTimeField(_("応募日時"), default=timezone.now)

    class Meta:
        ordering = ["survey", "number"]
        verbose_name = _("抽選への応募")
        verbose_name_plural = pgettext_lazy("plural", "抽選への応募")
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="surveys_entry_unique_number"),
            models.UniqueConstraint(fields=["survey", "email_key"], name="surveys_entry_one_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} {self.public_id}"

    @property
    def public_id(self) -> str:
        return f"E{self.number:06d}"


class DrawKind(models.TextChoices):
    DRAW = "draw", _("抽選")
    REDRAW = "redraw", _("再抽選")


class DrawState(models.TextChoices):
    FROZEN = "frozen", _("名簿確定（抽選前）")
    DRAWN = "drawn", _("抽選済み")
    CANCELLED = "cancelled", _("取消し（抽選せず）")


class LotteryDraw(models.Model):
    """One draw (or redraw), recorded so that anyone with the list can recompute it.

    Before drawing: the frozen list of entry ids, its SHA-256 and the SHA-256 of a secret seed (the
    commitment). After drawing: the seed itself. `surveys.lottery` holds the algorithm.
    """

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="lottery_draws")
    number = models.PositiveIntegerField(_("回"))
    kind = models.CharField(_("種別"), max_length=10, choices=DrawKind.choices, default=DrawKind.DRAW)
    state = models.CharField(_("状態"), max_length=10, choices=DrawState.choices, default=DrawState.FROZEN)
    winners_wanted = models.PositiveIntegerField(_("当選者数"))
    entry_list = models.TextField(_("確定名簿（応募番号）"))
    list_count = models.PositiveIntegerField(_("名簿の件数"))
    list_sha256 = models.CharField(_("名簿の SHA-256"), max_length=64)
    seed_commitment = models.CharField(_("シードの SHA-256（事前公開）"), max_length=64)
    seed = models.CharField(_("シード"), max_length=128, blank=True)
    witness = models.CharField(_("立会人の入力"), max_length=200, blank=True)
    note = models.TextField(_("備考"), blank=True)
    frozen_at = models.DateTimeField(_("名簿確定日時"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("名簿確定者"),
    )
    drawn_at = models.DateTimeField(_("抽選日時"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("抽選実施者"),
    )

    class Meta:
        ordering = ["survey", "number"]
        verbose_name = _("抽選")
        verbose_name_plural = pgettext_lazy("plural", "抽選")
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="surveys_draw_unique_number"),
            # One list waiting to be drawn at a time, so each list excludes every earlier winner.
            models.UniqueConstraint(
                fields=["survey"], condition=models.Q(state="frozen"), name="surveys_draw_one_frozen"
            ),
        ]
        permissions = [("run_lottery", _("抽選を行い、当選者の氏名・住所を扱う"))]

    def __str__(self) -> str:
        return f"{self.survey} 第{self.number}回{self.get_kind_display()}"


class ShippingStatus(models.TextChoices):
    PENDING = "pending", _("未発送")
    SHIPPED = "shipped", _("発送済")
    UNDELIVERED = "undelivered", _("不着")
    RESENT = "resent", _("再送")
    DECLINED = "declined", _("辞退")
    INELIGIBLE = "ineligible", _("対象外")


class LotteryWinner(models.Model):
    """A winner of a draw and the prize's shipping status."""

    draw = models.ForeignKey(LotteryDraw, on_delete=models.PROTECT, related_name="winners")
    entry = models.ForeignKey(
        LotteryEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="wins"
    )  # null once personal data is erased; entry_number stays for the record
    entry_number = models.PositiveIntegerField(_("応募番号"))
    rank = models.PositiveIntegerField(_("当選順"))
    status = models.CharField(
        _("発送状況"), max_length=12, choices=ShippingStatus.choices, default=ShippingStatus.PENDING
    )
    shipped_on = models.DateField(_("発送日"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        LotteryDraw,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
        verbose_name=_("再抽選"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["draw", "rank"]
        verbose_name = _("当選者")
        verbose_name_plural = pgettext_lazy("plural", "当選者")
        constraints = [
            models.UniqueConstraint(fields=["draw", "entry_number"], name="surveys_winner_once_per_draw"),
        ]

    def __str__(self) -> str:
        return f"{self.draw} E{self.entry_number:06d}"


class LotteryEvent(models.Model):
    """Who did what and when in the lottery: freezing, drawing, exports, shipping, redraws."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="lottery_events")
    draw = models.ForeignKey(
        LotteryDraw, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    winner = models.ForeignKey(
        LotteryWinner, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("操作"), max_length=40)
    detail = models.TextField(_("内容"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作者"),
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("抽選の記録")
        verbose_name_plural = pgettext_lazy("plural", "抽選の記録")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
