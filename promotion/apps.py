from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionConfig(AppConfig):
    """プロモーション: the A4 flyer (チラシ) that editors compose and the city proofs before printing."""

    name = "promotion"
    verbose_name = _("プロモーション")
