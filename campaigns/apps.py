from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class CampaignsConfig(AppConfig):
    """The campaign round (`Campaign`): stay period, application window, budget and discount rule."""

    name = "campaigns"
    verbose_name = pgettext_lazy("plural", "キャンペーン")
