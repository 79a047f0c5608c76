"""The call center's records (spec コールセンター 5–7): 応対記録 (`Inquiry`), the count-only 簡易集計
(`QuickTally`), the editable list of inquiry categories and the record of submitted reports.

Caller name and phone are personal data: only roles with `inquiries.view_caller_details` see them, and
no tally or report ever reads them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, Page, RevisionMixin, TranslatableMixin, WorkflowMixin

from core.i18n import pick_language
from core.text import normalize_search_text


class Channel(models.TextChoices):
    PHONE = "phone", _("電話")
    EMAIL = "email", _("メール")
    OTHER = "other", _("その他")


class CallerType(models.TextChoices):
    TRAVELLER = "traveller", _("利用者")
    BUSINESS = "business", _("事業者")
    OTHER = "other", _("その他")


class InquiryStatus(models.TextChoices):
    DONE = "done", _("完了")
    CALLBACK = "callback", _("折り返し")
    ESCALATED = "escalated", _("エスカレーション")


# What the queue lists: items someone still has to act on.
OPEN_STATUSES = (InquiryStatus.CALLBACK, InquiryStatus.ESCALATED)


class InquiryCategory(models.Model):
    """One of the 応答内容 of the spec; staff may add, rename or retire categories."""

    name = models.CharField(_("名称（日本語）"), max_length=60, unique=True)
    name_en = models.CharField(_("名称（英語）"), max_length=100, blank=True)
    slug = models.SlugField(_("スラッグ"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    is_active = models.BooleanField(
        _("受付で使う"), default=True, help_text=_("外すと新しい応対記録では選べなくなります。")
    )

    sort_order_field = "sort_order"

    class Meta:
        ordering = ["sort_order", "pk"]
        verbose_name = _("問い合わせ分類")
        verbose_name_plural = pgettext_lazy("plural", "問い合わせ分類")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return pick_language(self.name, self.name_en)


class Inquiry(models.Model):
    """応対記録: one inquiry with its question, answer and outcome."""

    received_at = models.DateTimeField(_("受付日時"), default=timezone.now, db_index=True)
    channel = models.CharField(_("受付方法"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    caller_type = models.CharField(
        _("問い合わせ者の区分"), max_length=10, choices=CallerType.choices, default=CallerType.TRAVELLER
    )
    category = models.ForeignKey(
        InquiryCategory, verbose_name=_("分類"), on_delete=models.PROTECT, related_name="inquiries"
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("関連する施設"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inquiries",
    )
    question = models.TextField(_("問い合わせ内容"))
    answer = models.TextField(_("回答・対応内容"), blank=True)
    status = models.CharField(
        _("対応状況"), max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.DONE
    )
    duration_minutes = models.PositiveSmallIntegerField(
        _("対応時間（分）"), default=0, validators=[MaxValueValidator(600)]
    )
    caller_name = models.CharField(_("お名前"), max_length=100, blank=True)
    caller_phone = models.CharField(_("電話番号"), max_length=30, blank=True)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    search_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("応対記録")
        verbose_name_plural = pgettext_lazy("plural", "応対記録")
        permissions = [("view_caller_details", _("問い合わせ者の氏名・電話番号を見る"))]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.received_at):%Y-%m-%d %H:%M} {self.category}"

    def save(self, *args, **kwargs) -> None:
        self.search_text = self.build_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def build_search_text(self) -> str:
        """Question, answer and facility, normalised; never the caller's name or phone."""
        parts = [self.question, self.answer]
        if self.facility_id:
            parts += [self.facility.code, self.facility.name, self.facility.kana]
        return normalize_search_text(" ".join(p for p in parts if p))


class QuickTally(models.Model):
    """簡易集計: one click for a simple inquiry, counted without a record body."""

    at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)
    category = models.ForeignKey(
        InquiryCategory, verbose_name=_("分類"), on_delete=models.PROTECT, related_name="quick_tallies"
    )
    caller_type = models.CharField(_("問い合わせ者の区分"), max_length=10, choices=CallerType.choices)
    channel = models.CharField(_("受付方法"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("対応者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("簡易集計")
        verbose_name_plural = pgettext_lazy("plural", "簡易集計")

    def __str__(self) -> str:
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.category}"


class ReportKind(models.TextChoices):
    DAILY = "daily", _("日別集計")
    MONTHLY = "monthly", _("月別集計")


class SubmissionVia(models.TextChoices):
    MARKED = "marked", _("提出済みとして登録")
    DOWNLOAD = "download", _("管理画面から出力")


class ReportSubmission(models.Model):
    """A daily or monthly tally handed to the city; `period` is the day or the month's first day."""

    kind = models.CharField(_("種類"), max_length=10, choices=ReportKind.choices)
    period = models.DateField(_("対象期間"))
    submitted_at = models.DateTimeField(_("提出日時"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出者"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    via = models.CharField(_("記録の方法"), max_length=10, choices=SubmissionVia.choices)

    class Meta:
        ordering = ["-period", "kind"]
        verbose_name = _("集計報告の提出")
        verbose_name_plural = pgettext_lazy("plural", "集計報告の提出")
        constraints = [models.UniqueConstraint(fields=["kind", "period"], name="one_submission_per_report")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period}"


# --- よくある質問 (spec コールセンター 6) -----------------------------------------------------------


class Audience(models.TextChoices):
    TRAVELLER = "traveller", _("利用者")
    BUSINESS = "business", _("事業者")


class FAQEntry(WorkflowMixin, DraftStateMixin, RevisionMixin, TranslatableMixin, models.Model):
    """One よくある質問: editors write and translate it, moderators publish it (spec コールセンター 6).

    It goes through the site's moderation workflow (公開前の確認) like a page: an editor submits it
    for approval and a moderator approves it (`accounts.roles.sync_moderation_workflow`).
    """

    question = models.CharField(_("質問"), max_length=255)
    answer = RichTextField(_("回答"), features=["bold", "link", "ol", "ul"])
    category = models.ForeignKey(
        InquiryCategory, verbose_name=_("分類"), on_delete=models.PROTECT, related_name="faq_entries"
    )
    audience = models.CharField(
        _("対象"), max_length=10, choices=Audience.choices, default=Audience.TRAVELLER
    )
    sort_order = models.PositiveSmallIntegerField(
        _("表示順"), default=0, help_text=_("小さい順に表示します。")
    )
    source_inquiry = models.ForeignKey(
        Inquiry,
        verbose_name=_("元の応対記録"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="faq_entries",
        editable=False,
    )
    search_text = models.TextField(editable=False, blank=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="faqentry")

    panels = [
        FieldPanel("question"),
        FieldPanel("answer"),
        FieldPanel("category"),
        FieldPanel("audience"),
        FieldPanel("sort_order"),
    ]

    class Meta(TranslatableMixin.Meta):
        ordering = ["sort_order", "pk"]
        verbose_name = _("よくある質問")
        verbose_name_plural = pgettext_lazy("plural", "よくある質問")

    def __str__(self) -> str:
        return self.question

    def save(self, *args, **kwargs) -> None:
        self.search_text = normalize_search_text(f"{self.question} {strip_tags(self.answer or '')}")
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    @property
    def revisions(self):
        return self._revisions


class FAQPage(Page):
    """The public よくある質問 page: the live entries of the page's language, filtered by category and
    audience and searched with the facility guide's normalisation (`ｷｬﾝｾﾙ` finds キャンセル)."""

    intro = models.TextField(_("導入文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count_per_parent = 1

    class Meta:
        verbose_name = _("よくある質問ページ")

    def get_context(self, request, *args, **kwargs):
        from .faq import FAQSearchForm, search_faq

        context = super().get_context(request, *args, **kwargs)
        form = FAQSearchForm(request.GET or None)
        context["form"] = form
        context["entries"] = search_faq(self.locale, form)
        context["filtered"] = form.is_bound and form.is_valid() and any(form.cleaned_data.values())
        return context
