"""The facility guide's search: one FilterSet serves the public page, the JSON API and the CSV.

Filters are plain GET parameters so every search is a bookmarkable URL and works without JavaScript:
`q` (keywords, all must match), `ward`, `area`, `type` (slugs), `feature` (repeatable, all must match),
`available=1` (hide sold-out), `sort` (`kana` default, or `area`). An unknown value is reported next to
its field and otherwise ignored, so a stale bookmark never breaks the page.

Keywords match the normalised `Facility.search_text` (name, kana, address, ward, area, type, features,
description) with a substring test, served by the pg_trgm index (facilities migration 0004).

The taxonomy (wards, areas, types, features) is read from the cache (`terms`, versioned by
`core.cache`): the form's choices and the result rows' labels cost no query.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from typing import NamedTuple

import django_filters
from django import forms
from django.conf import settings
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from core import cache as versioned
from core.text import search_terms

from .models import Area, FacilityType, Feature, Participation, TaxonomyTerm, Ward

PER_PAGE = 20


TAXONOMIES = (Ward, Area, FacilityType, Feature)


def taxonomy() -> dict[str, list[TaxonomyTerm]]:
    """Every taxonomy's terms in display order, by model label, from the cache (one entry, bumped on
    every term save or delete). Shared by every request of the process: do not modify the terms."""
    return versioned.get_or_build(
        versioned.TAXONOMY,
        ("all",),
        lambda: {
            model._meta.label_lower: list(model.objects.order_by("sort_order", "pk")) for model in TAXONOMIES
        },
        local=True,  # read five times a search page: kept unpickled in the process, per version
    )


def terms(model: type[TaxonomyTerm]) -> list[TaxonomyTerm]:
    return taxonomy()[model._meta.label_lower]


class TermChoices:
    """Choices of one taxonomy, read from the cache once per form (fields are copied for each form)."""

    def __init__(self, *, model: type[TaxonomyTerm], **kwargs) -> None:
        self.model = model
        self._terms: list[TaxonomyTerm] | None = None
        kwargs.pop("queryset", None)
        super().__init__(choices=self.term_choices, **kwargs)

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._terms = None
        return result

    @property
    def terms(self) -> list[TaxonomyTerm]:
        if self._terms is None:
            self._terms = terms(self.model)
        return self._terms

    def term_choices(self) -> list[tuple[str, str]]:
        return [(term.slug, term.display_name) for term in self.terms]

    def valid_value(self, value) -> bool:
        return any(term.slug == str(value) for term in self.terms)


class TermChoiceField(TermChoices, forms.ChoiceField):
    """A taxonomy term chosen by its slug; the cleaned value is the term (or None).

    Choices are labelled in the visitor's language when rendered.
    """

    default_error_messages = {
        "invalid_choice": forms.ModelChoiceField.default_error_messages["invalid_choice"]
    }

    def __init__(self, *, empty_label=None, **kwargs) -> None:
        self.empty_label = empty_label
        super().__init__(**kwargs)

    def term_choices(self) -> list[tuple[str, str]]:
        choices = super().term_choices()
        return [("", self.empty_label), *choices] if self.empty_label is not None else choices

    def clean(self, value):
        slug = super().clean(value)
        return next((term for term in self.terms if term.slug == slug), None) if slug else None


class TermMultipleChoiceField(TermChoices, forms.MultipleChoiceField):
    """Several terms chosen by slug; the cleaned value is the list of terms in display order."""

    def clean(self, value):
        slugs = set(super().clean(value))
        return [term for term in self.terms if term.slug in slugs]


class FlagCheckbox(forms.CheckboxInput):
    """`available=1` (also `true`, `on`, `yes`) ticks it; `0`, `false` or absent leaves it unticked."""

    def value_from_datadict(self, data, files, name) -> bool:
        return str(data.get(name, "")).strip().lower() in {"1", "true", "on", "yes"}


class TermFilter(django_filters.Filter):
    field_class = TermChoiceField


class TermMultipleFilter(django_filters.Filter):
    field_class = TermMultipleChoiceField


class FacilityGuideFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("キーワード"), method="filter_keywords", max_length=100)
    ward = TermFilter(label=_("区"), field_name="facility__ward", model=Ward, empty_label=_("すべての区"))
    area = TermFilter(
        label=_("エリア"), field_name="facility__area", model=Area, empty_label=_("すべてのエリア")
    )
    type = TermFilter(
        label=_("施設種別"),
        field_name="facility__facility_type",
        model=FacilityType,
        empty_label=_("すべての種別"),
    )
    feature = TermMultipleFilter(
        label=_("特徴"), model=Feature, method="filter_features", widget=forms.CheckboxSelectMultiple
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

    def __init__(self, data=None, *, campaign, **kwargs) -> None:
        """The filter over what the guide lists for `campaign` (published participants)."""
        self.campaign = campaign
        super().__init__(data, queryset=Participation.objects.listed(campaign), **kwargs)

    def filter_keywords(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word must occur in the search text: `LIKE '%word%'`, which the trigram index of
        migration 0004 serves for words of three or more characters.

        Counting the matches of a shorter word (秋保, 温泉, 泉) reads every search text; see
        migration 0008 for the gram index that was tried and why it is not used.
        """
        for word in search_terms(value):
            queryset = queryset.filter(facility__search_text__contains=word)
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
        """Filtered results in the chosen order, loading only the facility columns a row shows.

        Ward, area, type and features are attached from the cache by `with_terms`."""
        queryset = self.qs  # validates the form
        sort = getattr(self.form, "cleaned_data", {}).get("sort")
        order = ["facility__kana", "facility__name", "pk"]
        if sort == "area":
            order = ["facility__area__sort_order", *order]
        return queryset.select_related("facility").only(*LISTED_FIELDS).order_by(*order)

    @cached_property
    def results(self) -> list[ListedRow]:
        """Every result in display order, found in `listed_rows` of the round in this process.

        The guide page and the JSON API page these and read only the page's rows (`load_listed`; the
        guide only those whose card is not cached, see `guide_views.result_cards`). Building and
        running the SQL of `ordered` for one page was most of a search's time after the page cache
        (bench/load.py), and counting its matches made PostgreSQL test the search text of every
        listed facility (ホテル is in two of three). The rows apply the same cleaned values as the
        filters above in the database's own order; a test checks that both always agree, for every
        filter and both sorts.
        """
        self.is_valid()  # cleaned_data then holds the valid values only, as the filters apply them
        if self.campaign is None:
            return []
        data = getattr(self.form, "cleaned_data", {})
        listing = listed_rows(self.campaign)
        rows = listing.by_area if data.get("sort") == "area" else listing.by_name
        # One pass per condition, cheapest first: each keeps only what passes (a list comprehension per
        # condition costs a fraction of one generator testing every condition per row).
        for index, name in enumerate(("ward", "area", "type")):
            if (term := data.get(name)) is not None:
                pk = term.pk
                rows = [row for row in rows if row[index] == pk]
        if data.get("available"):
            rows = [row for row in rows if not row[SOLD_OUT]]
        if mask := feature_mask(data.get("feature") or ()):
            rows = [row for row in rows if row[FEATURES] & mask == mask]
        for word in search_terms(data.get("q")):
            rows = [row for row in rows if word in row[SEARCH_TEXT]]
        return rows


# What the guide's rows, the API and the CSV read of each result: not the description, booking notes
# and search text, which make up most of a facility row.
LISTED_FIELDS = [
    "campaign",
    "sold_out_at",
    "facility",
    "facility__code",
    "facility__name",
    "facility__kana",
    "facility__address",
    "facility__updated_at",
    "facility__ward",
    "facility__area",
    "facility__facility_type",
]


def with_terms(participations: Iterable[Participation]) -> list[Participation]:
    """Attach each row's ward, area and type from the cache and a `feature_list` (taxonomy order) read
    with one query for all rows.

    Reading features through `prefetch_related` goes via modelcluster's deferring manager, which cost
    more than the rest of an API page (bench/guide.py); joining the three small taxonomy tables to every
    row cost more Python than looking the terms up in the cached lists.
    """
    rows = list(participations)
    cached = taxonomy()
    wards, areas, types = (
        {term.pk: term for term in cached[model._meta.label_lower]} for model in TAXONOMIES[:3]
    )
    features = cached[Feature._meta.label_lower]
    position = {feature.pk: index for index, feature in enumerate(features)}
    by_facility: dict[int, list[int]] = defaultdict(list)
    links = Feature.facilities.through.objects.filter(facility_id__in=[row.facility_id for row in rows])
    for facility_id, feature_id in links.values_list("facility_id", "feature_id"):
        by_facility[facility_id].append(position[feature_id])
    for row in rows:
        facility = row.facility
        facility.ward, facility.area = wards[facility.ward_id], areas[facility.area_id]
        facility.facility_type = types[facility.facility_type_id]
        facility.feature_list = [features[index] for index in sorted(by_facility[row.facility_id])]
    return rows


class ListedRow(NamedTuple):
    """A listed facility as `FacilityGuideFilter.results` tests and the guide's card cache keys it.

    The filters read the first six items by index (`row[FEATURES]`): thousands of times per search."""

    ward: int
    area: int
    type: int
    features: int  # a bit per feature: 1 << feature.pk (ints unpickle far faster than frozensets)
    sold_out: bool
    search_text: str
    participation: int
    facility: int
    updated: str  # the facility's last edit (ISO text), part of its card's cache key


FEATURES, SOLD_OUT, SEARCH_TEXT = 3, 4, 5


def feature_mask(features: Iterable[Feature]) -> int:
    return sum(1 << feature.pk for feature in set(features))


class Listing:
    """The round's listed facilities in display order (kana, name, participation: the database's
    order of `FacilityGuideFilter.ordered`), and in area order, which is kept as positions: a second
    list of the same rows made unpickling several times slower."""

    def __init__(self, by_name: list[ListedRow], area_positions: array) -> None:
        self.by_name = by_name
        self.area_positions = area_positions

    def __getstate__(self) -> tuple[list[ListedRow], array]:
        return self.by_name, self.area_positions

    def __setstate__(self, state: tuple[list[ListedRow], array]) -> None:
        self.by_name, self.area_positions = state

    @cached_property
    def by_area(self) -> list[ListedRow]:
        """The area's sort order first, then as `by_name` (made once per process and version)."""
        return [self.by_name[position] for position in self.area_positions]


def listed_rows(campaign) -> Listing:
    """The round's listed facilities as `ListedRow`s, kept in the process under the `pages` version,
    which every change to a facility, its participation, its features or 販売終了 bumps, and for a
    minute at most (about 1 MB per 1,000 facilities, half that pickled in Redis; built again by one
    process after a change or a minute, about 0.1 s at 5,000, and read from the cache by the others
    in a few milliseconds).

    The order is the database's (its collation sorts the kana); the area order is a stable sort of it
    by the area's sort order, which is what `ORDER BY area.sort_order, kana, name, id` gives."""

    def build() -> Listing:
        through = Feature.facilities.through
        masks: dict[int, int] = defaultdict(int)
        listed = Participation.objects.listed(campaign)
        for facility_id, feature_id in through.objects.filter(
            facility__in=listed.values("facility_id")
        ).values_list("facility_id", "feature_id"):
            masks[facility_id] |= 1 << feature_id
        area_order: list[int] = []
        rows: list[ListedRow] = []
        # Whether sold out and the last edit as text: loading 10,000 datetimes was a third of the build.
        ordered = listed.order_by("facility__kana", "facility__name", "pk").annotate(
            is_sold_out=ExpressionWrapper(Q(sold_out_at__isnull=False), BooleanField()),
            updated=Cast("facility__updated_at", TextField()),
        )
        for values in ordered.values_list(
            "pk",
            "facility_id",
            "facility__ward_id",
            "facility__area_id",
            "facility__facility_type_id",
            "is_sold_out",
            "facility__search_text",
            "updated",
            "facility__area__sort_order",
        ):
            pk, facility, ward, area, facility_type, sold_out, text, updated, area_sort = values
            area_order.append(area_sort)
            rows.append(
                ListedRow(
                    ward,
                    area,
                    facility_type,
                    masks[facility],
                    sold_out,
                    text,
                    pk,
                    facility,
                    (updated or "-").replace(" ", "T"),  # a cache key part: no spaces
                )
            )
        positions = sorted(range(len(rows)), key=area_order.__getitem__)
        return Listing(rows, array("I", positions))

    return versioned.get_or_build(
        versioned.PAGES,
        ("listed-rows", campaign.pk),
        build,
        local=True,
        timeout=settings.PAGE_CACHE_LIVE_TIMEOUT,  # like the guide's cached pages: a change that
        # bypasses the version bump (a raw UPDATE) is searchable within a minute
    )


def load_listed(campaign, rows: Iterable[ListedRow]) -> list[Participation | None]:
    """The participations of `rows` (a page of results), in their order, with their terms
    (`with_terms`): two queries. None for a row that left the listing since it was read (the change
    bumped `pages`, so the next search no longer finds it)."""
    rows = list(rows)
    found = (
        Participation.objects.listed(campaign)
        .filter(pk__in=[row.participation for row in rows])
        .select_related("facility")
        .only(*LISTED_FIELDS)
    )
    by_pk = {participation.pk: participation for participation in with_terms(found)}
    return [by_pk.get(row.participation) for row in rows]


def guide_filter(data, campaign) -> FacilityGuideFilter:
    """The filter over what the guide lists for `campaign` (published participants)."""
    return FacilityGuideFilter(data, campaign=campaign)
