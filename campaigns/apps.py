from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    """The campaign round (`Campaign`): stay period, application window, budget and discount rule."""

    name = "campaigns"
    verbose_name = _("Campaigns")
