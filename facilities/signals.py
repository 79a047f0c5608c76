"""Keep `Facility.search_text` true when staff rename a ward, area, type or feature.

The search column holds the taxonomy names so that 「秋保温泉」 finds facilities of that area; a
rename must reach every facility that uses the term, or the guide would stop finding them.
"""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Area, Facility, FacilityType, Feature, TaxonomyTerm, Ward

BATCH = 1000


def refresh_search_texts(facilities) -> int:
    """Rebuild and store the search text of `facilities` in batches; returns how many changed."""
    changed = 0
    queryset = facilities.select_related("ward", "area", "facility_type").prefetch_related("features")
    batch: list[Facility] = []
    for facility in queryset.iterator(chunk_size=BATCH):
        text = facility.build_search_text()
        if text != facility.search_text:
            facility.search_text = text
            batch.append(facility)
        if len(batch) >= BATCH:
            changed += Facility.objects.bulk_update(batch, ["search_text"])
            batch = []
    if batch:
        changed += Facility.objects.bulk_update(batch, ["search_text"])
    return changed


_FACILITY_LOOKUP = {Ward: "ward", Area: "area", FacilityType: "facility_type", Feature: "features"}


@receiver(post_save, sender=Ward)
@receiver(post_save, sender=Area)
@receiver(post_save, sender=FacilityType)
@receiver(post_save, sender=Feature)
def term_saved(sender: type[TaxonomyTerm], instance: TaxonomyTerm, created: bool, **kwargs) -> None:
    if created or kwargs.get("raw"):
        return
    refresh_search_texts(Facility.objects.filter(**{_FACILITY_LOOKUP[sender]: instance}))
