"""No index for keywords of one or two characters: why, and the clean-up of the one that was tried.

pg_trgm (migration 0004) answers `search_text LIKE '%word%'` from its index only for words of three
or more characters; 秋保, 温泉, 仙台 and most Japanese place words are shorter, so counting their
matches reads every facility's search text (about 2 µs a row: 10–15 ms at 5,000 facilities,
100–150 ms at 50,000; bench/README.md). pg_bigm, the usual answer, is not available.

The first version of this migration created `facility_search_grams(text)`, the set of every
character and every pair of adjacent characters of a text, and a GIN index on
`facility_search_grams(search_text)`; a word of one or two characters is in that set exactly when
it is a substring, so the index answered such counts exactly. It was withdrawn after measuring:

- PostgreSQL charges an indexed expression for every row a bitmap scan returns, so with a second
  keyword (`ホテル 仙台`: 仙台 is in every address) it preferred the trigram index of the other word
  and evaluated the function row by row as a filter: about 1 ms a row, 3.4 s for 3,241 rows at 5,000
  facilities. No declared cost keeps the planner away from that plan in every query.
- A stored array column of the same grams is cheap to index but costs about 30 µs a row to test,
  more than the `LIKE` it would replace, and 5 ms a row to compute on every insert.

So the guide keeps `LIKE` for short words (identical results, no extra write cost), and this
migration only removes the function and index from databases that applied its first version.
Other migrations depend on this one by name, so it stays.
"""

from django.db import migrations


def drop_grams(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS facility_search_grams")
        schema_editor.execute("DROP FUNCTION IF EXISTS facility_search_grams(text)")


class Migration(migrations.Migration):
    dependencies = [("facilities", "0007_facility_business")]

    operations = [migrations.RunPython(drop_grams, migrations.RunPython.noop)]
