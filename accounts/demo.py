"""One demo user per staff role, with passwords printed for local use only."""

from __future__ import annotations

import hashlib
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from .roles import STAFF_ROLES
from .security import DEVICE_NAME, base32_secret

ROLE_LABELS = {
    "editor": "編集者",
    "moderator": "公開承認者",
    "reviewer": "審査担当",
    "accountant": "経理担当",
    "operator": "コールセンター",
    "city": "仙台市観光課",
    "admin": "システム管理者",
}


def demo_password(role: str) -> str:
    return f"{role}-demo-2025"


def demo_otp_key(username: str) -> str:
    """A fixed TOTP key per demo user (hex), so the browser suite and developers can compute codes.

    Known keys are as unsafe as printed passwords: only ever created where DEMO_DATA_ALLOWED is on.
    """
    return hashlib.sha256(f"sendai-stay-demo-otp:{username}".encode()).hexdigest()[:40]


def ensure_demo_device(user) -> TOTPDevice | None:
    """Give a demo staff user a confirmed authenticator with the known key, unless one exists (an
    administrator may have reset it, then the next seed puts it back)."""
    if not getattr(settings, "DEMO_DATA_ALLOWED", False):
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, key=demo_otp_key(user.get_username()), confirmed=True
        )
    return device


def seed(out: TextIO) -> None:
    """The staff accounts were set up before the running round opened, so everything they do in the
    demo's history (core/demo_clock.py) comes after their account and role."""
    from campaigns.demo import DEMO_SLUG
    from campaigns.models import Campaign
    from core import demo_clock

    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    setup = demo_clock.now()
    if campaign is not None:
        setup = min(
            setup, demo_clock.office_moment(demo_clock.office_days(campaign.application_start, -10), 60)
        )
    with demo_clock.at(setup):
        _seed_users(out)


def _seed_users(out: TextIO) -> None:
    User = get_user_model()
    out.write("Demo users (development only):\n")
    for role in STAFF_ROLES:
        user, created = User.objects.get_or_create(
            username=role,
            defaults={
                "email": f"{role}@example.jp",
                "first_name": ROLE_LABELS.get(role, role),
                "last_name": "デモ",
            },
        )
        if created:
            user.set_password(demo_password(role))
            user.save()
        user.groups.set([Group.objects.get(name=role)])
        device = ensure_demo_device(user)
        out.write(f"  {role:<11} password: {demo_password(role)}{'' if created else '  (existing user)'}\n")
        if device is not None:
            out.write(f"  {'':<11} 2FA key:  {base32_secret(device)}\n")
    out.write(
        "Staff sign in with a second factor: `python manage.py demo_otp_code <user>` prints the current\n"
        "code (or add the 2FA key above to an authenticator app).\n"
    )
