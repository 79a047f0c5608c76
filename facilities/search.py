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

from collections import defaultdict
from collections.abc import Iterable

import django_filters
from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, QuerySet
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

    def paginator(self, per_page: int) -> Paginator:
        """Pages of `ordered`, counted by `count` rather than by `COUNT(*)`."""
        paginator = Paginator(self.ordered(), per_page)
        paginator.count = self.count()  # sets the cached_property
        return paginator

    def count(self) -> int:
        """How many results there are, counted over `listed_rows` of the round in this process.

        The page of results is read from the database (the kana index finds it in about a millisecond),
        but counting them read every match: a common word (ホテル is in two of three facilities)
        made PostgreSQL test the search text of every listed facility, most of a search's database
        time (bench/load.py). The rows apply the same cleaned values as the filters above; a test
        checks that both always agree.
        """
        self.is_valid()  # cleaned_data then holds the valid values only, as the filters apply them
        if self.campaign is None:
            return 0
        data = getattr(self.form, "cleaned_data", {})
        rows = listed_rows(self.campaign)
        # One pass per condition, cheapest first: each keeps only what passes (a list comprehension per
        # condition costs a fraction of one generator testing every condition per row).
        for index, name in enumerate(("ward", "area", "type")):
            if (term := data.get(name)) is not None:
                pk = term.pk
                rows = [row for row in rows if row[index] == pk]
        if data.get("available"):
            rows = [row for row in rows if not row[SOLD_OUT]]
        if features := frozenset(feature.pk for feature in data.get("feature") or ()):
            rows = [row for row in rows if features <= row[FEATURES]]
        for word in search_terms(data.get("q")):
            rows = [row for row in rows if word in row[SEARCH_TEXT]]
        return len(rows)


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


# A listed facility as `FacilityGuideFilter.count` tests it: (ward id, area id, type id, feature ids,
# sold out, search text). A plain tuple: its items are read by index thousands of times per search.
ListedRow = tuple[int, int, int, frozenset[int], bool, str]
FEATURES, SOLD_OUT, SEARCH_TEXT = 3, 4, 5


def listed_rows(campaign) -> list[ListedRow]:
    """The round's listed facilities as `ListedRow` tuples, kept in the process under the `pages` version,
    which every change to a facility, its participation, its features or 販売終了 bumps (about
    1 MB per 1,000 facilities; built again by the first search after a change, about 0.35 s at 5,000,
    and read from the cache by the other processes)."""

    def build() -> list[ListedRow]:
        through = Feature.facilities.through
        features: dict[int, set[int]] = defaultdict(set)
        listed = Participation.objects.listed(campaign)
        for facility_id, feature_id in through.objects.filter(
            facility__in=listed.values("facility_id")
        ).values_list("facility_id", "feature_id"):
            features[facility_id].add(feature_id)
        return [
            (ward, area, facility_type, frozenset(features[facility]), sold_out_at is not None, text)
            for facility, ward, area, facility_type, sold_out_at, text in listed.values_list(
                "facility_id",
                "facility__ward_id",
                "facility__area_id",
                "facility__facility_type_id",
                "sold_out_at",
                "facility__search_text",
            )
        ]

    return versioned.get_or_build(versioned.PAGES, ("listed-rows", campaign.pk), build, local=True)


def guide_filter(data, campaign) -> FacilityGuideFilter:
    """The filter over what the guide lists for `campaign` (published participants)."""
    return FacilityGuideFilter(data, campaign=campaign)
