"""An exact index for keywords of one or two characters (PostgreSQL only).

pg_trgm (migration 0004) answers `search_text LIKE '%word%'` from its index only for words of three
or more characters; 秋保, 温泉, 仙台 and most Japanese place words are shorter, and counting their
matches read every facility's search text (bench/guide.py: 100–250 ms at 50,000 facilities).
pg_bigm is not available. `facility_search_grams(text)` returns the distinct characters and pairs
of adjacent characters of a text; a word of one or two characters is a substring of the text exactly
when it is an element of that array, so the GIN index on it answers
`facility_search_grams(search_text) @> ARRAY['秋保']` without reading the table or rechecking
(facilities.search.keyword_filter uses it to count). The function is IMMUTABLE (it only reads its
argument) and declared expensive so that the planner never evaluates it row by row but uses the
index. SQLite, used for local development only, keeps matching with LIKE.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION facility_search_grams(value text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT coalesce(array_agg(DISTINCT gram), '{}')
    FROM (
        SELECT substr(value, position, 1) AS gram FROM generate_series(1, char_length(value)) AS position
        UNION ALL
        SELECT substr(value, position, 2) FROM generate_series(1, char_length(value) - 1) AS position
    ) AS grams
$$
"""
INDEX = "facility_search_grams"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON facilities_facility "
            "USING gin (facility_search_grams(search_text))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute("DROP FUNCTION IF EXISTS facility_search_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("facilities", "0007_facility_business")]

    operations = [migrations.RunPython(create, drop)]
