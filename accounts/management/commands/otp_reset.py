"""`otp_reset USERNAME`: remove a staff user's authenticator (lost or replaced phone); audited.

The user signs in with the password next time and enrols a new authenticator app on the spot.
"""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.security import reset_devices


class Command(BaseCommand):
    help = "スタッフの二要素認証の端末をリセットします（次回ログイン時に再設定）。監査ログに記録されます。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist as error:
            raise CommandError(f"ユーザー {username} は存在しません。") from error
        try:
            operator = getpass.getuser()
        except Exception:  # no login name in a container: still audited, without the OS user
            operator = ""
        count = reset_devices(user, actor_label=f"manage.py otp_reset ({operator})" if operator else "")
        self.stdout.write(
            f"{username}: 認証アプリの登録を {count} 件削除しました。次回ログイン時に再設定します。"
        )
