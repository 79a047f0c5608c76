from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Erasing a campaign's personal data at the end of the contract and the データ消去報告書 (issue 8)."""

    name = "privacy"
    verbose_name = _("個人情報の消去")
