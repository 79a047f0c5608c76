"""Forms and filters of the staff screens for claims and settlement. They only collect input;
`claims.services`, `claims.budget`, `claims.payments` and `claims.reports` decide whether a move is
allowed and record it."""

from __future__ import annotations

import datetime
import unicodedata

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Participation, Ward

from .models import Claim, ClaimStatus

MONTHS_AFTER_STAYS = 6  # approvals (and so monthly closes) go on for a while after the last stay


def month_label(month: datetime.date) -> str:
    return f"{month:%Y年%-m月}"


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def campaign_months(campaign, today: datetime.date | None = None) -> list[datetime.date]:
    """The months of a round that can have approvals to close: from its first stay month to today's
    month, at most `MONTHS_AFTER_STAYS` after its last stay month."""
    today = today or timezone.localdate()
    first = campaign.stay_start.replace(day=1)
    last_stay = campaign.stay_end.replace(day=1)
    last = min(max(last_stay, today.replace(day=1)), add_months(last_stay, MONTHS_AFTER_STAYS))
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def _parse_month(value: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


class ClaimFilter(django_filters.FilterSet):
    """実績報告 list filters: state, ward of the facility, month, facility name or code."""

    status = django_filters.ChoiceFilter(
        label=_("状態"), choices=ClaimStatus.choices, empty_label=_("すべて")
    )
    ward = django_filters.ModelChoiceFilter(
        label=_("区"),
        queryset=Ward.objects.all(),
        to_field_name="slug",
        field_name="participation__facility__ward",
        empty_label=_("すべて"),
    )
    month = django_filters.ChoiceFilter(label=_("対象月"), method="filter_month", empty_label=_("すべて"))
    q = django_filters.CharFilter(label=_("施設名・施設コード"), method="search")

    class Meta:
        model = Claim
        fields: list[str] = []

    def __init__(self, *args, months: list[datetime.date] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["month"].extra["choices"] = [(f"{m:%Y-%m}", month_label(m)) for m in months]

    def filter_month(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        month = _parse_month(value)
        return queryset.filter(month=month) if month else queryset

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(participation__facility__name__icontains=value)
            | Q(participation__facility__kana__icontains=value)
            | Q(participation__facility__code__iexact=value)
        )


def _reason_field(label, required_message, *, help_text="", max_length=200, rows=2):
    return forms.CharField(
        label=label,
        strip=True,
        max_length=max_length,
        help_text=help_text,
        error_messages={"required": required_message},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ExcludeLineForm(forms.Form):
    reason = forms.CharField(
        label=_("除外の理由"),
        strip=True,
        max_length=200,
        error_messages={"required": _("除外の理由を入力してください。")},
    )


class ReturnForm(forms.Form):
    reason = _reason_field(
        _("差戻しの理由"),
        _("差戻しの理由を入力してください。事業者に表示されます。"),
        help_text=_("事業者に表示されます。直してほしい箇所を具体的に書いてください。"),
        max_length=4000,
        rows=4,
    )


class UploadForm(forms.Form):
    """A claim file that arrived by mail, entered by staff for the facility."""

    participation = forms.ModelChoiceField(
        label=_("施設"),
        queryset=Participation.objects.none(),
        error_messages={"required": _("施設を選んでください。")},
    )
    month = forms.TypedChoiceField(
        label=_("対象月"),
        coerce=_parse_month,
        error_messages={"required": _("対象月を選んでください。")},
    )
    file = forms.FileField(
        label=_("実績報告ファイル"),
        help_text=_("Excel（.xlsx）または CSV。1行目は見出しです。"),
        error_messages={"required": _("ファイルを選んでください。")},
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        participations = Participation.objects.filter(campaign=campaign).select_related("facility")
        self.fields["participation"].queryset = participations.order_by("facility__code")
        self.fields["participation"].label_from_instance = lambda p: f"{p.facility.code} {p.facility.name}"
        months = campaign_months(campaign)
        self.fields["month"].choices = [(f"{m:%Y-%m}", month_label(m)) for m in months]


class AllocationForm(forms.Form):
    amount = forms.IntegerField(
        label=_("配分額（円）"),
        min_value=0,
        error_messages={
            "required": _("配分額を入力してください。"),
            "invalid": _("配分額は半角数字（円）で入力してください。"),
            "min_value": _("配分額は0円以上で入力してください。"),
        },
    )
    note = forms.CharField(label=_("メモ（任意）"), required=False, max_length=200, strip=True)


class SoldOutThresholdForm(forms.Form):
    percent = forms.IntegerField(
        label=_("販売終了の目安（配分額に対する％）"),
        min_value=1,
        max_value=100,
        help_text=_("申請中と承認済みの合計が配分額のこの割合に達した施設を、自動で販売終了にします。"),
        error_messages={
            "required": _("販売終了の目安を入力してください。"),
            "invalid": _("販売終了の目安は半角数字で入力してください。"),
            # Django formats these messages with the limit: a literal % is written %%.
            "min_value": _("販売終了の目安は1〜100%%の範囲で入力してください。"),
            "max_value": _("販売終了の目安は1〜100%%の範囲で入力してください。"),
        },
    )


class CloseMonthForm(forms.Form):
    month = forms.TypedChoiceField(
        label=_("締める月"), coerce=_parse_month, error_messages={"required": _("締める月を選んでください。")}
    )

    def __init__(self, *args, months: list[datetime.date], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = [(f"{m:%Y-%m}", month_label(m)) for m in months]


class BatchForm(forms.Form):
    transfer_date = forms.DateField(
        label=_("振込日"),
        help_text=_("銀行が振込を実行する日です。今日以降の日付にしてください。"),
        error_messages={
            "required": _("振込日を入力してください。"),
            "invalid": _("振込日は 2025-07-25 の形で入力してください。"),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
