from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("バックグラウンド処理")

    def ready(self) -> None:
        from . import builders, routing  # noqa: F401  (builders register their kinds)

        routing.keep_wagtail_tasks_inline()
