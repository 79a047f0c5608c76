from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    """Discount reimbursement claims (実績報告): the discount rule, claim files, budget and payments."""

    name = "claims"
    verbose_name = _("実績報告・精算")
