"""Indexes that let PostgreSQL count the guide's results from indexes alone (PostgreSQL only).

Every guide page and API page counts its matches ("N件の施設が見つかりました", `count`): the current
campaign's participations joined to the published facilities, filtered by ward, area, type and
features. A facility row is about 1 kB (description, booking notes, search text), so each of those
counts read the whole facility table, and each feature filter the feature rows' heap (bench/guide.py,
50,000 facilities: unfiltered count 90 ms, two features 170 ms).

- `facility_listed_filters`: the published facilities' ids with the ward, area and type columns
  (2.4 MB at 50,000), so those counts are index-only scans;
- `facility_features_by_feature`: (feature, facility) on the features table, so each feature of the
  guide's `EXISTS` filter (facilities.search) is one index-only range already in facility order, and
  several features are merge-joined.

Together: unfiltered count about 35 ms, two features about 40–60 ms. Keyword counts still read
`search_text` or the trigram index of 0004. Like that index these are created in SQL and not declared
on the models (the features table is the ParentalManyToManyField's own), and SQLite, used for local
development only, does not get them.
"""

from django.db import migrations

INDEXES = {
    "facility_listed_filters": (
        "ON facilities_facility (id) INCLUDE (ward_id, area_id, facility_type_id) WHERE is_published"
    ),
    "facility_features_by_feature": "ON facilities_facility_features (feature_id, facility_id)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("facilities", "0005_facility_guide_page")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
