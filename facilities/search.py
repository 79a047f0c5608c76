"""The facility guide's search: one FilterSet serves the public page, the JSON API and the CSV.

Filters are plain GET parameters so every search is a bookmarkable URL and works without JavaScript:
`q` (keywords, all must match), `ward`, `area`, `type` (slugs), `feature` (repeatable, all must match),
`available=1` (hide sold-out), `sort` (`kana` default, or `area`). An unknown value is reported next to
its field and otherwise ignored, so a stale bookmark never breaks the page.

Keywords match the normalised `Facility.search_text` (name, kana, address, ward, area, type, features,
description) with a substring test, served by the pg_trgm index (facilities migration 0004).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from core.text import search_terms

from .models import Area, FacilityType, Feature, Participation, Ward

PER_PAGE = 20


class DisplayNameLabels:
    """Choices show the term's name in the visitor's language; their values are slugs."""

    def label_from_instance(self, obj) -> str:
        return obj.display_name


class SlugChoiceField(DisplayNameLabels, forms.ModelChoiceField):
    pass


class SlugMultipleChoiceField(DisplayNameLabels, forms.ModelMultipleChoiceField):
    pass


class FlagCheckbox(forms.CheckboxInput):
    """`available=1` (also `true`, `on`, `yes`) ticks it; `0`, `false` or absent leaves it unticked."""

    def value_from_datadict(self, data, files, name) -> bool:
        return str(data.get(name, "")).strip().lower() in {"1", "true", "on", "yes"}


class SlugFilter(django_filters.ModelChoiceFilter):
    field_class = SlugChoiceField


class SlugMultipleFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = SlugMultipleChoiceField


class FacilityGuideFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="filter_keywords", max_length=100)
    ward = SlugFilter(
        label=_("区"),
        field_name="facility__ward",
        to_field_name="slug",
        queryset=Ward.objects.all(),
        empty_label=_("すべての区"),
    )
    area = SlugFilter(
        label=_("エリア"),
        field_name="facility__area",
        to_field_name="slug",
        queryset=Area.objects.all(),
        empty_label=_("すべてのエリア"),
    )
    type = SlugFilter(
        label=_("施設種別"),
        field_name="facility__facility_type",
        to_field_name="slug",
        queryset=FacilityType.objects.all(),
        empty_label=_("すべての種別"),
    )
    feature = SlugMultipleFilter(
        label=_("特徴"),
        to_field_name="slug",
        queryset=Feature.objects.all(),
        method="filter_features",
        widget=forms.CheckboxSelectMultiple,
    )
    available = django_filters.BooleanFilter(
        label=_("販売終了の施設を除く"), method="filter_available", widget=FlagCheckbox
    )
    sort = django_filters.ChoiceFilter(
        label=_("並び順"),
        choices=[("kana", _("施設名（五十音順）")), ("area", _("エリア順"))],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Participation
        fields: list[str] = []

    def filter_keywords(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for term in search_terms(value):
            queryset = queryset.filter(facility__search_text__contains=term)
        return queryset

    def filter_features(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Facilities that have every chosen feature: one `EXISTS` per feature.

        Each `EXISTS` is a semi-join that PostgreSQL estimates from that feature's own statistics: for
        one page of results it checks the (facility, feature) unique index row by row while walking
        the kana index; for the count it reads the feature's range of the (feature, facility) index
        (migration 0006). The former `facility IN (… GROUP BY facility HAVING COUNT(DISTINCT feature)
        = n)` could not be estimated (PostgreSQL guessed 202 rows for 26,444 at 50,000 facilities,
        bench/guide.py), so it joined and sorted every match: 440 ms of SQL, now 4 ms for the page.
        """
        through = Feature.facilities.through
        for feature in value:
            queryset = queryset.filter(
                Exists(through.objects.filter(facility_id=OuterRef("facility_id"), feature=feature))
            )
        return queryset

    def filter_available(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(sold_out_at__isnull=True) if value else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ordering is applied in `ordered` so that it is also the default

    def ordered(self) -> QuerySet:
        """Filtered results in the chosen order, with everything a result row shows loaded up front."""
        queryset = self.qs  # validates the form
        sort = getattr(self.form, "cleaned_data", {}).get("sort")
        order = ["facility__kana", "facility__name", "pk"]
        if sort == "area":
            order = ["facility__area__sort_order", *order]
        return queryset.select_related(
            "facility", "facility__ward", "facility__area", "facility__facility_type"
        ).order_by(*order)


def with_feature_lists(participations: Iterable[Participation]) -> list[Participation]:
    """Give each row's facility a `feature_list` (taxonomy order) using one query for all of them.

    Reading features through `prefetch_related` goes via modelcluster's deferring manager, which cost
    more than the rest of an API page (bench/guide.py); the feature table itself has ten rows.
    """
    rows = list(participations)
    features = {feature.pk: feature for feature in Feature.objects.all()}
    by_facility: dict[int, list[Feature]] = defaultdict(list)
    links = Feature.facilities.through.objects.filter(facility_id__in=[row.facility_id for row in rows])
    for facility_id, feature_id in links.values_list("facility_id", "feature_id"):
        by_facility[facility_id].append(features[feature_id])
    for row in rows:
        row.facility.feature_list = sorted(by_facility[row.facility_id], key=lambda f: (f.sort_order, f.pk))
    return rows


def guide_filter(data, campaign) -> FacilityGuideFilter:
    """The filter over what the guide lists for `campaign` (published participants)."""
    return FacilityGuideFilter(data, queryset=Participation.objects.listed(campaign))
