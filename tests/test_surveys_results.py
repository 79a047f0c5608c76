"""アンケート集計: figures on a known small data set (counts, % of the base, rating mean, free text),
versions with a question removed and one added, the day series, channels, cross-tabs, filters, and
the Excel of answers (labels, 0/1 columns, no lottery entry data)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from surveys.blocks import question_data
from surveys.export import answers_filename, write_answers
from surveys.models import LotteryEntry, Response
from surveys.results import Filters, cross_tabulate, survey_results
from surveys.versions import current_version

from .factories import FacilityFactory, SurveyFactory

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def keys_of(version) -> dict[str, dict]:
    """The schema's questions by type (the factory has one of each)."""
    return {q["type"]: q for q in version.schema["questions"]}


def respond(survey, version, answers, *, at=None, source="web", language="ja", facility=None) -> Response:
    return Response.objects.create(
        survey=survey,
        version=version,
        answers=answers,
        submitted_at=at or tokyo(2025, 7, 1, 12, 0),
        source=source,
        language=language,
        facility=facility,
    )


@pytest.fixture
def survey():
    return SurveyFactory()


@pytest.fixture
def three(survey):
    """Three responses: two from 宮城県, one from 東京都, with the answer formats of `questions.py`."""
    version = current_version(survey)
    q = keys_of(version)
    purpose = [c["key"] for c in q["single_choice"]["choices"]]
    places = [c["key"] for c in q["multiple_choice"]["choices"]]

    def answers(pref, age, goal, visited, rating, comment):
        return {
            q["prefecture"]["key"]: pref,
            q["age_group"]["key"]: age,
            q["single_choice"]["key"]: goal,
            q["multiple_choice"]["key"]: visited,
            q["rating"]["key"]: rating,
            q["free_text"]["key"]: comment,
        }

    respond(
        survey,
        version,
        answers("04", "30s", purpose[0], [places[0], places[1]], 5, "とても良かった"),
        at=tokyo(2025, 7, 1, 0, 10),
        source="link",
    )
    respond(
        survey, version, answers("04", "40s", purpose[1], [places[0]], 4, ""), at=tokyo(2025, 7, 1, 23, 50)
    )
    respond(survey, version, answers("13", "30s", purpose[0], [], 3, "駅から近い"),
            at=tokyo(2025, 7, 3, 9, 0), language="en")  # fmt: skip
    return q


def by_type(results, kind):
    return next(question for question in results.questions if question.kind == kind)


def test_counts_percentages_of_the_base_and_the_rating_mean(survey, three):
    results = survey_results(survey)
    assert results.total == 3

    purpose = by_type(results, "single_choice")
    assert [(o.label, o.count, o.percent) for o in purpose.options] == [
        ("観光", 2, Decimal("66.7")),
        ("仕事", 1, Decimal("33.3")),
        ("帰省", 0, Decimal("0.0")),
    ]
    assert (purpose.asked, purpose.answered, purpose.unanswered) == (3, 3, 0)

    places = by_type(results, "multiple_choice")
    assert [(o.label, o.count, o.percent) for o in places.options] == [
        ("青葉城址", 2, Decimal("66.7")),
        ("定禅寺通", 1, Decimal("33.3")),
        ("秋保温泉", 0, Decimal("0.0")),
    ]
    assert places.answered == 2 and places.unanswered == 1 and places.unanswered_percent == Decimal("33.3")
    assert places.is_multiple

    rating = by_type(results, "rating")
    assert [(o.key, o.count) for o in rating.options] == [("1", 0), ("2", 0), ("3", 1), ("4", 1), ("5", 1)]
    assert rating.mean == Decimal("4.00")

    prefecture = by_type(results, "prefecture")
    assert [(o.label, o.count, o.percent) for o in prefecture.shown_options] == [
        ("宮城県", 2, Decimal("66.7")),
        ("東京都", 1, Decimal("33.3")),
    ]
    assert len(prefecture.options) == 48  # 47 prefectures and 海外, zero rows left out of tables

    comments = by_type(results, "free_text")
    assert comments.answered == 2
    assert [c.text for c in comments.comments] == ["駅から近い", "とても良かった"]  # newest first
    assert not by_type(results, "facility").answered


def test_half_up_rounding_and_unknown_keys_are_counted_under_their_key(survey):
    version = current_version(survey)
    q = keys_of(version)
    for value in ["04", "04", "04", "04", "04", "04", "04", "zz"]:  # 7/8 = 87.5 %, 1/8 = 12.5 %
        respond(survey, version, {q["prefecture"]["key"]: value})
    prefecture = by_type(survey_results(survey), "prefecture")
    assert [(o.label, o.count, o.percent) for o in prefecture.shown_options] == [
        ("宮城県", 7, Decimal("87.5")),
        ("zz", 1, Decimal("12.5")),
    ]


def test_questions_are_counted_over_the_versions_that_asked_them(survey):
    first = current_version(survey)
    q = keys_of(first)
    respond(survey, first, {q["rating"]["key"]: 5, q["age_group"]["key"]: "20s"})
    respond(survey, first, {q["rating"]["key"]: 3, q["age_group"]["key"]: "20s"})
    # A question removed and one added after answers exist: the survey gets a second version.
    stream = [block for block in survey.questions.raw_data if block["type"] != "rating"]
    stream.append(question_data("single_choice", "同行者", choices=["ひとり", "家族"]))
    survey.questions = stream
    survey.save()
    second = current_version(survey)
    assert second.number == 2
    companion = next(x for x in second.schema["questions"] if x["label"] == "同行者")
    respond(survey, second, {companion["key"]: companion["choices"][1]["key"], q["age_group"]["key"]: "30s"})

    results = survey_results(survey)
    assert results.total == 3 and [v.count for v in results.versions] == [2, 1]
    rating = by_type(results, "rating")
    assert (rating.asked, rating.answered, rating.is_partial) == (2, 2, True)
    assert rating.mean == Decimal("4.00") and rating.options[4].percent == Decimal("50.0")
    new = results.question(companion["key"])
    assert (new.asked, new.answered) == (1, 1) and new.options[1].percent == Decimal("100.0")
    age = by_type(results, "age_group")
    assert (age.asked, age.is_partial) == (3, False)
    # Newest version first in schema order; the removed question comes after its questions.
    assert results.questions[-1].key == q["rating"]["key"]

    only_second = survey_results(survey, Filters(version=2))
    assert only_second.total == 1
    assert only_second.question(q["rating"]["key"]) is None


def test_day_series_channels_and_languages_in_japan_time(survey, three):
    results = survey_results(survey)
    assert [(d.day, d.count, d.cumulative) for d in results.by_day] == [
        (datetime.date(2025, 7, 1), 2, 2),  # 00:10 JST is still 30 June in UTC
        (datetime.date(2025, 7, 2), 0, 2),
        (datetime.date(2025, 7, 3), 1, 3),
    ]
    assert [(o.key, o.count, o.percent) for o in results.by_source] == [
        ("link", 1, Decimal("33.3")),
        ("web", 2, Decimal("66.7")),
    ]
    assert [(o.label, o.count) for o in results.by_language] == [("日本語", 2), ("英語", 1)]
    assert results.first_at == tokyo(2025, 7, 1, 0, 10)


def test_filters_by_date_and_facility(survey, three):
    assert survey_results(survey, Filters(start=datetime.date(2025, 7, 2))).total == 1
    assert survey_results(survey, Filters(end=datetime.date(2025, 7, 1))).total == 2
    facility = FacilityFactory(code="S-1")
    respond(survey, current_version(survey), {}, facility=facility)
    assert survey_results(survey, Filters(facility="S-1")).total == 1


def test_cross_tab_counts_row_percentages_and_totals(survey, three):
    q = three
    respond(survey, current_version(survey), {q["age_group"]["key"]: "30s"})  # answered only one of them
    table = cross_tabulate(survey, q["age_group"]["key"], q["single_choice"]["key"])
    assert table.total == 3
    assert [c.label for c in table.columns] == ["観光", "仕事", "帰省"]
    assert [c.count for c in table.columns] == [2, 1, 0]
    rows = {row.label: row for row in table.rows}
    assert rows["30代"].total == 2 and [(c.count, c.percent) for c in rows["30代"].cells] == [
        (2, Decimal("100.0")),
        (0, Decimal("0.0")),
        (0, Decimal("0.0")),
    ]
    assert rows["40代"].total == 1 and rows["40代"].cells[1].count == 1
    assert rows["20代"].total == 0 and rows["20代"].cells[0].percent is None


def test_cross_tab_with_a_multiple_choice_counts_each_choice_once(survey, three):
    q = three
    table = cross_tabulate(survey, q["prefecture"]["key"], q["multiple_choice"]["key"])
    assert table.multiple and table.total == 2  # the third response chose no place
    assert [row.label for row in table.rows] == ["宮城県"]  # prefectures nobody chose are left out
    assert [c.count for c in table.rows[0].cells] == [2, 1, 0]
    assert table.rows[0].total == 2
    assert cross_tabulate(survey, q["prefecture"]["key"], q["free_text"]["key"]) is None
    assert cross_tabulate(survey, q["prefecture"]["key"], q["prefecture"]["key"]) is None


def test_cross_tab_groups_small_rows_into_other(survey, three):
    q = three
    table = cross_tabulate(survey, q["prefecture"]["key"], q["age_group"]["key"], max_rows=1)
    assert table is not None
    version = current_version(survey)
    respond(survey, version, {q["prefecture"]["key"]: "01", q["age_group"]["key"]: "20s"})
    table = cross_tabulate(survey, q["prefecture"]["key"], q["age_group"]["key"], max_rows=1)
    assert [(row.label, row.total) for row in table.rows] == [("宮城県", 2), ("その他", 2)]
    assert [c.count for c in table.columns] == [0, 1, 2, 1, 0, 0, 0]  # every age group, in order


def test_results_in_one_pass_include_requested_cross_tabs(survey, three):
    q = three
    results = survey_results(
        survey, crosstabs=[(q["age_group"]["key"], q["rating"]["key"], None, None), ("nope", "x", None, None)]
    )
    assert len(results.crosstabs) == 1
    assert results.crosstabs[0].total == 3


def test_excel_has_one_row_per_response_with_labels_and_no_lottery_data(survey, three):
    q = three
    LotteryEntry.objects.create(
        survey=survey,
        number=1,
        name="山田太郎",
        postal_code="980-0001",
        address="仙台市青葉区中央1-1",
        phone="022-000-0000",
        email="taro@example.jp",
        email_key="taro@example.jp",
    )
    respond(survey, current_version(survey), {q["free_text"]["key"]: "=1+1"}, at=tokyo(2025, 7, 4, 8, 0))
    buffer = io.BytesIO()
    count = write_answers(survey, buffer, choice_flags=True)
    assert count == 4
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook["回答"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:7] == ("回答ID", "回答日時", "版", "回答言語", "回答経路", "施設コード", "施設名")
    assert "Q3 お住まいの都道府県" in header and "Q8 ご意見・ご感想" in header
    assert "Q6：青葉城址" in header  # 0/1 column per choice
    first = dict(zip(header, rows[1], strict=True))
    assert first["回答日時"] == datetime.datetime(2025, 7, 1, 0, 10)  # JST wall clock
    assert first["回答経路"] == "施設別リンク・QR コード" and first["回答言語"] == "日本語"
    assert first["Q3 お住まいの都道府県"] == "宮城県"
    assert first["Q6 訪れた場所（複数選択可）"] == "青葉城址、定禅寺通"
    assert (first["Q6：青葉城址"], first["Q6：秋保温泉"]) == (1, 0)
    assert first["Q7 満足度"] == 5
    last = dict(zip(header, rows[4], strict=True))
    assert last["Q8 ご意見・ご感想"] == "=1+1"  # text, not a formula
    assert sheet.cell(row=5, column=header.index("Q8 ご意見・ご感想") + 1).data_type == "s"
    assert last["Q6：青葉城址"] is None  # not answered: empty, not 0
    text = " ".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v)
    for personal in ("山田太郎", "980-0001", "taro@example.jp", "022-000-0000", "応募"):
        assert personal not in text
    assert [r[0] for r in workbook["質問"].iter_rows(values_only=True)][
        1
    ] == "Q1 宿泊した施設を選んでください"
    assert (
        answers_filename(survey, datetime.date(2025, 7, 5)) == f"survey_{survey.slug}_answers_20250705.xlsx"
    )


def test_empty_survey_has_zero_figures(survey):
    results = survey_results(survey)
    assert results.total == 0 and results.by_day == [] and results.first_at is None
    assert all(q.asked == 0 and all(o.percent is None for o in q.options) for q in results.questions)
    buffer = io.BytesIO()
    assert write_answers(survey, buffer) == 0
