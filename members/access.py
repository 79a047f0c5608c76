"""Who may use the members area: logged-in hotel users that belong to a business.

Members views send anonymous visitors to `members:login` (not the global LOGIN_URL, which is the
Wagtail admin's), staff to the admin, and hotel users without a business to the business form.
Objects are then looked up through the membership's business, so another business's object is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.security import is_staff_user
from participants.models import Membership


def membership_of(user) -> Membership | None:
    """The user's membership (with its business), or None."""
    if not user.is_authenticated:
        return None
    if get_user_model().membership.is_cached(user):  # loaded with the user (accounts.backends): no query
        return getattr(user, "membership", None)
    try:
        membership = Membership.objects.select_related("business").get(user=user)
    except Membership.DoesNotExist:
        return None
    # Also fills `user.membership` (one-to-one), which `for_user` querysets read: no second query.
    membership.user = user
    return membership


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return redirect_to_login(request.get_full_path(), reverse("members:login"))


def _staff_elsewhere(request: HttpRequest) -> HttpResponse:
    """Staff (role groups, not only `is_staff`) never act as a hotel: send them to the admin, saying why."""
    messages.error(request, _("事業者向けのページです。スタッフの方は管理画面をご利用ください。"))
    return redirect("wagtailadmin_home")


def login_required_hotel_user(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in hotel user, with or without a business (for the business form itself)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return _login_redirect(request)
        if is_staff_user(request.user):
            return _staff_elsewhere(request)
        return view(request, *args, **kwargs)

    return wrapper


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A logged-in hotel user who belongs to a business; `request.membership` is set for the view."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return _login_redirect(request)
        if is_staff_user(request.user):
            return _staff_elsewhere(request)
        membership = membership_of(request.user)
        if membership is None:
            return redirect("members:business_create")
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper
