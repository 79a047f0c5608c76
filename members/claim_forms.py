"""Forms of the hotel side of claims (実績報告): the file upload and the one-stay entry.

The forms check only what the browser sends (a month offered, a file of a sensible size and type,
required cells present); whether a stay is paid is decided by `claims.claim_file` and `claims.rules`,
never here.
"""

from __future__ import annotations

import datetime
import unicodedata

from django import forms
from django.conf import settings
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from claims import claim_file as cf
from core.prefectures import OVERSEAS, PREFECTURES

CLAIM_FILE_EXTENSIONS = (".xlsx", ".csv")


def claim_file_max_bytes() -> int:
    return settings.CLAIM_FILE_MAX_BYTES


def month_label(month: datetime.date) -> str:
    return _("%(year)s年%(month)s月") % {"year": month.year, "month": month.month}


def first_claim_day(participation) -> datetime.date | None:
    """The first day a claim can hold a paid stay: the check-out after the first counted night.

    A night counts from the later of the stay start and the 登録決定日 (bookings made before it are not
    paid), and a stay is reported once its guests have checked out. None when no night of the period
    is left for the facility (it joined after the stays ended).
    """
    campaign = participation.campaign
    first_night = max(campaign.stay_start, participation.approved_on)
    if first_night > campaign.stay_end:
        return None
    return first_night + datetime.timedelta(days=1)


def claim_months(participation, today: datetime.date) -> list[datetime.date]:
    """Months a claim can be made for, newest first: from the month of `first_claim_day` to the current
    month, never past the month of the check-out after the period's last night. Empty before the first
    claim day, so no form is offered for a month whose stays cannot have ended yet."""
    first_day = first_claim_day(participation)
    if first_day is None or today < first_day:
        return []
    first = first_day.replace(day=1)
    last = min(participation.campaign.stay_end + datetime.timedelta(days=1), today).replace(day=1)
    months = []
    month = first
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return list(reversed(months))


class MonthField(forms.TypedChoiceField):
    def __init__(self, months: list[datetime.date], **kwargs) -> None:
        super().__init__(
            label=gettext_lazy("対象月"),
            choices=[(month.isoformat(), month_label(month)) for month in months],
            coerce=datetime.date.fromisoformat,
            help_text=gettext_lazy("宿泊（チェックアウト）した月を選んでください。"),
            error_messages={"required": gettext_lazy("対象月を選んでください。")},
            **kwargs,
        )


class ClaimUploadForm(forms.Form):
    """The claim file; with `months`, also the month of a new claim."""

    file = forms.FileField(
        label=gettext_lazy("実績報告ファイル"),
        widget=forms.FileInput(
            attrs={
                "accept": ".xlsx,.csv,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={
            "required": gettext_lazy("アップロードするファイルを選んでください。"),
            "empty": gettext_lazy("ファイルが空です。"),
        },
    )

    def __init__(self, *args, months: list[datetime.date] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if months is not None:
            self.fields = {"month": MonthField(months), **self.fields}
        self.fields["file"].help_text = _(
            "Excel（.xlsx）またはCSV（UTF-8またはShift_JIS）、%(limit)sMBまで。"
            "1行目はテンプレートの見出し行にしてください。"
        ) % {"limit": claim_file_max_bytes() // (1024 * 1024)}

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        limit = claim_file_max_bytes()
        if uploaded.size > limit:
            raise forms.ValidationError(
                _(
                    "ファイルが大きすぎます（%(size)sMB）。%(limit)sMB以下にしてください。"
                    "行数が多い場合は、期間を分けて複数のファイルにしてください。"
                )
                % {"size": f"{uploaded.size / 1024 / 1024:.1f}", "limit": limit // (1024 * 1024)},
                code="too_large",
            )
        if not (uploaded.name or "").lower().endswith(CLAIM_FILE_EXTENSIONS):
            raise forms.ValidationError(
                _("Excel（.xlsx）またはCSV（.csv）のファイルをアップロードしてください。"), code="extension"
            )
        return uploaded


def _prefecture_choices() -> list[tuple[str, str]]:
    english = (get_language() or "ja").startswith("en")
    return [("", _("（選択しない）"))] + [
        (ja, en if english else ja) for _code, ja, en in [*PREFECTURES, OVERSEAS]
    ]


def _text(label, *, help_text: str = "", **attrs) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=100, help_text=help_text, widget=forms.TextInput(attrs=attrs)
    )


class StayEntryForm(forms.Form):
    """One stay: the claim file's columns. The values are judged as a file row (`claims.entry`)."""

    reservation_number = _text(gettext_lazy("予約番号"), autocomplete="off")
    booked_on = _text(gettext_lazy("予約日"), help_text=gettext_lazy("例：2025-06-01"), type="date")
    check_in = _text(gettext_lazy("チェックイン日"), help_text=gettext_lazy("例：2025-06-20"), type="date")
    nights = _text(gettext_lazy("泊数"), inputmode="numeric")
    guests = _text(gettext_lazy("人数"), inputmode="numeric")
    total_charge = _text(
        gettext_lazy("宿泊料金"),
        help_text=gettext_lazy("割引前の宿泊料金の合計（税込、円）"),
        inputmode="numeric",
    )
    discount = _text(
        gettext_lazy("割引額"), help_text=gettext_lazy("お客様に適用した割引額（円）"), inputmode="numeric"
    )
    channel = forms.ChoiceField(label=gettext_lazy("販売経路"), required=False)
    prefecture = forms.ChoiceField(label=gettext_lazy("居住都道府県"), required=False)

    COLUMN_OF = {
        "reservation_number": cf.RESERVATION,
        "booked_on": cf.BOOKED_ON,
        "check_in": cf.CHECK_IN,
        "nights": cf.NIGHTS,
        "guests": cf.GUESTS,
        "total_charge": cf.CHARGE,
        "discount": cf.DISCOUNT,
        "channel": cf.CHANNEL,
        "prefecture": cf.PREFECTURE,
    }

    def __init__(self, *args, months: list[datetime.date] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if months is not None:
            self.fields = {"month": MonthField(months), **self.fields}
        for field in self.fields.values():
            if field.required and isinstance(field, forms.CharField):
                field.error_messages["required"] = _("%(label)sを入力してください。") % {"label": field.label}
        self.fields["channel"].choices = [("", _("（選択しない）"))] + [(c, c) for c in cf.CHANNELS]
        self.fields["prefecture"].choices = _prefecture_choices()

    def row_values(self) -> dict[str, str]:
        """The cleaned values keyed by the claim file's column names."""
        return {
            column: unicodedata.normalize("NFKC", self.cleaned_data.get(name) or "").strip()
            for name, column in self.COLUMN_OF.items()
        }
