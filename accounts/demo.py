"""One demo user per staff role, with passwords printed for local use only."""

from __future__ import annotations

from typing import TextIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from .roles import STAFF_ROLES

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


def seed(out: TextIO) -> None:
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
        out.write(f"  {role:<11} password: {demo_password(role)}{'' if created else '  (existing user)'}\n")
