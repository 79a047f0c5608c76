"""The campaign round.

A `Campaign` is one round of the discount (several rounds over the years), and every other part of
the platform hangs off it: the site reads its dates and rule, facilities take part in it, claims are
paid from its budget. Its values are typed once here and read everywhere else.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.i18n import pick_language

DEFAULT_BUDGET_YEN = 120_000_000
# 仕様書 6.1 (4): 参加事業者データの確定データは「令和7年5月9日（金）までに」納品する. A new round
# takes the same month and day in the year its applications open, unless staff set another date.
PARTICIPANT_DATA_DUE_MONTH_DAY = (5, 9)


class CampaignStatus(models.TextChoices):
    UPCOMING = "upcoming", _("準備中")
    APPLICATIONS_OPEN = "applications_open", _("参加施設募集中")
    RUNNING = "running", _("実施中")
    ENDED = "ended", _("終了")


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def current(self, today: datetime.date | None = None) -> Campaign | None:
        """The round the public site is about today (`current_of` these rounds)."""
        return current_of(self, today)


def current_of(campaigns: Iterable[Campaign], today: datetime.date | None = None) -> Campaign | None:
    """The round the public site is about today, of `campaigns` (rounds are few: read them all once).

    A round whose stays are running comes first: travellers need its facilities, even while the
    next round already takes applications. Otherwise a round is current from its first date
    (application start) to its stay end. Between rounds the next upcoming one is shown, and
    after the last one the most recent. Ties go to the round created first.
    """
    today = today or timezone.localdate()
    rounds = sorted(campaigns, key=lambda c: c.pk or 0)
    running = [c for c in rounds if c.stay_start <= today <= c.stay_end]
    if running:
        return max(running, key=lambda c: c.stay_start)
    open_for_applications = [c for c in rounds if c.application_start <= today <= c.stay_end]
    if open_for_applications:
        return min(open_for_applications, key=lambda c: c.stay_start)
    upcoming = [c for c in rounds if c.stay_start > today]
    if upcoming:
        return min(upcoming, key=lambda c: c.stay_start)
    return max(rounds, key=lambda c: c.stay_end, default=None)


class Campaign(models.Model):
    slug = models.SlugField(
        _("識別子"),
        max_length=50,
        unique=True,
        help_text=_("変更しない固定の識別子です（例：sendai-2025）。"),
    )
    name = models.CharField(_("名称（日本語）"), max_length=200)
    name_en = models.CharField(_("名称（英語）"), max_length=200, blank=True)

    stay_start = models.DateField(_("宿泊対象期間（初日）"))
    stay_end = models.DateField(_("宿泊対象期間（最終日）"))
    application_start = models.DateField(_("参加申請の受付開始日"))
    application_end = models.DateField(_("参加申請の受付終了日"))
    participant_data_due_on = models.DateField(
        _("参加事業者データ（確定版）の納品期限"),
        null=True,
        blank=True,
        help_text=_(
            "空欄のときは、参加申請の受付開始日の年の5月9日です（仕様書 6.1 (4)）。"
            "確定版を作成するまで、管理画面のダッシュボードに納品期限を表示します。"
        ),
    )

    budget = models.PositiveBigIntegerField(
        _("割引予算（円）"),
        default=DEFAULT_BUDGET_YEN,
        help_text=_("参加施設へ支払う割引額の総額です。この額を超えて支払うことはありません。"),
    )
    discount_rate = models.PositiveSmallIntegerField(
        _("割引率（%）"), default=20, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    discount_cap = models.PositiveIntegerField(
        _("1人1泊あたりの割引上限額（円）"), default=3_000, validators=[MinValueValidator(1)]
    )
    minimum_price = models.PositiveIntegerField(_("1人1泊あたりの最低宿泊料金（円）"), default=3_000)
    max_nights = models.PositiveSmallIntegerField(
        _("1回の宿泊で割引対象となる最大泊数"), default=7, validators=[MinValueValidator(1)]
    )
    booking_after_approval_only = models.BooleanField(
        _("施設の参加承認日以降の予約のみ対象とする"), default=True
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: ClassVar[CampaignQuerySet] = CampaignQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-stay_start"]
        verbose_name = _("キャンペーン")
        verbose_name_plural = pgettext_lazy("plural", "キャンペーン")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stay_end__gte=models.F("stay_start")), name="campaign_stay_period_order"
            ),
            models.CheckConstraint(
                condition=models.Q(application_end__gte=models.F("application_start")),
                name="campaign_application_window_order",
            ),
            models.CheckConstraint(
                condition=models.Q(discount_rate__gte=1, discount_rate__lte=100),
                name="campaign_discount_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.stay_start and self.stay_end and self.stay_end < self.stay_start:
            errors["stay_end"] = _("宿泊対象期間の最終日は、初日以降の日付にしてください。")
        if self.application_start and self.application_end and self.application_end < self.application_start:
            errors["application_end"] = _("参加申請の受付終了日は、受付開始日以降の日付にしてください。")
        if (
            self.participant_data_due_on
            and self.application_start
            and self.participant_data_due_on < self.application_start
        ):
            errors["participant_data_due_on"] = _(
                "参加事業者データの納品期限は、参加申請の受付開始日以降の日付にしてください。"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def display_name(self) -> str:
        """The name in the active language (English falls back to Japanese)."""
        return pick_language(self.name, self.name_en)

    @property
    def participant_data_due(self) -> datetime.date:
        """The day the 参加事業者データ（確定版） is due: the date staff set, else May 9 of the year the
        round's applications open (the spec's 令和7年5月9日 for the 2025 round)."""
        if self.participant_data_due_on:
            return self.participant_data_due_on
        month, day = PARTICIPANT_DATA_DUE_MONTH_DAY
        return datetime.date(self.application_start.year, month, day)

    def status(self, today: datetime.date | None = None) -> CampaignStatus:
        today = today or timezone.localdate()
        if today > self.stay_end:
            return CampaignStatus.ENDED
        if today >= self.stay_start:
            return CampaignStatus.RUNNING
        if self.application_start <= today <= self.application_end:
            return CampaignStatus.APPLICATIONS_OPEN
        return CampaignStatus.UPCOMING

    def accepts_applications(self, today: datetime.date | None = None) -> bool:
        """New participant applications: only inside the window and never once stays have begun (spec)."""
        today = today or timezone.localdate()
        return self.application_start <= today <= self.application_end and today < self.stay_start

    @property
    def max_discount_per_stay_person(self) -> int:
        """The most one person can receive for one stay: cap × nights counted."""
        return self.discount_cap * self.max_nights

    def discount_summary(self) -> str:
        """One sentence for travellers, built from the rule so it always matches what is paid."""
        from django.utils.translation import gettext

        from core.formatting import format_yen

        return gettext(
            "宿泊料金の%(rate)s%%を割引（1人1泊あたり上限%(cap)s、"
            "1人1泊あたりの宿泊料金が%(minimum)s以上のご宿泊、1回のご宿泊につき最大%(nights)s泊まで）"
        ) % {
            "rate": self.discount_rate,
            "cap": format_yen(self.discount_cap),
            "minimum": format_yen(self.minimum_price),
            "nights": self.max_nights,
        }
