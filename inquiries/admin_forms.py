"""Forms of the call center's staff screens: the inquiry form, the quick tally and the list filters."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilities.models import Facility

from .models import CallerType, Channel, Inquiry, InquiryCategory, InquiryStatus
from .services import search_inquiries

DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def active_categories(including: InquiryCategory | None = None) -> QuerySet[InquiryCategory]:
    condition = Q(is_active=True)
    if including is not None:
        condition |= Q(pk=including.pk)
    return InquiryCategory.objects.filter(condition).order_by("sort_order", "pk")


def resolve_facility(text: str) -> Facility | None:
    """A facility from what the operator typed: its code, optionally followed by its name (the form of
    the suggestion list), or its exact name. Raises ValidationError when nothing or several match."""
    text = " ".join(text.split())
    if not text:
        return None
    code = text.split(" ", 1)[0]
    facility = Facility.objects.filter(code__iexact=code).first()
    if facility is not None:
        return facility
    by_name = list(Facility.objects.filter(name=text)[:2])
    if len(by_name) == 1:
        return by_name[0]
    raise forms.ValidationError(
        _("「%(text)s」に当たる施設が見つかりません。施設コード（例: D001）で入力してください。"),
        params={"text": text},
    )


class InquiryForm(forms.ModelForm):
    """応対記録: every field labelled, most used first; caller details only for those who may see them."""

    facility_text = forms.CharField(
        label=_("関連する施設"),
        required=False,
        help_text=_("施設コードを入力するか、候補から選んでください（任意）。"),
        widget=forms.TextInput(attrs={"list": "facility-options", "autocomplete": "off"}),
    )

    class Meta:
        model = Inquiry
        fields = [
            "received_at",
            "channel",
            "caller_type",
            "category",
            "facility_text",
            "question",
            "answer",
            "status",
            "duration_minutes",
            "caller_name",
            "caller_phone",
        ]
        widgets = {
            "received_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT),
            "channel": forms.RadioSelect,
            "caller_type": forms.RadioSelect,
            "status": forms.RadioSelect,
            "question": forms.Textarea(attrs={"rows": 4}),
            "answer": forms.Textarea(attrs={"rows": 4}),
            "duration_minutes": forms.NumberInput(attrs={"min": 0, "max": 600, "inputmode": "numeric"}),
            "caller_phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            "caller_name": forms.TextInput(attrs={"autocomplete": "off"}),
        }

    def __init__(self, *args, show_caller: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_at"].input_formats = [DATETIME_INPUT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if not self.instance.pk:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
        else:
            self.initial["received_at"] = timezone.localtime(self.instance.received_at)
            if self.instance.facility_id:
                facility = self.instance.facility
                self.initial["facility_text"] = f"{facility.code} {facility.name}"
        self.fields["category"].queryset = active_categories(
            self.instance.category if self.instance.category_id else None
        )
        self.fields["category"].empty_label = None
        self.fields["channel"].widget.attrs["autofocus"] = True
        if not show_caller:
            del self.fields["caller_name"]
            del self.fields["caller_phone"]

    def clean_facility_text(self) -> Facility | None:
        return resolve_facility(self.cleaned_data.get("facility_text") or "")

    def save(self, commit: bool = True) -> Inquiry:
        self.instance.facility = self.cleaned_data.get("facility_text")
        return super().save(commit)


class QuickTallyForm(forms.Form):
    """One click of the quick-tally grid: the button carries "category:caller type"."""

    cell = forms.CharField()
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)

    def clean_cell(self) -> tuple[InquiryCategory, str]:
        category_pk, _sep, caller_type = self.cleaned_data["cell"].partition(":")
        category = active_categories().filter(pk=category_pk).first() if category_pk.isdigit() else None
        if category is None or caller_type not in CallerType.values:
            raise forms.ValidationError(_("数える分類と区分を選んでください。"))
        return category, caller_type


class InquiryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="search")
    date = django_filters.DateFilter(
        label=_("受付日"), field_name="received_at__date", widget=forms.DateInput(attrs={"type": "date"})
    )
    category = django_filters.ModelChoiceFilter(
        label=_("分類"), queryset=InquiryCategory.objects.all(), empty_label=_("すべて")
    )
    status = django_filters.ChoiceFilter(
        label=_("対応状況"), choices=InquiryStatus.choices, empty_label=_("すべて")
    )
    channel = django_filters.ChoiceFilter(
        label=_("受付方法"), choices=Channel.choices, empty_label=_("すべて")
    )
    caller_type = django_filters.ChoiceFilter(
        label=_("問い合わせ者の区分"), choices=CallerType.choices, empty_label=_("すべて")
    )

    class Meta:
        model = Inquiry
        fields: list[str] = []

    def __init__(self, *args, include_caller: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.include_caller = include_caller

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return search_inquiries(queryset, value, include_caller=self.include_caller)
