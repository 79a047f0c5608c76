from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    """The public campaign site that editors run in Wagtail: pages, news, banners, site settings."""

    name = "cms"
    verbose_name = _("キャンペーンサイト")
