"""The sections of the application form and whether each is complete.

The rules are those of `participants.services.completeness_problems` (which decides on submission);
here they are split by section so the overview can show where something is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from participants.models import Application, DocumentKind

BUSINESS_REQUIRED = ("name", "representative", "postal_code", "address", "contact_person", "phone", "email")


@dataclass(frozen=True)
class Section:
    key: str
    title: Promise
    url: str
    complete: bool


def sections(application: Application) -> list[Section]:
    business = application.business
    kinds = set(application.documents.values_list("kind", flat=True))
    states = [
        ("business", _("事業者情報"), all(getattr(business, f) for f in BUSINESS_REQUIRED)),
        ("facilities", _("施設"), application.facilities.exists()),
        ("bank", _("振込先口座"), all(getattr(application, f) for f in Application.BANK_FIELDS)),
        ("documents", _("提出書類"), all(kind.value in kinds for kind in DocumentKind)),
        ("pledges", _("誓約事項"), application.pledges_given),
    ]
    return [
        Section(key, title, reverse(f"members:application_{key}", args=[application.pk]), complete)
        for key, title, complete in states
    ]
