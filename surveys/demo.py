"""Demo survey: the running round's traveller survey in Japanese and English, answered by about one
guest in fourteen of the stays the facilities sold (claims/demo.py), mostly through the facilities' QR
codes, a few days after checking out; and lottery entries with made-up names. Published just before
the stays began; answers are never later than now."""

from __future__ import annotations

import datetime
import random
from typing import Any, TextIO

from django.utils import timezone
from wagtail.models import Locale

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from claims.demo import DemoStay, demo_stays
from claims.models import BudgetAccount
from core import demo_clock
from core.prefectures import PREFECTURES
from facilities.models import Facility, Participation
from inquiries.business_days import TOKYO

from . import answering
from . import questions as q
from .blocks import page_break_data, question_data
from .models import Survey
from .versions import current_version

SLUG = "traveller-survey"
# One guest in this many answered the survey (the stays' own facility, month and home prefecture).
ANSWERED_ONE_IN = 14

QUESTIONS_EN = {
    "宿泊した施設": "The facility you stayed at",
    "宿泊した月": "Month of your stay",
    "お住まいの都道府県": "Prefecture where you live",
    "年代": "Age group",
    "旅行の主な目的": "Main purpose of your trip",
    "今回の旅行で訪れた場所（いくつでも）": "Places you visited on this trip (choose all that apply)",
    "キャンペーンを知ったきっかけ": "How you learned about the campaign",
    "今回の宿泊の満足度": "How satisfied were you with your stay?",
    "キャンペーンがなくても仙台に宿泊しましたか": "Would you have stayed in Sendai without the campaign?",
    "ご意見・ご感想": "Comments",
}
CHOICES_EN = {
    "観光": "Sightseeing",
    "仕事・出張": "Work / business trip",
    "帰省・家族訪問": "Visiting family",
    "イベント・スポーツ観戦": "Events / sports",
    "青葉城址": "Aoba Castle ruins",
    "定禅寺通": "Jozenji-dori",
    "秋保温泉": "Akiu Onsen",
    "作並温泉": "Sakunami Onsen",
    "仙台朝市": "Sendai Asaichi market",
    "宿泊施設の案内": "The hotel",
    "仙台市のウェブサイト": "Sendai City website",
    "旅行予約サイト": "Travel booking site",
    "SNS": "Social media",
    "テレビ・新聞": "TV / newspaper",
    "泊まった": "Yes",
    "泊まらなかった": "No",
    "わからない": "Not sure",
}
COMMENTS = [
    "割引のおかげで家族で泊まることができました。また利用したいです。",
    "駅から近いホテルを探しやすく、施設案内が便利でした。",
    "秋保温泉でゆっくりできました。次は紅葉の季節に来たいです。",
    "予約サイトで対象かどうか分かりにくかったです。",
    "牛たんがおいしかったです。",
    "出張でしたが、週末も延泊して観光しました。",
    "キャンペーンの期間をもう少し長くしてほしいです。",
    "スタッフの方の対応がとても丁寧でした。",
]
SURNAMES = ["青葉", "宮城", "若林", "泉", "太白", "秋保", "作並", "定禅寺", "広瀬", "愛子"]
GIVEN = ["太郎", "花子", "次郎", "さくら", "健", "陽菜", "蓮", "結衣"]


def seed(out: TextIO) -> None:
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    ja = Locale.objects.filter(language_code="ja").first()
    if campaign is None or ja is None:
        return
    published = demo_clock.office_moment(demo_clock.office_days(campaign.stay_start, -3), 3 * 60)
    published = min(published, demo_clock.now())
    survey = Survey.objects.filter(locale=ja, slug=SLUG).first()
    if survey is None:
        with demo_clock.at(published):
            survey = _create_survey(campaign, ja)
        out.write(f"Created the demo survey /survey/{SLUG}/\n")
    en = Locale.objects.filter(language_code="en").first()
    if en is not None and survey.get_translation_or_none(en) is None:
        with demo_clock.at(published):
            _translate(survey, en)
        out.write("Translated the demo survey into en\n")
    if not survey.responses.exists():
        count = _answer(survey, campaign)
        out.write(f"Demo survey: {count} answers\n")


def _create_survey(campaign: Campaign, ja: Locale) -> Survey:
    now = timezone.now()
    survey = Survey(
        locale=ja,
        campaign=campaign,
        slug=SLUG,
        title="仙台市宿泊促進キャンペーン 利用者アンケート",
        intro=(
            "<p>キャンペーンをご利用いただきありがとうございます。今後の観光施策の参考にするため、"
            "アンケートへのご協力をお願いします（所要時間 約3分）。</p>"
        ),
        thank_you="<p>ご回答ありがとうございました。仙台での滞在をお楽しみください。</p>",
        opens_at=datetime.datetime.combine(campaign.stay_start, datetime.time(0, 0), tzinfo=now.tzinfo),
        closes_at=datetime.datetime.combine(
            campaign.stay_end + datetime.timedelta(days=30), datetime.time(23, 59), tzinfo=now.tzinfo
        ),
        lottery_enabled=True,
        prize_description="仙台・宮城の特産品詰め合わせ（抽選で50名様）",
        questions=[
            question_data("facility", "宿泊した施設"),
            question_data("stay_month", "宿泊した月"),
            question_data("prefecture", "お住まいの都道府県"),
            question_data("age_group", "年代"),
            page_break_data("旅行について"),
            question_data(
                "single_choice",
                "旅行の主な目的",
                choices=["観光", "仕事・出張", "帰省・家族訪問", "イベント・スポーツ観戦"],
            ),
            question_data(
                "multiple_choice",
                "今回の旅行で訪れた場所（いくつでも）",
                choices=["青葉城址", "定禅寺通", "秋保温泉", "作並温泉", "仙台朝市"],
                required=False,
            ),
            question_data(
                "single_choice",
                "キャンペーンを知ったきっかけ",
                choices=["宿泊施設の案内", "仙台市のウェブサイト", "旅行予約サイト", "SNS", "テレビ・新聞"],
            ),
            page_break_data("ご感想"),
            question_data("rating", "今回の宿泊の満足度", low_label="不満", high_label="満足"),
            question_data(
                "single_choice",
                "キャンペーンがなくても仙台に宿泊しましたか",
                choices=["泊まった", "泊まらなかった", "わからない"],
            ),
            question_data("free_text", "ご意見・ご感想", required=False, multiline=True),
        ],
    )
    survey.save()
    return survey


def _translate(survey: Survey, en: Locale) -> None:
    translation = survey.copy_for_translation(en)
    translation.title = "Sendai Stay Campaign traveller survey"
    translation.intro = (
        "<p>Thank you for using the campaign. Please help us plan future tourism measures by answering "
        "this survey (about 3 minutes).</p>"
    )
    translation.thank_you = "<p>Thank you for your answers. Enjoy your stay in Sendai.</p>"
    translation.prize_description = "A box of Sendai and Miyagi specialities (50 winners)"
    data = translation.questions.raw_data
    for block in data:
        value = block["value"]
        if block["type"] == "page_break":
            value["title"] = {"旅行について": "About your trip", "ご感想": "Your impressions"}.get(
                value["title"], value["title"]
            )
            continue
        value["label"] = QUESTIONS_EN.get(value["label"], value["label"])
        for item in value.get("choices", []):
            item["value"] = CHOICES_EN.get(item["value"], item["value"])
        if block["type"] == "rating":
            value["low_label"], value["high_label"] = "Dissatisfied", "Satisfied"
    translation.questions = list(data)
    translation.save()


def _guests(campaign: Campaign) -> list[tuple[Facility, DemoStay]]:
    """The stays the demo facilities sold (the same ones their claims report), by check-out."""
    limits = dict(
        BudgetAccount.objects.filter(campaign=campaign, participation__isnull=False).values_list(
            "participation_id", "limit"
        )
    )
    today = timezone.localdate()
    stays = []
    participations = Participation.objects.filter(campaign=campaign, facility__business__isnull=False)
    for participation in participations.select_related("facility__facility_type", "campaign"):
        for stay in demo_stays(participation, limits.get(participation.pk, 0), today):
            stays.append((participation.facility, stay))
    stays.sort(key=lambda item: (item[1].check_out, item[0].code))
    return stays


def _answer(survey: Survey, campaign: Campaign) -> int:
    """Guests answer a few days after checking out, through `surveys.answering` (the code behind the
    survey pages): the facility's QR link or the web page, then perhaps the lottery entry form."""
    rng = random.Random(7)
    version = current_version(survey)
    schema = version.schema["questions"]
    choices = {question["key"]: q.choices_for(question, campaign) for question in schema}
    prefecture_codes = {name: code for code, name, _en in PREFECTURES}
    now = timezone.now()
    answered = entries = 0
    for facility, stay in _guests(campaign):
        if rng.randrange(ANSWERED_ONE_IN):
            continue
        submitted = datetime.datetime.combine(
            stay.check_out + datetime.timedelta(days=rng.choice([0, 0, 0, 1, 1, 2, 4])),
            datetime.time(rng.choice([8, 10, 11, 12, 15, 18, 20, 21, 22]), rng.randint(0, 59)),
            tzinfo=TOKYO,
        )
        if submitted > now:
            continue
        answers: dict[str, Any] = {}
        for question in schema:
            options = [choice.key for choice in choices[question["key"]]]
            answers_key = question["key"]
            kind = question["type"]
            if kind == q.FACILITY:
                answers[answers_key] = facility.code
            elif kind == q.STAY_MONTH:
                answers[answers_key] = f"{stay.check_in:%Y-%m}"
            elif kind == q.MULTIPLE_CHOICE:
                answers[answers_key] = sorted(rng.sample(options, rng.randint(0, 3)), key=options.index)
            elif kind == q.RATING:
                answers[answers_key] = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 12, 9])[0]
            elif kind == q.FREE_TEXT:
                answers[answers_key] = rng.choice(COMMENTS) if rng.random() < 0.35 else ""
            elif kind == q.PREFECTURE:
                answers[answers_key] = prefecture_codes.get(stay.prefecture, "04")
            elif options:
                answers[answers_key] = rng.choice(options)
        language = "en" if rng.random() < 0.08 else "ja"
        via_link = rng.random() < 0.6
        answering.record_response(
            survey,
            version,
            answers,
            language=language,
            facility=facility if via_link else None,
            now=submitted,
        )
        answered += 1
        if rng.random() < 0.4:
            entries += 1
            answering.enter_lottery(
                survey,
                name=f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}",
                postal_code=f"98{rng.randint(0, 9)}-{rng.randint(0, 9999):04d}",
                address=f"宮城県仙台市青葉区一番町{rng.randint(1, 4)}丁目{rng.randint(1, 20)}-{rng.randint(1, 30)}",
                phone=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
                email=f"entrant{entries:04d}@example.jp",
                language=language,
                now=submitted + datetime.timedelta(minutes=2),
            )
    return answered
