from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Staff roles (DOMAIN.md groups) and the permissions each one holds."""

    name = "accounts"
    verbose_name = _("アカウントと権限")
