"""Travellers answering a survey: pages without JavaScript, validation of every question type, version
changes mid-way, facility links, the honeypot, rate limits and the optional lottery entry."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale

from surveys import answering
from surveys import questions as q
from surveys.blocks import question_data
from surveys.models import LotteryEntry, Response, ResponseSource, Survey
from surveys.versions import current_version, source_survey

from .factories import FacilityFactory, ParticipationFactory, SurveyFactory

pytestmark = pytest.mark.django_db


# Helpers -------------------------------------------------------------------------------------------


@pytest.fixture
def survey():
    survey = SurveyFactory()
    for name, kana in (("青葉ホテル", "アオバホテル"), ("秋保旅館", "アキウリョカン")):
        ParticipationFactory(campaign=survey.campaign, facility=FacilityFactory(name=name, kana=kana))
    return survey


def _schema(survey: Survey) -> dict:
    return current_version(survey).schema


def _question(survey: Survey, kind: str) -> dict:
    return next(question for question in _schema(survey)["questions"] if question["type"] == kind)


def _name(survey: Survey, kind: str) -> str:
    return f"q_{_question(survey, kind)['key']}"


def _facility_code(survey: Survey, index: int = 0) -> str:
    return survey.campaign.participations.order_by("facility__kana")[index].facility.code


def _page1(survey: Survey, **extra: str) -> dict:
    month = q.stay_months(survey.campaign.stay_start, survey.campaign.stay_end)[0]
    return {
        "page": "1",
        "action": "next",
        _name(survey, "facility"): _facility_code(survey),
        _name(survey, "stay_month"): month,
        _name(survey, "prefecture"): "04",
        _name(survey, "age_group"): "30s",
        **extra,
    }


def _page2(survey: Survey, **extra) -> dict:
    single = _question(survey, "single_choice")["choices"][1]["key"]
    multiple = [choice["key"] for choice in _question(survey, "multiple_choice")["choices"][:2]]
    return {
        "page": "2",
        "action": "submit",
        _name(survey, "single_choice"): single,
        _name(survey, "multiple_choice"): multiple,
        _name(survey, "rating"): "4",
        _name(survey, "free_text"): "  駅から近くて便利でした。 ",
        **extra,
    }


def _url(survey: Survey, name: str = "survey", prefix: str = "") -> str:
    with translation.override("ja"):
        return prefix + reverse(f"surveys:{name}", args=[survey.slug])


def _answer(client, survey: Survey, prefix: str = "") -> None:
    assert client.post(_url(survey, prefix=prefix), _page1(survey)).status_code == 302
    response = client.post(_url(survey, prefix=prefix), _page2(survey))
    assert response.status_code == 302 and response["Location"] == _url(survey, "thanks", prefix)


def _checked(page: str, name: str, value: str) -> bool:
    return bool(re.search(rf'<input type="(radio|checkbox)" name="{name}" value="{value}"[^>]*checked', page))


def _entry(token: str, **extra: str) -> dict:
    return {
        "token": token,
        "name": "仙台 太郎",
        "postal_code": "〒９８０－０８１１",
        "address": "宮城県仙台市青葉区一番町1-1-1",
        "phone": "０２２（１２３）４５６７",
        "email": " Taro@Example.JP ",
        **extra,
    }


def _token(client, survey: Survey) -> str:
    page = client.get(_url(survey, "thanks")).content.decode()
    return re.search(r'name="token" value="([^"]+)"', page).group(1)


# The form -----------------------------------------------------------------------------------------


def test_first_page_is_an_accessible_form_that_is_never_cached(client, survey):
    response = client.get(_url(survey))
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "1 / 2 ページ" in page and "<progress" in page
    assert '<legend>年代 <span class="required-mark">（必須）</span></legend>' in page
    assert 'type="radio"' in page and "<select" in page
    facilities = re.findall(r'<option value="(T\d+)">([^<]+)</option>', page)
    assert [name for _code, name in facilities] == ["青葉ホテル", "秋保旅館"]  # kana order (アオバ, アキウ)
    assert 'class="survey-hp" aria-hidden="true"' in page and 'tabindex="-1"' in page
    assert "送信" not in re.sub(r"<script.*?</script>", "", page).split('name="action"')[1][:40]


def test_unknown_slug_is_404_and_closed_or_future_surveys_explain(client, survey):
    assert client.get("/survey/no-such-survey/").status_code == 404
    now = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(closes_at=now - datetime.timedelta(hours=1))
    closed = client.get(_url(survey))
    assert closed.status_code == 410 and "終了しました" in closed.content.decode()
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=now + datetime.timedelta(days=1), closes_at=now + datetime.timedelta(days=9)
    )
    later = client.get(_url(survey))
    assert later.status_code == 200 and "から回答を受け付けます" in later.content.decode()
    assert client.post(_url(survey), _page1(survey)).status_code == 200
    assert not Response.objects.filter(survey=survey).exists()


def test_page_errors_are_listed_and_tied_to_the_fields(client, survey):
    response = client.post(_url(survey), {"page": "1", "action": "next", _name(survey, "prefecture"): "04"})
    page = response.content.decode()
    assert response.status_code == 200 and "error-summary" in page
    age = _name(survey, "age_group")
    assert f'href="#id_{age}_0"' in page
    assert f'aria-describedby="id_{age}_error"' in page
    month = _name(survey, "stay_month")
    invalid = rf'<select name="{month}"[^>]*aria-invalid="true"[^>]*aria-describedby="id_{month}_error"'
    assert re.search(invalid, page)
    assert 'value="04" selected' in page  # what was typed stays
    assert "この質問は回答必須です。" in page


def test_two_pages_back_and_next_keep_answers_and_the_response_has_every_format(client, survey):
    assert client.get(_url(survey) + "?page=2")["Location"] == _url(survey)  # page 1 first
    response = client.post(_url(survey), _page1(survey))
    assert response["Location"] == _url(survey) + "?page=2"
    page2 = client.get(response["Location"]).content.decode()
    assert "2 / 2 ページ" in page2 and "1 不満" in page2 and "5 満足" in page2
    # 戻る keeps what was chosen on page 2, even though the page is not complete.
    back = client.post(_url(survey), {"page": "2", "action": "back", _name(survey, "rating"): "5"})
    assert back["Location"] == _url(survey)
    page1 = client.get(_url(survey)).content.decode()
    assert _checked(page1, _name(survey, "age_group"), "30s")
    assert client.post(_url(survey), _page1(survey))["Location"] == _url(survey) + "?page=2"
    assert _checked(client.get(_url(survey) + "?page=2").content.decode(), _name(survey, "rating"), "5")
    assert client.post(_url(survey), _page2(survey))["Location"] == _url(survey, "thanks")
    saved = Response.objects.get(survey=survey)
    schema = _schema(survey)
    by_type = {question["type"]: saved.answers.get(question["key"]) for question in schema["questions"]}
    assert by_type["rating"] == 4 and isinstance(by_type["multiple_choice"], list)
    assert by_type["free_text"] == "駅から近くて便利でした。"
    assert by_type["prefecture"] == "04" and by_type["facility"] == _facility_code(survey)
    assert saved.language == "ja" and saved.source == ResponseSource.WEB
    assert saved.facility.code == _facility_code(survey)  # from the facility question
    assert saved.version == current_version(survey)
    # The session forgot the answers: a new answer starts empty.
    assert "checked" not in client.get(_url(survey)).content.decode().split("<form")[1]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("age_group", "", "この質問は回答必須です。"),
        ("age_group", "10s", "選択肢の中から選んでください。"),
        ("prefecture", "48", "選択肢の中から選んでください。"),
        ("stay_month", "1999-01", "選択肢の中から選んでください。"),
        ("facility", "NOT-IN-CAMPAIGN", "選択肢の中から選んでください。"),
        ("single_choice", "unknown", "選択肢の中から選んでください。"),
        ("multiple_choice", ["unknown"], "選択肢の中から選んでください。"),
        ("rating", "6", "1から5の中から選んでください。"),
        ("rating", "x", "1から5の中から選んでください。"),
        ("free_text", "あ" * (q.FREE_TEXT_MAX_LENGTH + 1), "2000文字以内で入力してください。"),
    ],
)
def test_every_question_type_is_checked_by_the_form_and_again_on_record(survey, client, kind, value, message):
    other = FacilityFactory(code="NOT-IN-CAMPAIGN")  # a facility of no participation in this campaign
    assert other.pk
    data = {**_page1(survey), **_page2(survey)}
    data[_name(survey, kind)] = value
    question = _question(survey, kind)
    page = question["page"] + 1
    response = client.post(_url(survey), {**data, "page": str(page), "action": "next"})
    assert response.status_code == 200 and message in response.content.decode()
    answers = {key[2:]: val for key, val in data.items() if key.startswith("q_")}
    with pytest.raises(answering.AnswerErrors) as error:
        answering.record_response(survey, current_version(survey), answers, language="ja")
    assert error.value.errors == {question["key"]: message}
    assert not Response.objects.filter(survey=survey).exists()


def test_record_response_refuses_a_closed_survey(survey):
    answers = {"x": "y"}
    Survey.objects.filter(pk=survey.pk).update(closes_at=timezone.now())
    survey.refresh_from_db()
    with pytest.raises(answering.SurveyClosed):
        answering.record_response(survey, current_version(survey), answers, language="ja")


def test_a_new_version_mid_way_keeps_what_still_fits_and_asks_for_the_rest(client, survey):
    answering.record_response(  # an earlier answer, so that a change of meaning makes version 2
        survey,
        current_version(survey),
        {k[2:]: v for k, v in {**_page1(survey), **_page2(survey)}.items() if k.startswith("q_")},
        language="ja",
    )
    client.post(_url(survey), _page1(survey))
    age_key = _question(survey, "age_group")["key"]
    prefecture_key = _question(survey, "prefecture")["key"]
    stream = list(survey.questions.raw_data)
    stream = [block for block in stream if block["type"] != "prefecture"]
    stream.insert(1, question_data("single_choice", "同行者", choices=["ひとり", "家族"]))
    survey.questions = stream
    survey.save()
    assert current_version(survey).number == 2
    response = client.get(_url(survey) + "?page=2")
    assert response.status_code == 302 and response["Location"] == _url(survey)
    page = client.get(_url(survey)).content.decode()
    assert "アンケートの内容が更新されました" in page
    assert _checked(page, f"q_{age_key}", "30s")
    session = client.session[f"surveys.progress.{survey.pk}"]
    assert session["version"] == 2 and age_key in session["answers"]
    assert prefecture_key not in session["answers"]  # its question is gone


def test_a_facility_link_records_the_facility_and_the_source(client, survey):
    code = _facility_code(survey, 1)
    response = client.get(reverse("surveys:facility_link", args=[survey.slug, code]))
    assert response.status_code == 302 and response["Location"] == _url(survey)
    page = client.get(_url(survey)).content.decode()
    assert f'<option value="{code}" selected>' in page and "にご宿泊の方のご回答" in page
    _answer(client, survey)  # the traveller chose another facility in the question: the link wins
    saved = Response.objects.get(survey=survey)
    assert saved.facility.code == code and saved.source == ResponseSource.LINK


def test_a_link_to_a_facility_outside_the_campaign_starts_normally(client, survey):
    outsider = FacilityFactory()
    response = client.get(reverse("surveys:facility_link", args=[survey.slug, outsider.code]))
    assert response["Location"] == _url(survey)
    _answer(client, survey)
    saved = Response.objects.get(survey=survey)
    assert saved.source == ResponseSource.WEB and saved.facility.code == _facility_code(survey)


def test_the_honeypot_shows_thanks_but_saves_nothing(client, survey):
    client.post(_url(survey), _page1(survey))
    response = client.post(_url(survey), _page2(survey, homepage="http://spam.example"))
    assert response["Location"] == _url(survey, "thanks")
    page = client.get(response["Location"]).content.decode()
    assert "ご回答ありがとうございました" in page and 'name="token"' not in page
    assert not Response.objects.filter(survey=survey).exists()


def test_the_rate_limit_shows_the_form_again_with_everything_typed(client, survey, settings):
    settings.SURVEYS_SUBMIT_RATE = "1/10m"
    _answer(client, survey)
    client.post(_url(survey), _page1(survey))
    response = client.post(_url(survey), _page2(survey, **{_name(survey, "free_text"): "二回目の感想"}))
    page = response.content.decode()
    assert response.status_code == 429 and "送信が集中している" in page
    assert "二回目の感想" in page and _checked(page, _name(survey, "rating"), "4")
    assert Response.objects.filter(survey=survey).count() == 1
    assert "REMOTE_ADDR" not in str(Response.objects.get(survey=survey).answers) and "127.0.0.1" not in str(
        Response.objects.filter(survey=survey).values().get()
    )


def test_the_english_page_uses_the_translation_and_the_answer_is_filed_under_the_source(client, survey):
    english = survey.copy_for_translation(Locale.objects.get(language_code="en"))
    english.title = "Traveller survey"
    raw = list(english.questions.raw_data)
    raw[0]["value"]["label"] = "Which facility did you stay at?"
    english.questions = raw
    english.save()
    assert [block["id"] for block in english.questions.raw_data] == [
        block["id"] for block in survey.questions.raw_data
    ]  # the block ids (question keys) survive the copy
    assert source_survey(english).pk == survey.pk
    page = client.get(_url(survey, prefix="/en")).content.decode()
    assert '<html lang="en">' in page
    assert "Traveller survey" in page and "Which facility did you stay at?" in page
    assert "Miyagi" in page
    _answer(client, survey, prefix="/en")
    saved = Response.objects.get(survey=survey)
    assert saved.survey_id == survey.pk and saved.language == "en"


# The lottery ---------------------------------------------------------------------------------------


def test_an_entry_is_normalised_numbered_and_not_linked_to_the_answer(client, survey):
    _answer(client, survey)
    response = client.post(_url(survey, "thanks"), _entry(_token(client, survey)))
    assert response.status_code == 302
    entry = LotteryEntry.objects.get(survey=survey)
    assert (entry.number, entry.postal_code, entry.phone) == (1, "980-0811", "0221234567")
    assert entry.email == entry.email_key == "taro@example.jp" and entry.language == "ja"
    page = client.get(_url(survey, "thanks")).content.decode()
    assert "応募を受け付けました" in page and "E000001" in page and 'name="token"' not in page
    assert not [field for field in Response._meta.get_fields() if field.related_model is LotteryEntry]
    # The token was spent: a second entry from the same session is refused.
    again = client.post(_url(survey, "thanks"), _entry("anything", email="other@example.jp"))
    assert again.status_code == 403 and LotteryEntry.objects.filter(survey=survey).count() == 1


def test_a_second_entry_with_the_same_address_gets_a_polite_message(client, survey):
    _answer(client, survey)
    client.post(_url(survey, "thanks"), _entry(_token(client, survey)))
    other = Client()
    _answer(other, survey)
    response = other.post(_url(survey, "thanks"), _entry(_token(other, survey), email="　TARO@example.jp "))
    assert response.status_code == 200
    assert "このメールアドレスでは既に応募いただいています" in response.content.decode()
    assert LotteryEntry.objects.filter(survey=survey).count() == 1
    assert Response.objects.filter(survey=survey).count() == 2
    # Another address from the same session still works, numbered next.
    response = other.post(_url(survey, "thanks"), _entry(_token(other, survey), email="hanako@example.jp"))
    assert response.status_code == 302
    assert LotteryEntry.objects.get(survey=survey, email_key="hanako@example.jp").number == 2


def test_an_entry_without_having_answered_is_refused(client, survey):
    assert 'name="token"' not in client.get(_url(survey, "thanks")).content.decode()
    response = client.post(_url(survey, "thanks"), _entry("made-up"))
    assert response.status_code == 403 and not LotteryEntry.objects.filter(survey=survey).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postal_code", "980-081", "郵便番号は7桁の数字で入力してください。"),
        ("phone", "022-12", "電話番号は市外局番から数字で入力してください。"),
        ("email", "taro@", "メールアドレスの形式で入力してください。"),
        ("name", "", "氏名を入力してください。"),
    ],
)
def test_entry_errors_keep_the_right_to_enter(client, survey, field, value, message):
    _answer(client, survey)
    token = _token(client, survey)
    response = client.post(_url(survey, "thanks"), _entry(token, **{field: value}))
    page = response.content.decode()
    assert response.status_code == 200 and message in page and f'href="#id_{field}"' in page
    assert not LotteryEntry.objects.filter(survey=survey).exists()
    assert client.post(_url(survey, "thanks"), _entry(token)).status_code == 302


def test_entry_rate_limit_and_honeypot(client, survey, settings):
    settings.SURVEYS_ENTRY_RATE = "0/10m"
    _answer(client, survey)
    token = _token(client, survey)
    response = client.post(_url(survey, "thanks"), _entry(token))
    assert response.status_code == 429 and "仙台 太郎" in response.content.decode()
    assert not LotteryEntry.objects.filter(survey=survey).exists()
    settings.SURVEYS_ENTRY_RATE = "20/10m"
    response = client.post(_url(survey, "thanks"), _entry(token, homepage="spam"))
    assert response.status_code == 302 and not LotteryEntry.objects.filter(survey=survey).exists()


def test_normalisers():
    assert answering.normalize_postal_code("〒980ー0811") == "980-0811"
    assert answering.normalize_postal_code("9800811") == "980-0811"
    with pytest.raises(ValueError):
        answering.normalize_postal_code("980-08111")
    assert answering.normalize_phone("090-1234-5678") == "09012345678"
    with pytest.raises(ValueError):
        answering.normalize_phone("022-abc-4567")
    assert answering.email_key(" Ｔａｒｏ@Example.jp ") == "taro@example.jp"


def test_entries_are_numbered_per_survey(survey):
    other = SurveyFactory(campaign=survey.campaign)
    details = {"name": "A", "postal_code": "9800811", "address": "仙台市", "phone": "0221234567"}
    first = answering.enter_lottery(survey, email="a@example.jp", language="ja", **details)
    second = answering.enter_lottery(survey, email="b@example.jp", language="ja", **details)
    elsewhere = answering.enter_lottery(other, email="a@example.jp", language="en", **details)
    assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
    with pytest.raises(answering.DuplicateEntry):
        answering.enter_lottery(survey, email="A@EXAMPLE.JP", language="ja", **details)
