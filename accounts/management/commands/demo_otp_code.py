"""`demo_otp_code USERNAME`: the current 2FA code of a demo staff user (development only).

Demo staff get a known TOTP key from `seed_demo`, so a developer can sign in without a phone. Like
`seed_demo`, it refuses to run unless DEMO_DATA_ALLOWED is on.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.security import confirmed_device, usable_code


class Command(BaseCommand):
    help = "デモ用スタッフの現在の確認コード（二要素認証）を表示します。開発環境専用です。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("DEMO_DATA_ALLOWED が有効な環境（開発・テスト）でのみ使えます。")
        user = get_user_model().objects.filter(username=username).first()
        device = confirmed_device(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username} には二要素認証の端末が登録されていません。")
        code, seconds = usable_code(device)
        if not code:
            raise CommandError(f"このコードは使用済みです。{seconds}秒後にもう一度実行してください。")
        self.stdout.write(code)
        if options["verbosity"] > 1:
            self.stderr.write(f"（あと約{seconds}秒有効）")
