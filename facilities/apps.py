from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FacilitiesConfig(AppConfig):
    """Participating lodging facilities and the Sendai taxonomy the facility guide filters by."""

    name = "facilities"
    verbose_name = _("宿泊施設")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the search-text refresh on taxonomy renames)
