"""Staff-only request rules: the second factor before any admin screen, and a short idle timeout.

Both come after django-otp's OTPMiddleware (which sets `request.user.is_verified()`). Anonymous
visitors and hotel users pass through untouched, and no session is written for them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .security import confirmed_device, is_otp_verified, is_staff_user

# Areas where a staff user must have passed the second factor.
PROTECTED_PREFIXES = ("/admin/", "/django-admin/")
# Inside them, what an unverified user may still reach: signing in or out, the OTP screens and what
# those screens load (the translations of Wagtail's scripts, the icon sprite its script inserts).
OPEN_PATHS = (
    "/admin/otp/",
    "/admin/login/",
    "/admin/logout/",
    "/admin/jsi18n/",
    "/admin/sprite/",
    "/admin/password_reset/",
    "/django-admin/login/",
    "/django-admin/logout/",
    "/django-admin/jsi18n/",
)


def needs_second_factor(request: HttpRequest) -> bool:
    path = request.path_info
    if not path.startswith(PROTECTED_PREFIXES) or path.startswith(OPEN_PATHS):
        return False
    user = getattr(request, "user", None)
    return is_staff_user(user) and not is_otp_verified(user)


class StaffOTPMiddleware:
    """Sends staff who signed in with a password only to enrolment (no device yet) or verification."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if needs_second_factor(request):
            name = "accounts_otp_verify" if confirmed_device(request.user) else "accounts_otp_enrol"
            target = reverse(name)
            if request.method == "GET":
                target = f"{target}?{urlencode({'next': request.get_full_path()})}"
            return redirect(target)
        return self.get_response(request)


class StaffSessionIdleMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request (sliding expiry).

    Setting the expiry marks the session modified, so it is saved on every staff request and the
    cookie's deadline moves; SESSION_SAVE_EVERY_REQUEST stays off for everyone else.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # After the view: a login in this request made the user staff, a logout flushed the session.
        if session is not None and is_staff_user(getattr(request, "user", None)):
            session.set_expiry(getattr(settings, "STAFF_SESSION_IDLE_SECONDS", 1800))
        return response
