"""The public facility guide: keyword and filters, results, detail, 販売終了 and the open-data API."""

import csv
import datetime
import io
import itertools
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from facilities.models import Facility, Feature, Ward
from facilities.search import guide_filter
from facilities.services import mark_sold_out, resume_sales

from .factories import CampaignFactory, FacilityFactory, ParticipationFactory, delete_all_campaigns

pytestmark = pytest.mark.django_db

GUIDE = "/facilities/"
_unique = itertools.count()


@pytest.fixture
def campaign(seeded):
    """The only round, running today, with no facilities yet (demo rounds removed in this test)."""
    delete_all_campaigns()
    return CampaignFactory(slug="guide-test")


def take_part(campaign, sold_out=False, **kwargs):
    participation = ParticipationFactory(facility=FacilityFactory(**kwargs), campaign=campaign)
    if sold_out:
        mark_sold_out(participation, None)
    return participation


@pytest.fixture
def sample(campaign):
    return {
        "akiu": take_part(
            campaign,
            code="A1",
            name="秋保温泉 湯の森",
            kana="アキウオンセンユノモリ",
            type_slug="ryokan",
            ward_slug="taihaku",
            area_slug="akiu-onsen",
            address="仙台市太白区秋保町湯元1",
            feature_slugs=["onsen", "parking"],
        ),
        "station": take_part(
            campaign,
            code="S1",
            name="ホテル仙台駅前",
            kana="ホテルセンダイエキマエ",
            ward_slug="aoba",
            area_slug="sendai-station",
            address="仙台市青葉区中央1-1",
            feature_slugs=["near-station", "wifi"],
        ),
        "izumi": take_part(
            campaign,
            code="I1",
            name="泉パークホテル",
            kana="イズミパークホテル",
            ward_slug="izumi",
            area_slug="izumi-chuo",
            address="仙台市泉区寺岡6-1",
            feature_slugs=["parking", "wifi"],
            sold_out=True,
        ),
    }


def shown(response) -> list[Facility]:
    """The facilities of the page of results, in order (the page holds `ListedRow`s)."""
    assert response.status_code == 200
    rows = response.context["results"].object_list
    by_pk = Facility.objects.in_bulk([row.facility for row in rows])
    return [by_pk[row.facility] for row in rows]


def names(client, query=""):
    return {facility.name for facility in shown(client.get(GUIDE + query))}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=秋保", {"秋保温泉 湯の森"}),
        ("q=温泉", {"秋保温泉 湯の森"}),  # two characters, inside a word
        ("q=ｱｷｳ", {"秋保温泉 湯の森"}),  # half-width katakana finds the kana
        ("q=あきう", {"秋保温泉 湯の森"}),  # hiragana finds katakana
        ("q=ＨＯＴＥＬ", {"ホテル仙台駅前", "泉パークホテル"}),  # full-width latin folds; type "Hotel"
        ("q=ホテル　泉", {"泉パークホテル"}),  # ideographic space, both words must match
        ("q=  ほてる   仙台駅 ", {"ホテル仙台駅前"}),
        ("q=青葉区", {"ホテル仙台駅前"}),  # ward name
        ("q=wi-fi", {"ホテル仙台駅前", "泉パークホテル"}),  # feature name
        ("q=Akiu", {"秋保温泉 湯の森"}),  # English area name, any case
        ("q=寺岡", {"泉パークホテル"}),  # address
        ("q=存在しない施設", set()),
    ],
)
def test_keyword_search(client, sample, query, expected):
    assert names(client, "?" + query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ward=taihaku", {"秋保温泉 湯の森"}),
        ("area=izumi-chuo", {"泉パークホテル"}),
        ("type=ryokan", {"秋保温泉 湯の森"}),
        ("feature=parking", {"秋保温泉 湯の森", "泉パークホテル"}),
        ("feature=parking&feature=wifi", {"泉パークホテル"}),  # all features must match
        ("available=1", {"秋保温泉 湯の森", "ホテル仙台駅前"}),
        ("feature=wifi&available=1", {"ホテル仙台駅前"}),
        ("q=ホテル&ward=izumi", {"泉パークホテル"}),
        ("q=ホテル&area=akiu-onsen", set()),
    ],
)
def test_filters_alone_and_combined(client, sample, query, expected):
    assert names(client, "?" + query) == expected


@pytest.mark.parametrize(
    "query", ["ward=nowhere", "feature=spaceport", "sort=price", "page=abc", "available=0", "available=false"]
)
def test_unknown_values_are_reported_and_ignored(client, sample, query):
    response = client.get(GUIDE + "?" + query)
    assert response.status_code == 200
    assert len(response.context["results"].object_list) == 3


def test_kana_order_by_default_and_area_order(client, sample):
    response = client.get(GUIDE)
    assert [facility.code for facility in shown(response)] == ["A1", "I1", "S1"]
    response = client.get(GUIDE + "?sort=area")
    assert [facility.code for facility in shown(response)] == ["S1", "A1", "I1"]


def test_pagination_twenty_a_page_keeps_the_filters(client, campaign):
    for number in range(45):
        take_part(campaign, code=f"P{number:02d}", kana=f"ア{number:02d}", feature_slugs=["wifi"])
    first = client.get(GUIDE + "?feature=wifi")
    assert len(first.context["results"].object_list) == 20
    assert "feature=wifi&amp;page=2" in first.content.decode()
    third = client.get(GUIDE + "?feature=wifi&page=3")
    assert len(third.context["results"].object_list) == 5
    assert client.get(GUIDE + "?page=99").context["results"].number == 3


def test_result_count_and_sold_out_badge(client, sample):
    body = client.get(GUIDE).content.decode()
    assert "3件の施設が見つかりました" in body
    assert body.count('class="badge badge--sold-out"') == 1


def test_empty_state_offers_to_remove_each_filter(client, sample):
    body = client.get(GUIDE + "?q=存在しない&ward=aoba").content.decode()
    assert "条件に合う施設が見つかりませんでした" in body
    assert "キーワード「存在しない」を外す" in body and "区「青葉区」を外す" in body
    assert 'href="/facilities/?ward=aoba"' in body  # removing the keyword keeps the ward


def test_unpublished_and_other_rounds_are_not_listed(client, sample, campaign):
    hidden = take_part(campaign, code="H1", name="非公開ホテル")
    hidden.facility.is_published = False
    hidden.facility.save()
    old_round = CampaignFactory(
        slug="old", stay_start=datetime.date(2020, 5, 1), stay_end=datetime.date(2020, 6, 30)
    )
    ParticipationFactory(facility=FacilityFactory(code="O1", name="別の回のホテル"), campaign=old_round)
    listed = names(client)
    assert "非公開ホテル" not in listed and "別の回のホテル" not in listed
    assert client.get(GUIDE + "H1/").status_code == 404
    assert client.get(GUIDE + "O1/").status_code == 404


def test_detail_page(client, sample, campaign):
    neighbour = take_part(campaign, code="A2", name="秋保の宿", area_slug="akiu-onsen")
    response = client.get(GUIDE + "A1/")
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "秋保温泉 湯の森" in body and "アキウオンセンユノモリ" in body and "仙台市太白区秋保町湯元1" in body
    )
    assert "https://www.google.com/maps/search/?api=1&amp;query=" in body
    assert neighbour.facility.name in body  # other facilities in the area
    assert "パンくずリスト" in body and 'aria-current="page">秋保温泉 湯の森<' in body
    assert 'href="/en/facilities/A1/"' in body  # language switcher keeps the facility


def test_sold_out_on_detail_and_on_the_sold_out_list(client, sample):
    body = client.get(GUIDE + "I1/").content.decode()
    assert "この施設のキャンペーン割引の販売は終了しました" in body
    body = client.get(GUIDE + "sold-out/").content.decode()
    assert "泉パークホテル" in body and "秋保温泉 湯の森" not in body
    sold_out_at = sample["izumi"].sold_out_at
    assert f"{sold_out_at.year}年" in body


def test_sold_out_list_empty_state(client, campaign):
    assert "現在、販売を終了した施設はありません" in client.get(GUIDE + "sold-out/").content.decode()


def test_guide_without_a_campaign(client, seeded):
    delete_all_campaigns()
    response = client.get(GUIDE)
    assert response.status_code == 200
    assert "参加施設は、キャンペーンの開始前にこのページでご案内します" in response.content.decode()


def test_english_guide(client, sample):
    body = client.get("/en/facilities/?q=akiu").content.decode()
    assert "秋保温泉 湯の森" in body and 'lang="en"' in body
    assert client.get("/en/facilities/A1/").status_code == 200


def test_constant_number_of_queries(client, campaign):
    """As many queries for one result as for a full page, with the cache of the site chrome, the
    taxonomy, the routing, the listing and the cards (core/cache.py) empty or filled; filled, none."""

    def count(path, *, cached):
        assert client.get(path).status_code == 200  # fills the cache (and Django's own, e.g. content types)
        if not cached:
            cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    take_part(campaign, code="C0", feature_slugs=["wifi", "onsen"])
    one = {cached: count(GUIDE + "?feature=wifi", cached=cached) for cached in (False, True)}
    for number in range(1, 30):
        take_part(campaign, code=f"C{number}", feature_slugs=["wifi", "onsen", "parking"])
    many = {cached: count(GUIDE + "?feature=wifi", cached=cached) for cached in (False, True)}
    assert many == one, f"{one} queries for 1 result but {many} for a full page (uncached, cached)"
    assert many[True] == 0, "routing, campaign, listing and cards cached: the search queries nothing"
    assert many[False] <= 60, "an empty cache costs the chrome's and the taxonomy's queries once"


def test_api_constant_number_of_queries(client, campaign):
    def count(path):
        client.get(path)  # fills the cache of the taxonomy and the guide's URL
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        return len(queries)

    take_part(campaign, code="C0", feature_slugs=["wifi"])
    one = count("/api/facilities/?feature=wifi&q=c")
    for number in range(1, 30):
        take_part(campaign, code=f"C{number}", feature_slugs=["wifi", "parking"])
    many = count("/api/facilities/?feature=wifi&q=c")
    assert many == one <= 4, f"{one} queries for 1 result, {many} for 30: campaign, count, rows, features"


def test_api_json_fields_and_filters(client, sample):
    response = client.get("/api/facilities/?feature=wifi")
    assert response.status_code == 200
    assert "s-maxage" in response["Cache-Control"] and response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["count"] == 2 and data["next"] is None
    row = next(r for r in data["results"] if r["code"] == "I1")
    assert set(row) == {
        "code",
        "name",
        "kana",
        "type",
        "ward",
        "area",
        "address",
        "features",
        "sold_out",
        "url",
        "updated_at",
    }
    assert row["ward"] == "izumi" and row["area"] == "izumi-chuo" and row["type"] == "hotel"
    assert sorted(row["features"]) == ["parking", "wifi"] and row["sold_out"] is True
    assert row["url"] == "http://testserver/facilities/I1/"


def test_api_rejects_unknown_filter_values(client, sample):
    response = client.get("/api/facilities/?ward=nowhere")
    assert response.status_code == 400 and "ward" in response.json()["errors"]
    assert client.get("/api/facilities.csv?area=moon").status_code == 400


def test_api_paginates_by_a_hundred(client, campaign):
    for number in range(105):
        take_part(campaign, code=f"Q{number:03d}")
    data = client.get("/api/facilities/").json()
    assert data["count"] == 105 and len(data["results"]) == 100 and data["next"].endswith("page=2")
    assert len(client.get("/api/facilities/?page=2").json()["results"]) == 5


def test_api_csv_opens_in_excel(client, sample):
    response = client.get("/api/facilities.csv?available=1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(content.lstrip("\ufeff"))))
    assert {row["code"] for row in rows} == {"A1", "S1"}
    akiu = next(row for row in rows if row["code"] == "A1")
    assert akiu["features"] == "onsen parking" and akiu["sold_out"] == "0"


def test_removing_one_feature_keeps_the_others(client, sample):
    body = client.get(GUIDE + "?feature=parking&feature=wifi&q=zzz").content.decode()
    assert "特徴「駐車場」を外す" in body and "特徴「Wi-Fi」を外す" in body
    assert 'href="/facilities/?feature=wifi&amp;q=zzz"' in body
    assert 'href="/facilities/?feature=parking&amp;feature=wifi"' in body


# --- The results (FacilityGuideFilter.results over facilities.search.listed_rows) -------------------

TOO_LONG = "q=" + "x" * 101  # reported and ignored
COUNTED_QUERIES = [
    "&".join(part for part in parts if part)
    for parts in itertools.product(
        [
            "",
            "q=ホテル",
            "q=ほてる 泉",
            "q=ＨＯＴＥＬ",
            "q=秋保",
            "q=wi-fi",
            "q=存在しない",
            "q=" + "x" * 101,
        ],
        ["", "ward=aoba", "ward=izumi", "ward=nowhere"],
        ["", "type=ryokan", "area=akiu-onsen"],
        ["", "feature=wifi", "feature=wifi&feature=parking", "feature=spaceport"],
        ["", "available=1"],
    )
]


def database_count(campaign, query: str) -> int:
    return guide_filter(QueryDict(query), campaign).qs.count()


def shown_count(client, query: str = "") -> int:
    body = client.get(f"{GUIDE}?{query}&n={next(_unique)}").content.decode()  # never a page-cache hit
    return int(re.search(r"([\d,]+)件の施設が見つかりました", body).group(1).replace(",", ""))


def test_the_results_agree_with_the_database_for_every_combination(sample, campaign):
    """`results` (the rows kept in the process) finds what the filters' SQL finds, in its order."""
    take_part(campaign, code="H1", name="非公開ホテル").facility.__class__.objects.filter(code="H1").update(
        is_published=False
    )
    take_part(CampaignFactory(slug="guide-other"), code="O1", name="別の回のホテル")
    # Ties the order must break as the database does: the same kana, then the same name too.
    take_part(campaign, code="T1", name="同名ホテル", kana="アキウ", area_slug="akiu-onsen")
    take_part(campaign, code="T2", name="同名ホテル", kana="アキウ", area_slug="izumi-chuo")
    take_part(campaign, code="T3", name="あ同名ホテル", kana="アキウ", area_slug="akiu-onsen", sold_out=True)
    for query in COUNTED_QUERIES:
        for sort in ("sort=kana", "sort=area"):
            filterset = guide_filter(QueryDict(f"{query}&{sort}"), campaign)
            in_database = list(filterset.ordered().values_list("pk", flat=True))
            assert [row.participation for row in filterset.results] == in_database, (query, sort)
            assert len(filterset.results) == len(in_database) == database_count(campaign, query), query


def test_the_count_follows_every_change(client, sample, campaign):
    assert shown_count(client, "q=ホテル") == 2
    take_part(campaign, code="N1", name="新しいホテル", feature_slugs=["wifi"])
    assert shown_count(client, "q=ホテル") == 3
    assert shown_count(client, "q=ホテル&available=1") == 2
    mark_sold_out(sample["station"], None)
    assert shown_count(client, "q=ホテル&available=1") == 1
    resume_sales(sample["station"])
    assert shown_count(client, "q=ホテル&available=1") == 2
    facility = sample["station"].facility
    facility.features.set(Feature.objects.filter(slug="parking"))
    facility.save()
    assert shown_count(client, "feature=wifi") == 2  # 泉パークホテル, 新しいホテル
    facility.is_published = False
    facility.save()
    assert shown_count(client, "q=ホテル") == 2
    ward = Ward.objects.get(slug="izumi")
    ward.name = "泉区（改称試験）"
    ward.save()
    assert shown_count(client, "q=改称試験") == 1
    sample["akiu"].delete()
    assert shown_count(client) == 2
    for query in ("q=ホテル", "feature=wifi", "q=改称試験", ""):
        assert shown_count(client, query) == database_count(campaign, query)


def test_the_search_page_counts_without_the_database(client, sample):
    client.get(GUIDE + "?q=ホテル&ward=izumi")  # the rows of the round are read once per change
    with CaptureQueriesContext(connection) as queries:
        assert shown_count(client, "q=ホテル&ward=izumi") == 1
    assert not any("COUNT(" in query["sql"] for query in queries)


# --- The search form (facilities/templatetags/guide_form.py) -----------------------------------------


def select_of(body: str, name: str) -> str:
    start = body.index(f'<select name="{name}"')
    return body[start : body.index("</select>", start)]


def test_the_form_keeps_the_chosen_values(client, sample):
    body = client.get(
        GUIDE + "?ward=aoba&type=ryokan&feature=wifi&feature=parking&sort=area"
    ).content.decode()
    assert '<option value="aoba" selected>' in select_of(body, "ward")
    assert '<option value="ryokan" selected>' in select_of(body, "type")
    assert '<option value="area" selected>' in select_of(body, "sort")
    assert '<option value="" selected>' in select_of(body, "area")  # nothing chosen: the empty choice
    assert " selected" not in select_of(body, "ward").replace('value="aoba" selected', "")
    checked = re.findall(
        r'<input type="checkbox" name="feature" value="([\w-]+)" id="id_feature_\d+" checked>', body
    )
    assert sorted(checked) == ["parking", "wifi"]
    assert 'aria-invalid="true"' not in body


def test_an_unknown_value_selects_nothing_and_points_to_its_message(client, sample):
    body = client.get(GUIDE + "?ward=nowhere&feature=spaceport").content.decode()
    ward = select_of(body, "ward")
    assert 'aria-invalid="true" aria-describedby="id_ward-error"' in ward and " selected" not in ward
    assert 'id="id_ward-error"' in body
    assert re.search(r'name="feature" value="wifi" id="id_feature_\d+" aria-invalid="true">', body)


def test_an_unknown_sort_order_points_to_its_message(client, sample):
    """A stale bookmark's sort order is ignored, and the select's aria-describedby finds its message."""
    body = client.get(GUIDE + "?sort=price").content.decode()
    assert 'aria-describedby="id_sort-error"' in select_of(body, "sort")
    assert 'id="id_sort-error"' in body and "選択肢にない値は無視しました。" in body


def test_the_form_escapes_what_it_writes(client, sample):
    Ward.objects.filter(slug="aoba").update(name="青葉区<script>")
    cache.clear()
    body = client.get(GUIDE + '?q="><b>&ward=aoba').content.decode()
    assert "<script>" not in body and "青葉区&lt;script&gt;" in select_of(body, "ward")
    assert 'value="&quot;&gt;&lt;b&gt;"' in body
