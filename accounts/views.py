"""二要素認証 screens: enrol an authenticator app, or enter its current code after the password.

Thin views: the rules (who is staff, verification, throttling, audit entries) are in `security`.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from . import security


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("確認コード（6桁）"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
                "pattern": "[0-9０-９ ]*",
            }
        ),
        error_messages={
            "required": gettext_lazy("認証アプリに表示されている6桁の確認コードを入力してください。")
        },
    )

    def clean_token(self) -> str:
        token = security.clean_token(self.cleaned_data["token"])
        if len(token) != 6:
            raise forms.ValidationError(_("確認コードは6桁の数字です。"))
        return token


def _next_url(request: HttpRequest) -> str:
    """Where to go after the second factor: the admin page asked for, never another site."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("wagtailadmin_home")


def _staff_or_login(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    if not security.is_staff_user(request.user):
        return redirect("/")
    return None


def _error_for(result: security.Verification) -> str:
    if result.locked_until is not None and result.wait_seconds > 1:
        return _(
            "確認コードの誤りが続いたため、入力を一時的に制限しています。%(seconds)s秒後にもう一度入力してください。"
        ) % {"seconds": result.wait_seconds}
    return _("確認コードが正しくありません。認証アプリに表示されている最新のコードを入力してください。")


@never_cache
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code from the enrolled authenticator app, after the password."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    if security.is_otp_verified(request.user):
        return redirect(_next_url(request))
    device = security.confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts_otp_enrol')}?{request.GET.urlencode()}")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = security.verify(request, device, form.cleaned_data["token"])
        if result.ok:
            return redirect(_next_url(request))
        form.add_error("token", _error_for(result))
        status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request, "accounts/otp_verify.html", {"form": form, "next": _next_url(request)}, status=status
    )


@never_cache
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of a staff user: scan the QR code (or type the key), then confirm with a code."""
    if (refused := _staff_or_login(request)) is not None:
        return refused
    if security.confirmed_device(request.user) is not None:
        # Enrolled already: changing the device goes through an administrator (otp_reset).
        return redirect(f"{reverse('accounts_otp_verify')}?{request.GET.urlencode()}")
    device = security.pending_device(request.user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        result = security.verify(request, device, form.cleaned_data["token"], enrolling=True)
        if result.ok:
            return redirect(_next_url(request))
        form.add_error("token", _error_for(result))
        status = 400
    elif request.method == "POST":
        status = 400
    context = {
        "form": form,
        "next": _next_url(request),
        "qr_svg": security.qr_svg(device),
        "secret": security.base32_secret(device),
    }
    return render(request, "accounts/otp_enrol.html", context, status=status)
