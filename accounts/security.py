"""Hardened staff sign-in: who needs a second factor, TOTP enrolment and verification, login lockout.

Business rules live here as plain functions; the views, the middleware and the management commands
call them. Staff are users with `is_staff`, superusers and members of a DOMAIN.md role group; hotel
users (the members area) sign in with a password only, but both are throttled by django-axes.
"""

from __future__ import annotations

import datetime
import time
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import login as otp_login
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.log import record
from audit.models import AuditAction

from .roles import STAFF_ROLES

# The name of the device a staff user enrols on the 二要素認証の設定 screen.
DEVICE_NAME = "認証アプリ"


def is_staff_user(user: Any) -> bool:
    """Staff need the second factor and the short idle timeout; the answer is cached on the user."""
    if user is None or not user.is_authenticated:
        return False
    cached = getattr(user, "_sendai_is_staff", None)
    if cached is None:
        cached = remember_staff(user, user.groups.filter(name__in=STAFF_ROLES).exists())
    return cached


def remember_staff(user: Any, has_staff_role: bool) -> bool:
    """Record on the user whether it is staff, given whether it has a staff role group (the sign-in
    backend reads that with the user itself, `accounts.backends`)."""
    user._sendai_is_staff = bool(user.is_staff or user.is_superuser or has_staff_role)
    return user._sendai_is_staff


def is_otp_verified(user: Any) -> bool:
    """True once `django_otp.login` bound a confirmed device of this user to the session."""
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled; kept across reloads so the QR code does not change."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps expect it for manual entry, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    """otpauth:// URI; the issuer shown in the app comes from OTP_TOTP_ISSUER (settings)."""
    return device.config_url


def qr_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG (no external request, no JavaScript)."""
    qr = segno.make(provisioning_uri(device), error="m")
    return qr.svg_inline(scale=5, border=2, title=str(_("認証アプリで読み取るQRコード")))


@dataclass(frozen=True)
class Verification:
    ok: bool
    # When the device refuses attempts after repeated failures: when the next attempt is allowed.
    locked_until: datetime.datetime | None = None

    @property
    def wait_seconds(self) -> int:
        if self.locked_until is None:
            return 0
        return max(1, int((self.locked_until - timezone.now()).total_seconds() + 0.999))


def clean_token(raw: str) -> str:
    """Codes are typed with spaces or full-width digits from a Japanese IME; keep the digits."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", raw or "") if ch.isdigit())


def verify(request: HttpRequest, device: TOTPDevice, token: str, *, enrolling: bool = False) -> Verification:
    """Check a code against the device (its own throttling applies) and sign the session in with it.

    A failure is recorded in the audit trail as `login_failed` at stage "otp"; a first successful
    code confirms an enrolled device and records the enrolment.
    """
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user)
        allowed, info = device.verify_is_allowed()
        if not allowed:
            locked = (info or {}).get("locked_until")
            return Verification(False, locked_until=locked)
        ok = device.verify_token(token)
        if ok and enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            # One authenticator per user: drop any other device left from an earlier enrolment.
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    if not ok:
        record(
            AuditAction.LOGIN_FAILED,
            request=request,
            actor=user,
            obj=user,
            summary=_("確認コードが正しくありません（二要素認証）"),
            detail={"stage": "otp", "failures": device.throttling_failure_count},
        )
        allowed, info = device.verify_is_allowed()
        return Verification(False, locked_until=None if allowed else (info or {}).get("locked_until"))
    if enrolling:
        record(
            AuditAction.PERMISSION_CHANGE,
            request=request,
            actor=user,
            obj=user,
            summary=_("二要素認証（認証アプリ）を登録しました"),
            detail={"otp": "enrolled", "device": device.persistent_id},
        )
    otp_login(request, device)
    return Verification(True)


def reset_devices(user: Any, *, request: HttpRequest | None = None, actor_label: str = "") -> int:
    """Remove a user's authenticators (lost phone): the next login asks to enrol again. Audited."""
    count, _deleted = TOTPDevice.objects.filter(user=user).delete()
    record(
        AuditAction.PERMISSION_CHANGE,
        request=request,
        actor_label=actor_label or None,
        obj=user,
        summary=_("二要素認証の端末をリセットしました"),
        detail={"otp": "reset", "devices_removed": count},
    )
    return count


def usable_code(device: TOTPDevice, at: float | None = None) -> tuple[str, int]:
    """The code the device accepts now and the seconds it stays valid (for the demo command).

    A code is accepted once: when this step's code was already used, the next step's code (inside the
    device's tolerance) is given instead; when none is left, the wait for the next one is returned
    with an empty code.
    """
    now = time.time() if at is None else at
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now
    current = totp.t()
    for step in range(current - device.tolerance, current + device.tolerance + 1):
        if step > device.last_t and step >= current:
            code = hotp(device.bin_key, step, digits=device.digits)
            left = device.step - int(now - device.t0) % device.step + (step - current) * device.step
            return f"{code:0{device.digits}d}", left
    wait = device.step - int(now - device.t0) % device.step
    return "", wait


# --- django-axes ---------------------------------------------------------------------------------


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str:
    """The username axes counts failures for: trimmed and lower-cased, because the members login
    normalises e-mail addresses, so `Hotel@Example.jp` must not get a fresh set of attempts."""
    source: Any = credentials if credentials else getattr(request, "POST", {})
    value = source.get("username") or source.get("email") or ""
    return str(value).strip().lower()[:255]


def axes_client_ip(request: HttpRequest) -> str | None:
    """The same client address as the audit trail and the survey rate limits (RATELIMIT_IP_META_KEY)."""
    from audit.log import client_ip

    return client_ip(request)


def cool_off() -> datetime.timedelta:
    value = getattr(settings, "AXES_COOLOFF_TIME", None)
    if isinstance(value, datetime.timedelta):
        return value
    if isinstance(value, int | float):
        return datetime.timedelta(hours=value)
    return datetime.timedelta(minutes=30)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """A Japanese page instead of axes' English text: when to try again and whom to ask.

    Every attempt during the lockout starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_
    LOCKOUT), so "now + cool-off" is when the next attempt is allowed.
    """
    delta = cool_off()
    retry_at = timezone.localtime(timezone.now() + delta)
    members = "/members/" in request.path
    return render(
        request,
        "accounts/lockout.html",
        {
            "minutes": max(1, int(delta.total_seconds() // 60)),
            "retry_at": retry_at,
            "members": members,
            "failure_limit": getattr(settings, "AXES_FAILURE_LIMIT", 5),
        },
        status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429),
    )
