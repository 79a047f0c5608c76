"""Forms and filters of the staff review screens. They only collect input; `participants.services`
decides whether a move is allowed and records it."""

from __future__ import annotations

import re
import unicodedata

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign
from facilities.models import Ward

from .models import Application, ApplicationStatus

# 受付番号 as printed (`R2-A00012`, see `models.format_reference`) or its number alone, as staff typed it
# before the round was part of it and still do on the phone (`A00012`, `a12`, `12`).
REFERENCE_PATTERN = re.compile(r"^(?:r(\d{1,9})-)?a?0*(\d{1,9})$")

# What the queue lists: everything handed in. Drafts are the applicant's unfinished work.
QUEUE_STATUSES = [choice for choice in ApplicationStatus.choices if choice[0] != ApplicationStatus.DRAFT]


class ApplicationFilter(django_filters.FilterSet):
    """Review queue filters: state, ward of any of its facilities, business name or 受付番号."""

    status = django_filters.ChoiceFilter(label=_("状態"), choices=QUEUE_STATUSES, empty_label=_("すべて"))
    ward = django_filters.ModelChoiceFilter(
        label=_("区"),
        queryset=Ward.objects.all(),
        to_field_name="slug",
        field_name="facilities__ward",
        distinct=True,
        empty_label=_("すべて"),
    )
    q = django_filters.CharFilter(label=_("事業者名・受付番号"), method="search")

    class Meta:
        model = Application
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = unicodedata.normalize("NFKC", value).strip()
        if not value:
            return queryset
        condition = Q(business__name__icontains=value)
        match = REFERENCE_PATTERN.match(re.sub(r"\s+", "", value.lower()))
        if match:
            campaign_id, number = match.groups()
            by_number = Q(number=int(number))
            condition |= (by_number & Q(campaign_id=int(campaign_id))) if campaign_id else by_number
        return queryset.filter(condition)


def campaign_choices() -> QuerySet:
    return Campaign.objects.order_by("-stay_start")


class ChecklistForm(forms.Form):
    """審査チェックリスト: one checkbox per `Application.CHECKLIST_FIELDS`, labelled as the model says."""

    def __init__(self, *args, application: Application | None = None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if application is not None:
            initial = {name: getattr(application, name) for name in Application.CHECKLIST_FIELDS} | initial
        super().__init__(*args, initial=initial, **kwargs)
        for name in Application.CHECKLIST_FIELDS:
            self.fields[name] = forms.BooleanField(
                label=Application._meta.get_field(name).verbose_name, required=False
            )


def _note_field(label, required_message, *, help_text="", required=True, rows=4):
    return forms.CharField(
        label=label,
        required=required,
        strip=True,
        max_length=4000,
        help_text=help_text,
        error_messages={"required": required_message},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class CommentForm(forms.Form):
    note = _note_field(
        _("審査メモ"),
        _("メモを入力してください。"),
        help_text=_("事務局内だけで共有します。申請者には表示されません。"),
    )


class ReturnForm(forms.Form):
    reasons = _note_field(
        _("差戻しの理由"),
        _("差戻しの理由を入力してください。申請者に表示されます。"),
        help_text=_("申請者に表示されます。直してほしい箇所を具体的に書いてください。"),
    )


class EscalateForm(forms.Form):
    question = _note_field(
        _("発注者に確認したい内容"),
        _("発注者に確認したい内容を入力してください。"),
        help_text=_("仙台市観光課に送られます。申請者には表示されません。"),
    )


class RejectForm(forms.Form):
    reason = _note_field(
        _("不承認の理由"),
        _("不承認の理由を入力してください。申請者に表示されます。"),
        help_text=_("申請者に表示されます。"),
    )


class ApproveForm(forms.Form):
    approved_on = forms.DateField(
        label=_("登録決定日"),
        help_text=_("この日以降の予約が割引の対象になります。"),
        error_messages={"required": _("登録決定日を入力してください。")},
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = _note_field(
        _("申請者へのメッセージ（任意）"), "", required=False, rows=2, help_text=_("申請者に表示されます。")
    )

    def __init__(self, *args, application=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_on"].initial = timezone.localdate
        # 配分額 of each facility, set with the approval (the accountant can change it later).
        self.entries = list(application.facilities.all()) if application is not None else []
        for entry in self.entries:
            self.fields[f"allocation_{entry.pk}"] = forms.IntegerField(
                label=_("配分額：%(facility)s（円）") % {"facility": entry.name},
                min_value=0,
                initial=0,
                required=False,
                help_text=_("後から経理担当が変更できます。"),
                error_messages={
                    "invalid": _("配分額は半角数字（円）で入力してください。"),
                    "min_value": _("配分額は0円以上で入力してください。"),
                },
            )

    def allocation_fields(self):
        return [self[f"allocation_{entry.pk}"] for entry in self.entries]

    def allocations(self) -> dict[int, int]:
        """{ApplicationFacility pk: yen} from valid data."""
        return {entry.pk: self.cleaned_data.get(f"allocation_{entry.pk}") or 0 for entry in self.entries}

    def allocation_summary(self) -> list[tuple[str, int]]:
        return [
            (entry.name, amount)
            for entry, amount in zip(self.entries, self.allocations().values(), strict=True)
        ]


class CityDecisionForm(forms.Form):
    decision = _note_field(
        _("発注者の判断"),
        _("判断の内容を入力してください。"),
        help_text=_("審査担当に戻ります。申請者には表示されません。"),
    )
