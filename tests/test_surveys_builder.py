"""The survey builder: the schema made from the StreamField, versions once answers exist, translation."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale
from wagtail.test.utils.form_data import rich_text

from surveys import questions as q
from surveys.blocks import page_break_data, question_data
from surveys.models import Response, Survey
from surveys.versions import Outcome, current_version, schema_for
from surveys.wagtail_hooks import survey_viewset
from tests.factories import SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db


def _edit(survey: Survey, change) -> Survey:
    data = survey.questions.raw_data
    blocks = [dict(block, value=dict(block["value"])) for block in data]
    change(blocks)
    survey.questions = blocks
    survey.save()
    return survey


def _answer(survey: Survey) -> Response:
    return Response.objects.create(survey=survey, version=current_version(survey), answers={})


def _en() -> Locale:
    return Locale.objects.get_or_create(language_code="en")[0]


# --- schema -------------------------------------------------------------------------------------


def test_schema_has_every_question_type_with_pages_and_choice_keys():
    survey = SurveyFactory()
    schema = current_version(survey).schema
    assert [question["type"] for question in schema["questions"]] == [
        q.FACILITY,
        q.STAY_MONTH,
        q.PREFECTURE,
        q.AGE_GROUP,
        q.SINGLE_CHOICE,
        q.MULTIPLE_CHOICE,
        q.RATING,
        q.FREE_TEXT,
    ]
    assert schema["pages"] == [{"title": ""}, {"title": "ご感想"}]
    assert [question["page"] for question in schema["questions"]] == [0, 0, 0, 0, 1, 1, 1, 1]
    stream_ids = [block.id for block in survey.questions]
    assert {question["key"] for question in schema["questions"]} <= set(stream_ids)
    purpose = schema["questions"][4]
    assert [choice["label"] for choice in purpose["choices"]] == ["観光", "仕事", "帰省"]
    assert len({choice["key"] for choice in purpose["choices"]}) == 3
    assert schema["questions"][6]["low_label"] == "不満"


def test_leading_and_trailing_page_breaks_open_no_empty_page():
    survey = SurveyFactory(
        questions=[
            page_break_data("はじめに"),
            question_data("rating", "満足度"),
            page_break_data("次"),
            question_data("free_text", "感想", required=False),
            page_break_data("おわり"),
        ]
    )
    schema = current_version(survey).schema
    assert schema["pages"] == [{"title": "はじめに"}, {"title": "次"}]
    assert [question["page"] for question in schema["questions"]] == [0, 1]


def test_fixed_choice_lists_come_from_code_and_the_campaign():
    survey = SurveyFactory()
    schema = current_version(survey).schema["questions"]
    by_type = {question["type"]: question for question in schema}
    prefectures = q.choices_for(by_type[q.PREFECTURE], survey.campaign)
    assert len(prefectures) == 48 and prefectures[3].label == "宮城県" and prefectures[-1].key == q.OVERSEAS
    assert q.choices_for(by_type[q.PREFECTURE], survey.campaign, "en")[3].label == "Miyagi"
    months = q.choices_for(by_type[q.STAY_MONTH], survey.campaign)
    start = survey.campaign.stay_start
    assert months[0].key == f"{start:%Y-%m}" and months[0].label == f"{start.year}年{start.month}月"
    assert [choice.key for choice in q.choices_for(by_type[q.RATING], survey.campaign)] == list("12345")


def test_stay_months_cross_the_year():
    assert q.stay_months(datetime.date(2025, 11, 20), datetime.date(2026, 2, 1)) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


# --- versions -----------------------------------------------------------------------------------


def test_first_save_creates_version_one():
    survey = SurveyFactory()
    assert survey._version_outcome[0] is Outcome.CREATED
    assert list(survey.versions.values_list("number", flat=True)) == [1]


def test_wording_fix_after_answers_keeps_the_version():
    survey = SurveyFactory()
    _answer(survey)

    def reword(blocks):
        blocks[5]["value"]["label"] = "旅の目的"
        blocks[5]["value"]["choices"] = [
            dict(item, value=item["value"] + "！") for item in blocks[5]["value"]["choices"]
        ]

    _edit(survey, reword)
    assert survey._version_outcome[0] is Outcome.UPDATED
    version = current_version(survey)
    assert version.number == 1
    purpose = version.schema["questions"][4]
    assert purpose["label"] == "旅の目的" and purpose["choices"][0]["label"] == "観光！"


def test_reordering_questions_after_answers_keeps_the_version():
    survey = SurveyFactory()
    _answer(survey)
    _edit(survey, lambda blocks: blocks.reverse())
    assert current_version(survey).number == 1


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda blocks: blocks[5]["value"]["choices"].append(
                {"type": "item", "value": "その他", "id": "new-choice"}
            ),
            id="choice added",
        ),
        pytest.param(lambda blocks: blocks[5]["value"]["choices"].pop(), id="choice removed"),
        pytest.param(lambda blocks: blocks.pop(7), id="question removed"),
        pytest.param(
            lambda blocks: blocks.append(question_data("free_text", "追加の質問")), id="question added"
        ),
        pytest.param(lambda blocks: blocks[7]["value"].update(required=False), id="required changed"),
        pytest.param(lambda blocks: blocks[5].update(type="multiple_choice"), id="type changed"),
    ],
)
def test_change_of_meaning_after_answers_makes_a_new_version(change):
    survey = SurveyFactory()
    answered = _answer(survey)
    _edit(survey, change)
    assert survey._version_outcome[0] is Outcome.NEW_VERSION
    assert current_version(survey).number == 2
    answered.refresh_from_db()
    assert answered.version.number == 1
    assert answered.version.structure_hash != current_version(survey).structure_hash


def test_change_of_meaning_before_answers_stays_in_version_one():
    survey = SurveyFactory()
    _edit(survey, lambda blocks: blocks.pop(7))
    assert survey._version_outcome[0] is Outcome.UPDATED
    version = current_version(survey)
    assert version.number == 1 and len(version.schema["questions"]) == 7


def test_saving_unchanged_questions_changes_nothing():
    survey = SurveyFactory()
    survey.title = "新しいタイトル"
    survey.save()
    assert survey._version_outcome[0] is Outcome.UNCHANGED


def test_closing_must_come_after_opening():
    survey = SurveyFactory.build(
        opens_at=timezone.now(), closes_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as error:
        survey.clean()
    assert "closes_at" in error.value.message_dict


def test_slug_is_unique_per_language():
    survey = SurveyFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyFactory(slug=survey.slug)


# --- translation --------------------------------------------------------------------------------


def test_wagtail_localize_translation_keeps_keys_and_translates_wording():
    from wagtail_localize.models import StringTranslation, TranslationSource

    survey = SurveyFactory()
    source, _created = TranslationSource.get_or_create_from_instance(survey)
    purpose = next(block for block in survey.questions if block.block_type == "single_choice")
    for segment in source.stringsegment_set.select_related("string"):
        text = segment.string.data
        if text in {"旅行の目的", "観光"}:
            StringTranslation.objects.create(
                translation_of=segment.string,
                locale=_en(),
                context=segment.context,
                data={"旅行の目的": "Purpose of your trip", "観光": "Sightseeing"}[text],
            )
    source.create_or_update_translation(_en(), fallback=True)
    english = survey.get_translation(_en())
    assert [block.id for block in english.questions] == [block.id for block in survey.questions]
    assert english.slug == survey.slug and english.campaign_id == survey.campaign_id
    assert english.versions.count() == 0  # answers and versions belong to the Japanese survey

    worded = schema_for(english, current_version(english), "en")
    question = next(item for item in worded["questions"] if item["key"] == purpose.id)
    assert question["label"] == "Purpose of your trip"
    assert question["choices"][0]["label"] == "Sightseeing"
    assert question["choices"][1]["label"] == "仕事"  # not translated yet: the Japanese stays


def test_out_of_date_translation_never_changes_the_structure():
    survey = SurveyFactory()
    english = survey.copy_for_translation(_en())
    english.questions = [block for block in english.questions.raw_data if block["type"] != "rating"]
    english.save()
    _edit(survey, lambda blocks: blocks.append(question_data("free_text", "新しい質問")))
    schema = schema_for(survey, current_version(survey), "en")
    assert [question["key"] for question in schema["questions"]] == [
        question["key"] for question in current_version(survey).schema["questions"]
    ]
    assert schema["questions"][-1]["label"] == "新しい質問"


# --- the builder in the admin -------------------------------------------------------------------


def _form_data(survey: Survey) -> dict[str, str]:
    """The snippet edit form's POST data for a survey, keeping block and choice ids."""
    local = timezone.localtime
    data = {
        "campaign": str(survey.campaign_id),
        "title": survey.title,
        "slug": survey.slug,
        "opens_at": f"{local(survey.opens_at):%Y-%m-%d %H:%M}",
        "closes_at": f"{local(survey.closes_at):%Y-%m-%d %H:%M}",
        "intro": rich_text(survey.intro),
        "thank_you": rich_text(survey.thank_you),
        "prize_description": survey.prize_description,
        "questions-count": str(len(survey.questions.raw_data)),
    }
    if survey.lottery_enabled:
        data["lottery_enabled"] = "on"
    for index, block in enumerate(survey.questions.raw_data):
        prefix = f"questions-{index}"
        data.update({f"{prefix}-type": block["type"], f"{prefix}-deleted": "", f"{prefix}-order": str(index)})
        data[f"{prefix}-id"] = block["id"]
        for name, value in block["value"].items():
            if name == "choices":
                data[f"{prefix}-value-choices-count"] = str(len(value))
                for number, item in enumerate(value):
                    item_prefix = f"{prefix}-value-choices-{number}"
                    data.update(
                        {
                            f"{item_prefix}-value": item["value"],
                            f"{item_prefix}-id": item["id"],
                            f"{item_prefix}-deleted": "",
                            f"{item_prefix}-order": str(number),
                        }
                    )
            elif isinstance(value, bool):
                if value:
                    data[f"{prefix}-value-{name}"] = "on"
            else:
                data[f"{prefix}-value-{name}"] = value
    return data


def test_editor_rewords_in_the_admin_without_a_new_version(client):
    survey = SurveyFactory()
    _answer(survey)
    client.force_login(UserFactory(role="editor"))
    data = _form_data(survey)
    data["questions-5-value-label"] = "旅行の主な目的"
    response = client.post(reverse(survey_viewset.get_url_name("edit"), args=[survey.pk]), data, follow=True)
    assert response.status_code == 200
    assert current_version(survey).number == 1
    assert current_version(survey).schema["questions"][4]["label"] == "旅行の主な目的"
    assert "第2版" not in response.content.decode()


def test_editor_is_told_when_a_change_of_meaning_makes_a_new_version(client):
    survey = SurveyFactory()
    _answer(survey)
    client.force_login(UserFactory(role="editor"))
    data = _form_data(survey)
    data["questions-5-value-choices-count"] = "2"
    del data["questions-5-value-choices-2-value"]
    response = client.post(reverse(survey_viewset.get_url_name("edit"), args=[survey.pk]), data, follow=True)
    assert response.status_code == 200
    assert current_version(survey).number == 2
    assert "第2版として保存しました" in response.content.decode()


def test_closing_before_opening_is_an_error_next_to_the_field(client):
    survey = SurveyFactory()
    client.force_login(UserFactory(role="editor"))
    data = _form_data(survey)
    data["closes_at"] = f"{timezone.localtime(survey.opens_at) - datetime.timedelta(days=1):%Y-%m-%d %H:%M}"
    response = client.post(reverse(survey_viewset.get_url_name("edit"), args=[survey.pk]), data)
    assert response.status_code == 200
    assert "終了は開始より後の日時にしてください。" in response.content.decode()
    survey.refresh_from_db()
    assert survey.closes_at > survey.opens_at


@pytest.mark.parametrize(("role", "allowed"), [("editor", True), ("moderator", True), ("operator", False)])
def test_who_may_build_surveys(client, role, allowed):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(survey_viewset.get_url_name("list")))
    assert (response.status_code == 200) is allowed


# --- erasure ------------------------------------------------------------------------------------


def test_erasing_lottery_contacts_keeps_answers_and_winners_entry_numbers():
    from surveys.models import LotteryDraw, LotteryEntry, LotteryEvent, LotteryWinner
    from surveys.privacy import erase_lottery_contacts

    survey = SurveyFactory()
    other = SurveyFactory()
    _answer(survey)
    entries = [
        LotteryEntry.objects.create(
            survey=target,
            number=1,
            name="青葉 太郎",
            postal_code="980-0001",
            address="仙台市青葉区",
            phone="09012345678",
            email="taro@example.jp",
            email_key="taro@example.jp",
        )
        for target in (survey, other)
    ]
    draw = LotteryDraw.objects.create(
        survey=survey,
        number=1,
        winners_wanted=1,
        entry_list="E000001\n",
        list_count=1,
        list_sha256="0" * 64,
        seed_commitment="0" * 64,
    )
    winner = LotteryWinner.objects.create(draw=draw, entry=entries[0], entry_number=1, rank=1)
    user = UserFactory(role="reviewer")

    assert erase_lottery_contacts(survey.campaign, user) == 1

    assert not LotteryEntry.objects.filter(survey=survey).exists()
    assert LotteryEntry.objects.filter(survey=other).exists()  # another campaign's entries stay
    winner.refresh_from_db()
    assert winner.entry is None and winner.entry_number == 1
    assert survey.responses.count() == 1
    event = LotteryEvent.objects.get(survey=survey, action="erase_contacts")
    assert event.actor == user and "1 件" in event.detail
    from audit.models import AuditEntry

    audit = AuditEntry.objects.get(action="erasure", object_id=str(survey.pk))
    assert audit.actor_id == user.pk and audit.detail == {"lottery_entries": 1}


def test_survey_list_shows_the_number_of_answers(client):
    survey = SurveyFactory(title="回答数を見るアンケート")
    for _ in range(3):
        _answer(survey)
    client.force_login(UserFactory(role="editor"))
    response = client.get(reverse(survey_viewset.get_url_name("list")))
    html = response.content.decode()
    assert "回答数" in html and "回答数を見るアンケート" in html
    row = html[html.index("回答数を見るアンケート") :]
    assert ">3<" in row.replace(" ", "").replace("\n", "")[:2000]


# --- the invitation block on the public site ----------------------------------------------------


def test_invitation_block_links_to_an_open_survey_and_hides_a_closed_one():
    from django.utils import translation

    from cms.blocks import SurveyInvitationBlock

    block = SurveyInvitationBlock()
    survey = SurveyFactory(title="宿泊者アンケート")
    html = block.render(block.to_python({"survey": survey.pk, "heading": "", "text": "ご協力ください"}))
    assert "宿泊者アンケート" in html and f'href="/survey/{survey.slug}/"' in html
    assert "抽選で景品が当たります" in html and "ご協力ください" in html

    english = survey.copy_for_translation(_en())
    english.title = "Guest survey"
    english.save()
    with translation.override("en"):
        html = block.render(block.to_python({"survey": survey.pk, "heading": "", "text": ""}))
    assert "Guest survey" in html and f'href="/en/survey/{survey.slug}/"' in html

    survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    survey.save()
    assert block.render(block.to_python({"survey": survey.pk, "heading": "", "text": ""})).strip() == ""
