from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """What the city reads: its dashboard and the monthly and final report packs (業務報告)."""

    name = "reports"
    verbose_name = _("市への報告")
