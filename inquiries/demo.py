"""Demo call center: the よくある質問 page in ja/en with ten entries, and the running round's inquiries.

The call center opened with the call for applications: businesses asked about applying and the
review, then, once the stays began, travellers about facilities and the discount and hotels about
their claims and payments. Inquiries and quick tallies are logged on business days between 9:00 and
17:00 and never later than now; the operator handed each daily tally to the city before its
deadline (next business day 12:00) and each monthly one in time (spec コールセンター 7). Only when
the call center has no records yet.
"""

from __future__ import annotations

import datetime
import random
from typing import TextIO

from django.contrib.auth import get_user_model
from wagtail.models import Locale

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign
from cms.models import HomePage
from core import demo_clock
from facilities.models import Facility

from .business_days import daily_deadline, first_of_month, is_business_day, monthly_deadline, next_month
from .models import (
    Audience,
    CallerType,
    Channel,
    FAQEntry,
    FAQPage,
    Inquiry,
    InquiryCategory,
    InquiryStatus,
    QuickTally,
    ReportKind,
    SubmissionVia,
)
from .services import add_quick_tally, record_submission

FAQ_SLUG = "faq"

# (category slug, audience, question ja, answer ja, question en, answer en)
FAQ_ENTRIES = [
    (
        "overview",
        "traveller",
        "どのくらい割引されますか。",
        "<p>宿泊料金の20%、1人1泊あたり最大3,000円が割引されます（1人1泊3,000円以上の宿泊が対象）。</p>",
        "How large is the discount?",
        "<p>20% of the room charge, up to 3,000 yen per person per night"
        " (for stays of 3,000 yen or more per person per night).</p>",
    ),
    (
        "overview",
        "traveller",
        "何泊まで割引の対象になりますか。",
        "<p>1回の宿泊につき最大7泊までが対象です。</p>",
        "How many nights are discounted?",
        "<p>Up to 7 nights per stay.</p>",
    ),
    (
        "overview",
        "traveller",
        "仙台市民も利用できますか。",
        "<p>はい。お住まいの地域にかかわらずご利用いただけます。</p>",
        "Can Sendai residents use the campaign?",
        "<p>Yes, wherever you live.</p>",
    ),
    (
        "traveller-info",
        "traveller",
        "どの施設で使えますか。",
        "<p>参加施設のご案内ページで、施設名・地域・特徴から探せます。</p>",
        "Which facilities take part?",
        "<p>Search the participating facilities page by name, area or feature.</p>",
    ),
    (
        "traveller-info",
        "traveller",
        "すでに予約した宿泊にも割引は適用されますか。",
        "<p>施設の登録決定日以降に予約した宿泊が対象です。予約した施設にお問い合わせください。</p>",
        "Does the discount apply to a booking I already made?",
        "<p>Bookings made on or after the facility joined the campaign are eligible."
        " Please ask the facility.</p>",
    ),
    (
        "traveller-info",
        "traveller",
        "販売終了とは何ですか。",
        "<p>施設に配分された割引の枠を使い切ったため、割引付きの販売を終えた状態です。</p>",
        "What does sold out mean?",
        "<p>The facility has used up its share of the discount budget"
        " and no longer sells discounted stays.</p>",
    ),
    (
        "business-info",
        "business",
        "参加するにはどうすればよいですか。",
        "<p>事業者向けページから会員登録し、参加申請を提出してください。</p>",
        "How can my business take part?",
        "<p>Register on the page for businesses and submit an application.</p>",
    ),
    (
        "business-info",
        "business",
        "必要な書類は何ですか。",
        "<p>営業許可証の写しと、振込先口座の通帳の写し（PDF・JPEG・PNG、10MBまで）です。</p>",
        "Which documents are required?",
        "<p>A copy of the business licence and of the bank passbook (PDF, JPEG or PNG, up to 10 MB).</p>",
    ),
    (
        "processing",
        "business",
        "審査にはどのくらいかかりますか。",
        "<p>書類に不備がなければ、提出から概ね5営業日で結果をお知らせします。</p>",
        "How long does the review take?",
        "<p>About five business days after submission when the documents are complete.</p>",
    ),
    (
        "processing",
        "business",
        "実績報告の締め切りはいつですか。",
        "<p>毎月末で締め、翌月に精算します。詳しくは参加事業者マニュアルをご覧ください。</p>",
        "When are discount reports due?",
        "<p>Reports close at the end of each month and are settled the next month;"
        " see the manual for businesses.</p>",
    ),
]

# (phase, category slug, caller type, question, answer); phase "before" = the application window,
# "during" = once the stays began, "any" = both.
DEMO_QUESTIONS = [
    ("any", "overview", "traveller", "割引の上限額を知りたい", "1人1泊3,000円が上限と案内"),
    ("any", "overview", "traveller", "キャンペーンの期間はいつまでか", "宿泊期間をご案内"),
    ("during", "traveller-info", "traveller", "秋保温泉で使える施設はあるか", "施設案内ページで秋保温泉を絞り込む方法を案内"),
    ("during", "traveller-info", "traveller", "ペット同伴可の施設を探している", "特徴「ペット同伴可」で検索する方法を案内"),
    ("during", "traveller-info", "traveller", "予約済みの宿泊が対象になるか", "予約日と登録決定日の関係を説明し、施設への確認を依頼"),
    ("during", "traveller-info", "traveller", "販売終了した施設を知りたい", "施設案内の販売終了施設一覧を案内"),
    ("during", "overview", "traveller", "仙台市民も割引を使えるか", "居住地にかかわらず利用できると案内"),
    ("before", "business-info", "business", "参加申請の方法を知りたい", "事業者向けページと会員登録の手順を案内"),
    ("before", "business-info", "business", "口座名義に漢字が使えない理由", "全銀形式の半角カナで登録する必要があると説明"),
    ("before", "business-info", "business", "必要書類の形式を知りたい", "PDF・JPEG・PNGで10MBまでと案内"),
    ("before", "processing", "business", "申請の審査状況を確認したい", "審査中であることを確認し、結果はメールで届くと案内"),
    ("any", "processing", "business", "差戻しの理由がわからない", "差戻し理由を確認し、修正箇所を説明"),
    ("during", "processing", "business", "実績報告ファイルの作り方を知りたい", "テンプレートと記入例を案内"),
    ("during", "processing", "business", "割引相当分の振込日を知りたい", "毎月10日・25日締めの振込予定を案内"),
    ("during", "business-info", "business", "配分額に達したらどうするか", "販売終了の登録方法を案内"),
    ("any", "other", "other", "チラシを置きたい", "観光課に確認して折り返すと回答"),
    ("during", "other", "traveller", "アンケートの景品について", "キャンペーン終了後に抽選と案内"),
]  # fmt: skip
CALLER_NAMES = ["青葉 太郎", "宮城 花子", "若林 次郎", "泉 さくら", "太白 健", ""]


def seed(out: TextIO) -> None:
    ja = Locale.objects.filter(language_code="ja").first()
    en = Locale.objects.filter(language_code="en").first()
    if ja is None:
        return
    _ensure_faq_page(ja, en, out)
    _ensure_faq_entries(ja, en, out)
    _ensure_inquiries(out)


def _ensure_faq_page(ja: Locale, en: Locale | None, out: TextIO) -> None:
    home = HomePage.objects.filter(locale=ja, depth=2).first()
    if home is None:
        return
    page = FAQPage.objects.child_of(home).first()
    if page is None:
        page = FAQPage(
            title="よくある質問",
            slug=FAQ_SLUG,
            show_in_menus=True,
            intro="コールセンターに多く寄せられる質問と回答です。キーワードや分類で絞り込めます。",
        )
        home.add_child(instance=page)
        page.save_revision().publish()
        out.write("Created the FAQ page\n")
    if en is not None and page.get_translation_or_none(en) is None:
        translation = page.copy_for_translation(en)
        translation.title = "Frequently asked questions"
        translation.intro = (
            "Questions the call center often hears, with answers. Filter by keyword or category."
        )
        translation.save()
        translation.save_revision().publish()
        out.write("Translated the FAQ page into en\n")


def _ensure_faq_entries(ja: Locale, en: Locale | None, out: TextIO) -> None:
    categories = {c.slug: c for c in InquiryCategory.objects.all()}
    created = 0
    for order, (slug, audience, question, answer, question_en, answer_en) in enumerate(FAQ_ENTRIES, start=1):
        if slug not in categories:
            continue
        entry = FAQEntry.objects.filter(locale=ja, question=question).first()
        if entry is None:
            entry = FAQEntry(
                locale=ja,
                question=question,
                answer=answer,
                category=categories[slug],
                audience=Audience(audience),
                sort_order=order,
            )
            entry.save()
            entry.save_revision().publish()
            created += 1
        if en is not None and entry.get_translation_or_none(en) is None:
            translation = entry.copy_for_translation(en)
            translation.question = question_en
            translation.answer = answer_en
            translation.save()
            translation.save_revision().publish()
    out.write(f"Demo FAQ: {created} entries created\n")


def _ensure_inquiries(out: TextIO) -> None:
    """The running round's call center, from the first day of its application window to now."""
    if Inquiry.objects.exists() or QuickTally.objects.exists():
        return
    campaign = Campaign.objects.filter(slug=DEMO_SLUG).first()
    if campaign is None:
        return
    operator = get_user_model().objects.filter(username="operator").first()
    categories = {c.slug: c for c in InquiryCategory.objects.all()}
    facilities = list(Facility.objects.filter(participations__campaign=campaign).order_by("code")[:40])
    rng = random.Random(6)
    now = demo_clock.now()
    recent = demo_clock.office_days(now.date(), -3)
    records = tallies = 0
    day = campaign.application_start
    while day <= now.date():
        if is_business_day(day):
            during = day >= campaign.stay_start
            launch = during and (day - campaign.stay_start).days < 14  # the first two weeks are busiest
            questions = [q for q in DEMO_QUESTIONS if q[0] in ("any", "during" if during else "before")]
            busy = (10, 18) if launch else (5, 12) if during else (3, 8)
            made = _inquiry_day(
                day, rng.randint(*busy), questions, categories, facilities, operator, rng, now, recent
            )
            records += made[0]
            tallies += made[1]
            _hand_in_daily_tally(day, operator, now)
        day += datetime.timedelta(days=1)
    _hand_in_monthly_tallies(campaign.application_start, operator, now)
    out.write(f"Demo call center: {records} inquiries and {tallies} quick tallies\n")


def _inquiry_day(
    day, count, questions, categories, facilities, operator, rng, now, recent
) -> tuple[int, int]:
    """One business day's records and quick tallies, logged as the calls came in (9:00–17:00)."""
    inquiries, quick = [], []
    for _ in range(count):
        at = demo_clock.office_moment(day, rng.randint(0, 479))
        if at > now:
            continue
        _phase, slug, caller_type, question, answer = rng.choice(questions)
        status = InquiryStatus.DONE
        if day >= recent and rng.random() < 0.25:
            status = rng.choice([InquiryStatus.CALLBACK, InquiryStatus.CALLBACK, InquiryStatus.ESCALATED])
        name = rng.choice(CALLER_NAMES) if status != InquiryStatus.DONE or rng.random() < 0.3 else ""
        inquiries.append(
            Inquiry(
                received_at=at,
                channel=rng.choices(Channel.values, weights=[8, 3, 1])[0],
                caller_type=CallerType(caller_type),
                category=categories[slug],
                facility=rng.choice(facilities) if facilities and slug == "traveller-info" else None,
                question=question,
                answer=answer,
                status=status,
                duration_minutes=rng.randint(2, 15),
                caller_name=name,
                caller_phone=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}" if name else "",
                operator=operator,
            )
        )
    for _ in range(count + rng.randint(0, 4)):
        at = demo_clock.office_moment(day, rng.randint(0, 479))
        if at > now:
            continue
        slug = rng.choice(["overview", "overview", "traveller-info", "business-info", "other"])
        caller_type = CallerType.BUSINESS if slug == "business-info" else CallerType.TRAVELLER
        quick.append((at, categories[slug], caller_type))
    # Logged as the operator logs them, each when the call came in: the record through the model's own
    # save (what the 応対記録 form does), the click through the quick-tally service.
    for inquiry in inquiries:
        with demo_clock.at(inquiry.received_at):
            inquiry.save()
    for at, category, caller_type in quick:
        with demo_clock.at(at):
            add_quick_tally(operator, category, caller_type, Channel.PHONE, at=at)
    return len(inquiries), len(quick)


def _hand_in_daily_tally(day: datetime.date, operator, now: datetime.datetime) -> None:
    """日別集計: downloaded and handed to the city in the morning of the next business day."""
    deadline = daily_deadline(day)
    when = deadline - datetime.timedelta(minutes=95)
    if when <= now:
        with demo_clock.at(when):
            record_submission(ReportKind.DAILY, day, operator, via=SubmissionVia.DOWNLOAD)


def _hand_in_monthly_tallies(first_day: datetime.date, operator, now: datetime.datetime) -> None:
    """月別集計: handed in two business days before its deadline (7th business day, 17:00)."""
    month = first_of_month(first_day)
    while month < first_of_month(now.date()):
        when = demo_clock.office_moment(demo_clock.office_days(monthly_deadline(month).date(), -2), 5 * 60)
        if when <= now:
            with demo_clock.at(when):
                record_submission(ReportKind.MONTHLY, month, operator, via=SubmissionVia.DOWNLOAD)
        month = next_month(month)
