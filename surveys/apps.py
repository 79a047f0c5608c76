from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("アンケート・景品")

    def ready(self) -> None:
        from . import signals  # noqa: F401
