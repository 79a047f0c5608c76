"""Forms of the members area. Input is normalised here (NFKC, lower-case e-mail, Zengin kana) before
the model's validators run, so people may type full-width digits or ひらがな and still get a clean value.

`fieldsets` on a form groups its fields for `members/includes/form_fields.html`.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.zengin import to_zengin_kana, validate_zengin_kana
from facilities.models import Area, FacilityType, Feature, Ward
from participants.documents import validate_document
from participants.models import (
    AccountType,
    Application,
    ApplicationFacility,
    BookingChannel,
    Business,
    DocumentKind,
    LicenceType,
)

from .accounts import normalize_email

User = get_user_model()


def nfkc(value: str | None) -> str:
    """Full-width digits and letters to half-width, surrounding spaces removed."""
    return unicodedata.normalize("NFKC", value or "").strip()


# Accounts ------------------------------------------------------------------------------------------


class PasswordPairMixin:
    """Two password fields checked against each other and Django's password validators."""

    def _check_passwords(self, user) -> None:
        password1 = self.cleaned_data.get("password1")
        password2 = self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("確認用のパスワードが一致しません。"))
            return
        if password1:
            try:
                password_validation.validate_password(password1, user)
            except ValidationError as error:
                self.add_error("password1", error)


def _password_fields():
    password1 = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("10文字以上で、氏名やメールアドレスに似ていない、推測されにくいものにしてください。"),
    )
    password2 = forms.CharField(
        label=_("パスワード（確認用）"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("確認のため、同じパスワードをもう一度入力してください。"),
    )
    return password1, password2


class SignUpForm(PasswordPairMixin, forms.Form):
    email = forms.EmailField(
        label=_("メールアドレス"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("ログインに使います。確認のメールをお送りします。"),
    )
    name = forms.CharField(
        label=_("氏名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1, password2 = _password_fields()

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self):
        cleaned = super().clean()
        email = cleaned.get("email") or ""
        self._check_passwords(User(username=email, email=email, first_name=cleaned.get("name") or ""))
        return cleaned


class InvitationSignUpForm(PasswordPairMixin, forms.Form):
    """Sign-up through an invitation: the address is the invited one."""

    name = forms.CharField(
        label=_("氏名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1, password2 = _password_fields()

    def __init__(self, *args, email: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        self._check_passwords(
            User(username=self.email, email=self.email, first_name=cleaned.get("name") or "")
        )
        return cleaned


class ResendVerificationForm(forms.Form):
    email = forms.EmailField(
        label=_("メールアドレス"), max_length=150, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("メールアドレス"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "メールアドレスまたはパスワードが正しくありません。パスワードを忘れた方は再設定してください。"
        ),
        "not_verified": _(
            "メールアドレスの確認が済んでいません。確認メールのリンクを開いてください（確認メールは再送できます）。"
        ),
    }

    def clean_username(self) -> str:
        return normalize_email(self.cleaned_data["username"])

    def clean(self):
        try:
            return super().clean()
        except ValidationError as error:
            if error.code == "invalid_login":
                username = self.cleaned_data.get("username")
                password = self.cleaned_data.get("password") or ""
                waiting = User.objects.filter(username=username, is_active=False, last_login=None).first()
                if waiting is not None and waiting.check_password(password):
                    raise ValidationError(self.error_messages["not_verified"], code="not_verified") from error
            raise


class MemberPasswordResetForm(PasswordResetForm):
    """Staff reset their passwords in the admin, not here."""

    email = forms.EmailField(
        label=_("メールアドレス"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Written here in the request's language, sent by the worker (`jobs.mail`): the page answers
        at once whether or not the mail server is slow."""
        from jobs.mail import queue_email

        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        queue_email(subject, body, [to_email], from_email)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("招待する方のメールアドレス"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_("招待リンクをこのアドレスにお送りします。リンクの有効期限は7日間です。"),
    )

    def __init__(self, *args, business: Business, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.business = business

    def clean_email(self) -> str:
        email = normalize_email(self.cleaned_data["email"])
        if self.business.memberships.filter(user__username=email).exists():
            raise ValidationError(_("このメールアドレスの方は、すでにこの事業者の利用者です。"))
        return email


# Business (事業者情報) -----------------------------------------------------------------------------


class BusinessForm(forms.ModelForm):
    class Meta:
        model = Business
        fields = [
            "name",
            "representative",
            "representative_title",
            "postal_code",
            "address",
            "contact_person",
            "phone",
            "email",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "organization"}),
            "representative": forms.TextInput(attrs={"autocomplete": "off"}),
            "representative_title": forms.TextInput(attrs={"autocomplete": "organization-title"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "contact_person": forms.TextInput(attrs={"autocomplete": "name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "name": _("法人の場合は登記上の名称、個人事業主の場合は屋号または氏名を入力してください。"),
            "postal_code": _("例: 980-0811"),
            "phone": _("例: 022-123-4567"),
            "email": _("事務局からの連絡先です。審査結果などのお知らせもこのアドレスにお送りします。"),
        }

    def clean_postal_code(self) -> str:
        return nfkc(self.cleaned_data["postal_code"])

    def clean_phone(self) -> str:
        return nfkc(self.cleaned_data["phone"])

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


# Application sections ------------------------------------------------------------------------------


class TermChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, empty_label=_("選択してください"), **kwargs)

    def label_from_instance(self, obj) -> str:
        return obj.display_name


class TermMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class FacilityEntryForm(forms.ModelForm):
    """One facility of the application (申請施設), with its licence."""

    facility_type = TermChoiceField(label=_("施設種別"), queryset=FacilityType.objects.all())
    ward = TermChoiceField(label=_("区"), queryset=Ward.objects.all())
    area = TermChoiceField(label=_("エリア"), queryset=Area.objects.all())
    features = TermMultipleChoiceField(
        label=_("特徴"),
        queryset=Feature.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("当てはまるものをすべて選んでください。施設案内の検索条件になります。"),
    )
    licence_type = forms.ChoiceField(
        label=_("旅館業法の営業許可の種別"), choices=LicenceType.choices, widget=forms.RadioSelect
    )
    website = forms.URLField(
        label=_("ウェブサイト"),
        required=False,
        assume_scheme="https",
        max_length=200,
        widget=forms.URLInput(attrs={"autocomplete": "url"}),
        help_text=_("https:// から入力してください。"),
    )
    booking_channels = forms.MultipleChoiceField(
        label=_("販売経路"),
        choices=BookingChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("割引付きの宿泊を販売する経路をすべて選んでください。"),
    )

    fieldsets = [
        (_("施設の基本情報"), ["name", "kana", "facility_type", "room_count", "capacity"]),
        (_("所在地と連絡先"), ["ward", "area", "postal_code", "address", "phone", "website"]),
        (_("施設案内に掲載する内容"), ["features", "description", "booking_notes"]),
        (_("旅館業法の営業許可"), ["licence_type", "licence_number", "licence_date"]),
        (_("販売"), ["booking_channels"]),
    ]

    class Meta:
        model = ApplicationFacility
        fields = [
            "name",
            "kana",
            "facility_type",
            "ward",
            "area",
            "postal_code",
            "address",
            "phone",
            "website",
            "features",
            "description",
            "booking_notes",
            "licence_type",
            "licence_number",
            "licence_date",
            "room_count",
            "capacity",
            "booking_channels",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off"}),
            "kana": forms.TextInput(attrs={"autocomplete": "off"}),
            "postal_code": forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
            "address": forms.TextInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"autocomplete": "off", "type": "tel"}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "booking_notes": forms.Textarea(attrs={"rows": 3}),
            "licence_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "kana": _(
                "全角カタカナで入力してください（ひらがなや半角カナは全角カタカナに直して保存します）。"
            ),
            "postal_code": _("例: 980-0021"),
            "phone": _("例: 022-222-2222"),
            "description": _("施設案内に掲載します（1,000文字以内）。"),
            "booking_notes": _("予約方法や注意事項など（500文字以内）。"),
            "licence_number": _("営業許可証に記載の番号（例: 仙台市指令青保第100号）"),
            "licence_date": _("営業許可証に記載の許可年月日"),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("room_count", "capacity"):
            self.fields[name].widget.attrs["min"] = 1

    def clean_kana(self) -> str:
        text = nfkc(self.cleaned_data["kana"])  # half-width kana become full-width
        return jaconv.hira2kata(text)

    def clean_postal_code(self) -> str:
        return nfkc(self.cleaned_data["postal_code"])

    def clean_phone(self) -> str:
        return nfkc(self.cleaned_data["phone"])

    def clean_room_count(self) -> int:
        return _positive(self.cleaned_data["room_count"])

    def clean_capacity(self) -> int:
        return _positive(self.cleaned_data["capacity"])


def _positive(value: int) -> int:
    if value is not None and value < 1:
        raise ValidationError(_("1以上の数を入力してください。"))
    return value


def _digits(value: str, count: int, label: str) -> str:
    value = nfkc(value).replace(" ", "")
    if not re.fullmatch(r"\d+", value):
        raise ValidationError(
            _("%(label)sは数字%(count)d桁で入力してください（英字や記号は使えません）。")
            % {"label": label, "count": count}
        )
    if len(value) != count:
        raise ValidationError(
            _("%(label)sは数字%(count)d桁で入力してください（入力は%(length)d桁です）。")
            % {"label": label, "count": count, "length": len(value)}
        )
    return value


class BankAccountForm(forms.ModelForm):
    """振込先口座. Every field is required here: the section is saved whole."""

    fieldsets = [
        (_("金融機関"), ["bank_code", "bank_name", "branch_code", "branch_name"]),
        (_("口座"), ["account_type", "account_number", "account_holder"]),
    ]

    class Meta:
        model = Application
        fields = Application.BANK_FIELDS
        widgets = {
            "bank_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "bank_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "branch_code": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "branch_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "account_type": forms.RadioSelect,
            "account_number": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            "account_holder": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "bank_code": _("数字4桁（例: 0001）"),
            "branch_code": _("数字3桁（例: 123）"),
            "account_number": _("数字7桁。7桁に満たない場合は前に0を付けてください。"),
            "account_holder": _(
                "通帳に記載のとおりカタカナで入力してください（例: カ）センダイシユクハク）。"
                "ひらがな・全角カナは銀行の形式（半角カナ）に直して保存します。"
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            self.fields[name].required = True
        self.fields["account_type"].choices = AccountType.choices
        # The digit checks (after NFKC) give the clearer message, so the generic length check goes.
        for name in ("bank_code", "branch_code", "account_number"):
            self.fields[name].max_length = None
            self.fields[name].validators = []

    def clean_bank_code(self) -> str:
        return _digits(self.cleaned_data["bank_code"], 4, _("金融機関コード"))

    def clean_branch_code(self) -> str:
        return _digits(self.cleaned_data["branch_code"], 3, _("支店コード"))

    def clean_account_number(self) -> str:
        return _digits(self.cleaned_data["account_number"], 7, _("口座番号"))

    def clean_bank_name(self) -> str:
        return nfkc(self.cleaned_data["bank_name"])

    def clean_branch_name(self) -> str:
        return nfkc(self.cleaned_data["branch_name"])

    def clean_account_holder(self) -> str:
        converted = to_zengin_kana(self.cleaned_data["account_holder"])
        validate_zengin_kana(converted)
        return converted


class PledgeForm(forms.ModelForm):
    """誓約事項: every pledge must be given."""

    class Meta:
        model = Application
        fields = Application.PLEDGE_FIELDS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            field = self.fields[name]
            field.required = True
            field.error_messages["required"] = _("参加申請にはこの項目への同意が必要です。")

    def save(self, commit: bool = True) -> Application:
        application = super().save(commit=False)
        application.pledged_at = timezone.now()
        if commit:
            application.save()
        return application


class DocumentUploadForm(forms.Form):
    """One required document (営業許可証の写し or 通帳の写し), checked by content."""

    file = forms.FileField(
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, prefix=kind, **kwargs)
        self.kind = kind
        field = self.fields["file"]
        field.label = DocumentKind(kind).label
        field.help_text = _("PDF・JPEG・PNG、%(limit)sMBまで") % {"limit": _document_limit_mb()}
        field.error_messages["required"] = _("アップロードするファイルを選んでください。")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        validate_document(uploaded)
        return uploaded


def _document_limit_mb() -> int:
    from django.conf import settings

    return settings.PARTICIPANT_DOCUMENT_MAX_BYTES // (1024 * 1024)
