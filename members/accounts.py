"""Hotel user accounts: sign-up with e-mail verification, invitations to a business, the first business.

Links in e-mails carry a signed, timestamped value (`django.core.signing`), so nothing has to be
stored to check them: a verification link is valid for 3 days and only while the account is still
inactive (so it can never be used to log in twice), an invitation for 7 days.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from jobs.mail import queue_email
from participants.models import Business, Membership

User = get_user_model()

VERIFY_SALT = "members.verify-email"
INVITE_SALT = "members.invitation"
VERIFY_MAX_AGE = datetime.timedelta(days=3)
INVITE_MAX_AGE = datetime.timedelta(days=7)


class LinkError(Exception):
    """A link from an e-mail that cannot be used; the message is shown to the visitor."""


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _send(request: HttpRequest, template: str, to: str, context: dict) -> None:
    subject = render_to_string(f"members/emails/{template}_subject.txt", context, request).strip()
    body = render_to_string(f"members/emails/{template}.txt", context, request)
    queue_email(" ".join(subject.split()), body, [to])  # sent by the worker once the change is committed


# Sign-up and verification -------------------------------------------------------------------------


def register(email: str, password: str, name: str) -> User | None:
    """Create an inactive hotel user; None when the address already has an account."""
    email = normalize_email(email)
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        return None
    user = User(username=email, email=email, first_name=name.strip(), is_active=False)
    user.set_password(password)
    user.save()
    return user


def verification_token(user) -> str:
    return signing.TimestampSigner(salt=VERIFY_SALT).sign_object({"u": user.pk, "e": user.email})


def send_verification(request: HttpRequest, user) -> None:
    url = request.build_absolute_uri(reverse("members:verify", args=[verification_token(user)]))
    _send(request, "verify", user.email, {"user": user, "url": url, "days": VERIFY_MAX_AGE.days})


def send_already_registered(request: HttpRequest, email: str) -> None:
    """Someone signed up with an address that has an account: tell its owner, not the visitor."""
    url = request.build_absolute_uri(reverse("members:password_reset"))
    login_url = request.build_absolute_uri(reverse("members:login"))
    _send(request, "already_registered", email, {"reset_url": url, "login_url": login_url})


def resend_verification(request: HttpRequest, email: str) -> None:
    user = User.objects.filter(username=normalize_email(email), is_active=False, last_login=None).first()
    if user is not None:
        send_verification(request, user)


def verify(token: str) -> User:
    """The inactive user a verification link was made for, now activated."""
    try:
        data = signing.TimestampSigner(salt=VERIFY_SALT).unsign_object(token, max_age=VERIFY_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkError(
            _("確認用リンクの有効期限（3日間）が切れています。確認メールを再送してください。")
        ) from exc
    except signing.BadSignature as exc:
        raise LinkError(
            _("確認用リンクが正しくありません。メールのリンクをもう一度開いてください。")
        ) from exc
    user = User.objects.filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise LinkError(_("確認用リンクが正しくありません。メールのリンクをもう一度開いてください。"))
    if user.is_active or user.last_login is not None:
        raise LinkError(_("このメールアドレスは確認済みです。ログインしてください。"))
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


# The first business and invitations ----------------------------------------------------------------


@transaction.atomic
def create_business(form, user) -> Business:
    """The user's business from the 事業者情報 form; the first user becomes its owner."""
    business = form.save()
    Membership.objects.create(user=user, business=business, is_owner=True)
    return business


@dataclass(frozen=True)
class Invitation:
    business: Business
    email: str


def invitation_token(business: Business, email: str) -> str:
    return signing.TimestampSigner(salt=INVITE_SALT).sign_object(
        {"b": business.pk, "e": normalize_email(email)}
    )


def send_invitation(request: HttpRequest, business: Business, email: str, inviter) -> None:
    url = request.build_absolute_uri(reverse("members:invitation", args=[invitation_token(business, email)]))
    context = {"business": business, "inviter": inviter, "url": url, "days": INVITE_MAX_AGE.days}
    _send(request, "invitation", normalize_email(email), context)


def read_invitation(token: str) -> Invitation:
    try:
        data = signing.TimestampSigner(salt=INVITE_SALT).unsign_object(token, max_age=INVITE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkError(
            _("招待リンクの有効期限（7日間）が切れています。招待した方にもう一度招待を依頼してください。")
        ) from exc
    except signing.BadSignature as exc:
        raise LinkError(_("招待リンクが正しくありません。メールのリンクをもう一度開いてください。")) from exc
    business = Business.objects.filter(pk=data.get("b")).first()
    if business is None:
        raise LinkError(_("招待された事業者が見つかりません。招待した方にお問い合わせください。"))
    return Invitation(business=business, email=data["e"])


@transaction.atomic
def join_by_invitation(invitation: Invitation, *, password: str | None = None, name: str = "", user=None):
    """A new user (created active: the link proved the address) or an existing one joins the business."""
    if user is None:
        user = User(
            username=invitation.email, email=invitation.email, first_name=name.strip(), is_active=True
        )
        user.set_password(password)
        user.save()
    Membership.objects.create(user=user, business=invitation.business, is_owner=False)
    return user
