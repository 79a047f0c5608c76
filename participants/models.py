"""Participant businesses and their applications to take part in a campaign round (参加申請).

A `Business` (参加事業者) has one or more hotel users (`Membership`). For each `Campaign` it files
one `Application` holding its facilities (`ApplicationFacility`, with the 旅館業法 licence), the bank
account the discount is paid to, the pledges and the documents. Reviewers move the application
through the states of `ApplicationStatus`; `participants.services` is the only place that does, and
every move is an `ApplicationEvent` (the timeline). Approval creates the guide's `Facility` rows.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, RevisionMixin

from core.zengin import validate_zengin_kana

phone_validator = RegexValidator(
    r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$", _("電話番号は半角数字とハイフンで入力してください（例: 022-123-4567）。")
)
postal_code_validator = RegexValidator(
    r"^\d{3}-?\d{4}$", _("郵便番号は半角数字7桁で入力してください（例: 980-0811）。")
)


def private_storage():
    """Application documents never live under MEDIA_ROOT: they are served only through a view that
    checks who asks (see `STORAGES["private"]`)."""
    return storages["private"]


class Business(models.Model):
    """参加事業者: the company or sole proprietor that runs one or more facilities."""

    name = models.CharField(_("事業者名"), max_length=200)
    representative = models.CharField(_("代表者氏名"), max_length=100)
    representative_title = models.CharField(_("代表者役職"), max_length=100, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, validators=[postal_code_validator])
    address = models.CharField(_("所在地"), max_length=255)
    contact_person = models.CharField(_("担当者氏名"), max_length=100)
    phone = models.CharField(_("電話番号"), max_length=20, validators=[phone_validator])
    email = models.EmailField(_("連絡先メールアドレス"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("参加事業者")
        verbose_name_plural = pgettext_lazy("plural", "参加事業者")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A hotel user's place in a business. A user belongs to at most one business."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("利用者"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    business = models.ForeignKey(
        Business, verbose_name=_("参加事業者"), on_delete=models.CASCADE, related_name="memberships"
    )
    is_owner = models.BooleanField(_("管理者"), default=False, help_text=_("他の利用者を招待できます。"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("事業者の利用者")
        verbose_name_plural = pgettext_lazy("plural", "事業者の利用者")

    def __str__(self) -> str:
        return f"{self.user} / {self.business}"


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    IN_REVIEW = "in_review", _("審査中")
    RETURNED = "returned", _("差戻し")
    ESCALATED = "escalated", _("発注者確認中")
    APPROVED = "approved", _("登録決定")
    REJECTED = "rejected", _("不承認")


class AccountType(models.TextChoices):
    """預金種目 with the Zengin codes as values."""

    ORDINARY = "1", _("普通")
    CURRENT = "2", _("当座")
    SAVINGS = "4", _("貯蓄")


def format_reference(campaign_id: int, number: int) -> str:
    """受付番号: the round and the application's number in it, `R{campaign id}-A{number:05d}` (`R2-A00001`).

    Numbers restart in every round, so without the round `A00001` would name an application in each of
    them. Facility codes are this plus the entry's position (`services.facility_code`)."""
    return f"R{campaign_id}-A{number:05d}"


class ApplicationQuerySet(models.QuerySet["Application"]):
    def for_user(self, user) -> ApplicationQuerySet:
        """What a hotel user may see: its own business's applications, nothing else."""
        business_id = getattr(getattr(user, "membership", None), "business_id", None)
        if business_id is None:
            return self.none()
        return self.filter(business_id=business_id)

    def waiting_for_city(self) -> ApplicationQuerySet:
        """発注者確認: escalated cases with `escalated_at` and `question` (the last escalation's time and
        note), oldest question first. The city's list and its dashboard both read this."""
        last_escalation = ApplicationEvent.objects.filter(
            application=models.OuterRef("pk"), to_status=ApplicationStatus.ESCALATED
        ).order_by("-created_at", "-pk")
        return (
            self.filter(status=ApplicationStatus.ESCALATED)
            .annotate(
                escalated_at=models.Subquery(last_escalation.values("created_at")[:1]),
                question=models.Subquery(last_escalation.values("note")[:1]),
            )
            .order_by("escalated_at", "number")
        )


class Application(models.Model):
    """参加申請: one business's application to one campaign round."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("キャンペーン"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    business = models.ForeignKey(
        Business, verbose_name=_("参加事業者"), on_delete=models.CASCADE, related_name="applications"
    )
    number = models.PositiveIntegerField(_("受付番号"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("状態"), max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.DRAFT
    )

    # Bank account the discount reimbursement is paid to (振込先口座).
    bank_code = models.CharField(
        _("金融機関コード"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(r"^\d{4}$", _("金融機関コードは半角数字4桁で入力してください。"))],
    )
    bank_name = models.CharField(_("金融機関名"), max_length=60, blank=True)
    branch_code = models.CharField(
        _("支店コード"),
        max_length=3,
        blank=True,
        validators=[RegexValidator(r"^\d{3}$", _("支店コードは半角数字3桁で入力してください。"))],
    )
    branch_name = models.CharField(_("支店名"), max_length=60, blank=True)
    account_type = models.CharField(_("預金種目"), max_length=1, choices=AccountType.choices, blank=True)
    account_number = models.CharField(
        _("口座番号"),
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^\d{7}$", _("口座番号は半角数字7桁で入力してください。"))],
    )
    account_holder = models.CharField(
        _("口座名義（カナ）"), max_length=30, blank=True, validators=[validate_zengin_kana]
    )

    # Pledges (誓約事項): each must be given before the application can be submitted.
    pledge_no_antisocial = models.BooleanField(
        _("暴力団等の反社会的勢力ではなく、これらと関係を有していないことを誓約します。"), default=False
    )
    pledge_no_tax_arrears = models.BooleanField(_("市税の滞納がないことを誓約します。"), default=False)
    pledge_compliance = models.BooleanField(
        _("旅館業法その他の関係法令を遵守することを誓約します。"), default=False
    )
    pledge_privacy = models.BooleanField(_("個人情報の取扱いについて同意します。"), default=False)
    pledged_at = models.DateTimeField(_("誓約日時"), null=True, blank=True)

    # Reviewer's checklist (審査チェックリスト): all must be ticked before approval.
    check_licence = models.BooleanField(_("営業許可が有効である"), default=False)
    check_in_sendai = models.BooleanField(_("施設が仙台市内にある"), default=False)
    check_documents = models.BooleanField(_("提出書類が判読できる"), default=False)
    check_account_holder = models.BooleanField(_("口座名義が事業者と一致する"), default=False)
    check_pledges = models.BooleanField(_("誓約事項がすべて確認できる"), default=False)

    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("担当審査者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    decided_at = models.DateTimeField(_("決定日時"), null=True, blank=True)
    approved_on = models.DateField(_("登録決定日"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApplicationQuerySet.as_manager()

    CHECKLIST_FIELDS = [
        "check_licence",
        "check_in_sendai",
        "check_documents",
        "check_account_holder",
        "check_pledges",
    ]
    PLEDGE_FIELDS = ["pledge_no_antisocial", "pledge_no_tax_arrears", "pledge_compliance", "pledge_privacy"]
    BANK_FIELDS = [
        "bank_code",
        "bank_name",
        "branch_code",
        "branch_name",
        "account_type",
        "account_number",
        "account_holder",
    ]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("参加申請")
        verbose_name_plural = pgettext_lazy("plural", "参加申請")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "business"], name="application_once_per_campaign"),
            models.UniqueConstraint(fields=["campaign", "number"], name="application_number_unique"),
        ]
        permissions = [
            ("review_application", _("参加申請を審査できる")),
            ("decide_escalation", _("発注者確認の案件に回答できる")),
            ("export_participants", _("参加事業者データを出力できる")),
            ("view_full_bank_account", _("口座番号を伏せずに見られる")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.business.name}"

    @property
    def reference(self) -> str:
        """受付番号 as shown to people (assigned on first submission): `R2-A00001`, see `format_reference`."""
        return format_reference(self.campaign_id, self.number) if self.number else _("（未提出）")

    @property
    def is_editable_by_applicant(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)

    @property
    def pledges_given(self) -> bool:
        return all(getattr(self, name) for name in self.PLEDGE_FIELDS)

    @property
    def checklist_complete(self) -> bool:
        return all(getattr(self, name) for name in self.CHECKLIST_FIELDS)

    @property
    def masked_account_number(self) -> str:
        """口座番号 with all but the last three digits hidden, for screens and exports without the right."""
        if not self.account_number:
            return ""
        return "*" * (len(self.account_number) - 3) + self.account_number[-3:]


class LicenceType(models.TextChoices):
    HOTEL_RYOKAN = "hotel_ryokan", _("旅館・ホテル営業")
    SIMPLE = "simple", _("簡易宿所営業")


class BookingChannel(models.TextChoices):
    """販売経路, the same values as the claim file's column."""

    DIRECT = "direct", _("直販")
    PHONE = "phone", _("電話")
    OTA = "ota", _("OTA")
    AGENCY = "agency", _("旅行会社")


class ApplicationFacility(models.Model):
    """One facility in an application: the guide's facility fields plus the 旅館業法 licence."""

    application = models.ForeignKey(
        Application, verbose_name=_("参加申請"), on_delete=models.CASCADE, related_name="facilities"
    )
    name = models.CharField(_("施設名"), max_length=200)
    kana = models.CharField(
        _("施設名カナ"),
        max_length=200,
        validators=[RegexValidator(r"^[ァ-ヶー・\s　]+$", _("施設名カナは全角カタカナで入力してください。"))],
    )
    facility_type = models.ForeignKey(
        "facilities.FacilityType", verbose_name=_("施設種別"), on_delete=models.PROTECT, related_name="+"
    )
    ward = models.ForeignKey(
        "facilities.Ward", verbose_name=_("区"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "facilities.Area", verbose_name=_("エリア"), on_delete=models.PROTECT, related_name="+"
    )
    postal_code = models.CharField(_("郵便番号"), max_length=8, validators=[postal_code_validator])
    address = models.CharField(_("住所"), max_length=255, help_text=_("「仙台市」から入力してください。"))
    phone = models.CharField(_("電話番号"), max_length=20, validators=[phone_validator])
    website = models.URLField(_("ウェブサイト"), blank=True)
    features = models.ManyToManyField(
        "facilities.Feature", verbose_name=_("特徴"), blank=True, related_name="+"
    )
    description = models.TextField(_("紹介文"), blank=True, max_length=1000)
    booking_notes = models.TextField(_("予約についての案内"), blank=True, max_length=500)
    licence_type = models.CharField(_("旅館業法の営業許可の種別"), max_length=20, choices=LicenceType.choices)
    licence_number = models.CharField(_("営業許可番号"), max_length=50)
    licence_date = models.DateField(_("営業許可日"))
    room_count = models.PositiveIntegerField(_("客室数"))
    capacity = models.PositiveIntegerField(_("収容人数"))
    booking_channels = models.JSONField(_("販売経路"), default=list, blank=True)
    facility = models.ForeignKey(
        "facilities.Facility",
        verbose_name=_("登録された施設"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application_entries",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("申請施設")
        verbose_name_plural = pgettext_lazy("plural", "申請施設")

    def __str__(self) -> str:
        return self.name

    def booking_channel_labels(self) -> list[str]:
        labels = dict(BookingChannel.choices)
        return [str(labels.get(value, value)) for value in self.booking_channels]


class DocumentKind(models.TextChoices):
    LICENCE_COPY = "licence_copy", _("営業許可証の写し")
    PASSBOOK_COPY = "passbook_copy", _("通帳の写し")


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # The stored name never carries the uploader's file name (it may hold personal data).
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    today = datetime.date.today()
    return f"applications/{today:%Y/%m}/{uuid.uuid4().hex}.{suffix}"


class ApplicationDocument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    application = models.ForeignKey(
        Application, verbose_name=_("参加申請"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("書類の種類"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("ファイル"), storage=private_storage, upload_to=_document_path, max_length=200)
    original_name = models.CharField(_("元のファイル名"), max_length=200)
    content_type = models.CharField(_("ファイル形式"), max_length=50)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = _("提出書類")
        verbose_name_plural = pgettext_lazy("plural", "提出書類")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"


class EventKind(models.TextChoices):
    TRANSITION = "transition", _("状態の変更")
    COMMENT = "comment", _("審査メモ")
    CITY_DECISION = "city_decision", _("発注者の判断")
    EDIT = "edit", _("申請内容の変更")


class ApplicationEvent(models.Model):
    """One line of an application's timeline: who moved it from what to what, when, and why."""

    application = models.ForeignKey(
        Application, verbose_name=_("参加申請"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=EventKind.choices, default=EventKind.TRANSITION)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実施者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    from_status = models.CharField(_("変更前"), max_length=20, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("変更後"), max_length=20, choices=ApplicationStatus.choices, blank=True)
    note = models.TextField(_("内容"), blank=True)
    visible_to_applicant = models.BooleanField(_("申請者に表示する"), default=False)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("申請の履歴")
        verbose_name_plural = pgettext_lazy("plural", "申請の履歴")

    def __str__(self) -> str:
        return f"{self.application_id} {self.from_status}→{self.to_status}"


class ParticipantNotice(DraftStateMixin, RevisionMixin, models.Model):
    """お知らせ for hotel users, shown only in the members area (never on the public site)."""

    title = models.CharField(_("件名"), max_length=200)
    body = RichTextField(_("本文"), features=["bold", "link", "ol", "ul", "h3"])
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("キャンペーン"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("空欄なら全てのキャンペーンの参加事業者に表示します。"),
    )
    posted_on = models.DateField(_("掲載日"), default=datetime.date.today)
    is_manual = models.BooleanField(
        _("参加事業者マニュアル"),
        default=False,
        help_text=_("チェックすると、お知らせ一覧ではなく「参加事業者マニュアル」として表示します。"),
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("posted_on"),
        FieldPanel("campaign"),
        FieldPanel("is_manual"),
        FieldPanel("body"),
    ]

    class Meta:
        ordering = ["-posted_on", "-pk"]
        verbose_name = _("参加事業者向けお知らせ")
        verbose_name_plural = pgettext_lazy("plural", "参加事業者向けお知らせ")

    def __str__(self) -> str:
        return self.title


class ParticipantExport(models.Model):
    """Who exported the participant data, when and in which form (the data holds bank accounts)."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(_("出力方法"), max_length=20)
    full_account_numbers = models.BooleanField(_("口座番号を伏せずに出力"), default=False)
    row_count = models.PositiveIntegerField(_("行数"))
    created_at = models.DateTimeField(_("出力日時"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("参加事業者データの出力記録")
        verbose_name_plural = pgettext_lazy("plural", "参加事業者データの出力記録")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.exported_by} ({self.row_count})"


def _frozen_path(instance: ParticipantSnapshot, filename: str) -> str:
    return f"participants/frozen/{instance.campaign_id}/{filename}"


class ParticipantSnapshot(models.Model):
    """参加事業者データ（確定版）: the round's participant data as frozen and handed to the city.

    One per round (spec 6.1 (4): the 確定データ is delivered once, by a date). The workbook is kept
    exactly as it was made in the private storage with its SHA-256, so the city can download the very
    file it received again; `rows` holds the same data as values, so later exports can say what
    changed since. The erasure of the round's personal data deletes the file and `rows` and keeps the
    rest (who froze it, when, how many rows, the hash) as the record of the delivery.
    """

    campaign = models.OneToOneField(
        "campaigns.Campaign",
        verbose_name=_("キャンペーン"),
        on_delete=models.CASCADE,
        related_name="participant_snapshot",
    )
    frozen_at = models.DateTimeField(_("確定日時"))
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確定者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("納品期限"))
    row_count = models.PositiveIntegerField(_("行数"))
    file = models.FileField(
        _("ファイル"), storage=private_storage, upload_to=_frozen_path, max_length=200, blank=True
    )
    filename = models.CharField(_("ファイル名"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    rows = models.JSONField(_("確定時の内容"), default=dict, blank=True, editable=False)
    erased_at = models.DateTimeField(_("個人情報の消去日時"), null=True, blank=True)

    class Meta:
        ordering = ["-frozen_at"]
        verbose_name = _("参加事業者データ（確定版）")
        verbose_name_plural = pgettext_lazy("plural", "参加事業者データ（確定版）")

    def __str__(self) -> str:
        return f"{self.campaign_id} {self.frozen_at:%Y-%m-%d %H:%M}"

    @property
    def on_time(self) -> bool:
        """Frozen on or before the due date (Tokyo day)."""
        return timezone.localtime(self.frozen_at).date() <= self.due_on
