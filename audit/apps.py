from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The append-only, hash-chained audit log (監査ログ) of issue 8."""

    name = "audit"
    verbose_name = _("監査ログ")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the login and role-change receivers)
