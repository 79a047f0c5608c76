"""Forms of the public survey: one page of questions, and the optional lottery entry.

Fields are built from a version's schema (`surveys.questions`), so the form always asks exactly what
the version asks; the messages come from `surveys.answering`, which checks the whole answer again.
Both forms carry a honeypot field that people never see and bots fill in.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import answering
from . import questions as q

FIELD_PREFIX = "q_"
HONEYPOT = "homepage"
SELECT_TYPES = {q.PREFECTURE, q.FACILITY, q.STAY_MONTH}
RADIO_TYPES = {q.SINGLE_CHOICE, q.AGE_GROUP, q.RATING}


def field_name(question: dict[str, Any]) -> str:
    return f"{FIELD_PREFIX}{question['key']}"


def _check_length(value: str) -> None:
    if value and len(value) > q.FREE_TEXT_MAX_LENGTH:
        raise ValidationError(answering.message("too_long"), code="max_length")


class HoneypotMixin:
    """A text field hidden from people (CSS, aria-hidden, tabindex -1); anything in it means a bot."""

    def add_honeypot(self) -> None:
        self.fields[HONEYPOT] = forms.CharField(
            label=_("この欄は空のままにしてください"),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
        )

    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


class AnswerForm(HoneypotMixin, forms.Form):
    """The questions of one page, worded in the request's language."""

    def __init__(
        self,
        questions: list[dict[str, Any]],
        campaign: Any,
        language: str,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = q.choices_for(question, campaign, language)
            self.fields[field_name(question)] = self._field(question, choices)
        self.add_honeypot()

    @staticmethod
    def _field(question: dict[str, Any], choices: list[q.Choice]) -> forms.Field:
        kind = question["type"]
        common: dict[str, Any] = {
            "label": question["label"],
            "help_text": question.get("help_text") or "",
            "required": question["required"],
            "error_messages": {
                "required": answering.MESSAGES["required"],
                "invalid_choice": answering.MESSAGES["invalid_choice"],
                "invalid_list": answering.MESSAGES["invalid_choice"],
            },
        }
        options = [(choice.key, choice.label) for choice in choices]
        if kind == q.RATING:
            low, high = question.get("low_label") or "", question.get("high_label") or ""
            labels = {"1": f"1 {low}".strip(), "5": f"5 {high}".strip()}
            common["error_messages"]["invalid_choice"] = answering.MESSAGES["rating"]
            return forms.TypedChoiceField(
                choices=[(key, labels.get(key, label)) for key, label in options],
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect(attrs={"class": "survey-rating__input"}),
                **common,
            )
        if kind in RADIO_TYPES:
            return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
        if kind in SELECT_TYPES:
            return forms.ChoiceField(choices=[("", _("選択してください")), *options], **common)
        if kind == q.MULTIPLE_CHOICE:
            return forms.MultipleChoiceField(choices=options, widget=forms.CheckboxSelectMultiple, **common)
        attrs = {"maxlength": q.FREE_TEXT_MAX_LENGTH}
        widget = (
            forms.Textarea(attrs={**attrs, "rows": 5})
            if question.get("multiline")
            else forms.TextInput(attrs)
        )
        return forms.CharField(widget=widget, validators=[_check_length], **common)

    def question_fields(self) -> list[tuple[dict[str, Any], forms.BoundField]]:
        return [(question, self[field_name(question)]) for question in self.questions]

    def answers(self) -> dict[str, Any]:
        """The answers of a valid page (or the valid ones of an invalid page), by question key."""
        cleaned = getattr(self, "cleaned_data", {})
        result = {}
        for question in self.questions:
            value = cleaned.get(field_name(question))
            if not answering.is_empty(value):
                result[question["key"]] = value
        return result

    def kept_answers(self) -> dict[str, Any]:
        """What the traveller chose on this page, without validation (going back keeps it)."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return self.answers()


class NormalizedEmailField(forms.EmailField):
    """An address typed in full-width or with capitals is the same address (`answering.email_key`)."""

    def to_python(self, value: Any) -> str:
        return answering.email_key(super().to_python(value))


class LotteryForm(HoneypotMixin, forms.Form):
    """応募: the name and address to send a prize to. Input is normalised before it is checked."""

    name = forms.CharField(
        label=_("氏名"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": _("氏名を入力してください。")},
    )
    postal_code = forms.CharField(
        label=_("郵便番号"),
        max_length=20,
        help_text=_("7桁の数字。例: 980-0811"),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
        error_messages={"required": _("郵便番号を入力してください。")},
    )
    address = forms.CharField(
        label=_("住所"),
        max_length=300,
        help_text=_("都道府県から建物名・部屋番号まで入力してください。"),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        error_messages={"required": _("住所を入力してください。")},
    )
    phone = forms.CharField(
        label=_("電話番号"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel", "inputmode": "tel"}),
        error_messages={"required": _("電話番号を入力してください。")},
    )
    email = NormalizedEmailField(
        label=_("メールアドレス"),
        max_length=254,
        help_text=_("当選のご連絡に使います。応募は1つのメールアドレスにつき1回です。"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": _("メールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください。例: name@example.jp"),
        },
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_honeypot()

    def visible_entry_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "postal_code", "address", "phone", "email")]

    def clean_postal_code(self) -> str:
        try:
            return answering.normalize_postal_code(self.cleaned_data["postal_code"])
        except ValueError:
            raise ValidationError(_("郵便番号は7桁の数字で入力してください。例: 980-0811")) from None

    def clean_phone(self) -> str:
        try:
            return answering.normalize_phone(self.cleaned_data["phone"])
        except ValueError:
            raise ValidationError(
                _("電話番号は市外局番から数字で入力してください。例: 022-123-4567")
            ) from None
