from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    """The hotel users' area (/members/): accounts, the application form, notices and the manual."""

    name = "members"
    verbose_name = _("参加事業者専用ページ")
