"""Demo content of the campaign site in Japanese and English.

Creates the site's home page (replacing Wagtail's welcome page), the pages the spec requires, news,
settings and the tourism banners. Pages are found by slug under their parent and only created when
missing, so re-running never duplicates pages or overwrites an editor's changes.
"""

from __future__ import annotations

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.core.files.images import ImageFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from wagtail.images.models import Image
from wagtail.models import Locale, Page, Site

from campaigns.models import Campaign

from .models import (
    ContactSettings,
    FooterLink,
    HomePage,
    NavigationSettings,
    NewsIndexPage,
    NewsPage,
    SiteAlertSettings,
    StandardPage,
    TourismBanner,
)

Links = dict[str, Page]


def heading(text: str, level: str = "h2") -> dict[str, Any]:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html: str) -> dict[str, Any]:
    return {"type": "paragraph", "value": html}


def table(caption: str, rows: list[list[str]]) -> dict[str, Any]:
    return {
        "type": "table",
        "value": {
            "caption": caption,
            "table": {
                "data": rows,
                "first_row_is_table_header": True,
                "first_col_is_header": False,
                "table_header_choice": "row",
            },
        },
    }


def accordion(title: str, items: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "accordion",
        "value": {"heading": title, "items": [{"question": q, "answer": a} for q, a in items]},
    }


def call_to_action(title: str, text: str, label: str, page: Page) -> dict[str, Any]:
    return {
        "type": "call_to_action",
        "value": {
            "heading": title,
            "text": text,
            "button_label": label,
            "link": {"page": page.pk, "url": ""},
        },
    }


CAMPAIGN_SUMMARY = {"type": "campaign_summary", "value": None}
CONTACT_DETAILS = {"type": "contact_details", "value": None}


@dataclass
class PageSpec:
    key: str
    parent: str | None
    model: type[Page]
    slug: str
    in_menu: bool
    ja: dict[str, Any]
    en: dict[str, Any]
    body_ja: Callable[[Links], list[dict[str, Any]]] | None = None
    body_en: Callable[[Links], list[dict[str, Any]]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _about_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("キャンペーンの内容"),
        CAMPAIGN_SUMMARY,
        heading("割引の計算例"),
        table(
            "割引額の計算例（割引率20％、1人1泊あたり上限3,000円の場合）",
            [
                ["ご宿泊", "宿泊料金（税込）", "割引額"],
                ["1名1泊", "10,000円", "2,000円"],
                ["1名1泊", "20,000円", "3,000円（上限）"],
                ["2名2泊", "40,000円（1人1泊 10,000円）", "8,000円"],
            ],
        ),
        heading("対象となるご宿泊"),
        paragraph(
            "<ul><li>キャンペーンに参加している仙台市内の宿泊施設でのご宿泊が対象です。</li>"
            "<li>参加施設が登録決定を受けた日以降に予約されたご宿泊が対象です。</li>"
            "<li>1回のご宿泊につき、割引の対象は最大7泊までです。</li>"
            "<li>1人1泊あたりの宿泊料金が下限額に満たないご宿泊は対象外です。</li></ul>"
        ),
        heading("ご注意"),
        paragraph(
            "<p>割引の原資には限りがあります。予算の上限に達した施設から順次販売を終了します。"
            "販売を終了した施設は施設案内でお知らせします。</p>"
        ),
        call_to_action(
            "ご利用の流れを確認する",
            "予約から割引までの流れをご案内します。",
            "ご利用方法へ",
            links["how-to-use"],
        ),
    ]


def _about_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("What the campaign offers"),
        CAMPAIGN_SUMMARY,
        heading("Examples"),
        table(
            "Discount examples (20% off, up to ¥3,000 per person per night)",
            [
                ["Stay", "Room charge (tax incl.)", "Discount"],
                ["1 person, 1 night", "¥10,000", "¥2,000"],
                ["1 person, 1 night", "¥20,000", "¥3,000 (cap)"],
                ["2 people, 2 nights", "¥40,000 (¥10,000 per person-night)", "¥8,000"],
            ],
        ),
        heading("Which stays qualify"),
        paragraph(
            "<ul><li>Stays at participating lodging facilities in Sendai City.</li>"
            "<li>Bookings made on or after the facility's registration date.</li>"
            "<li>Up to 7 nights per stay.</li>"
            "<li>Stays below the minimum price per person per night do not qualify.</li></ul>"
        ),
        heading("Please note"),
        paragraph(
            "<p>The budget is limited. Facilities stop selling discounted stays when their share is used up; "
            "the facility guide shows which have sold out.</p>"
        ),
        call_to_action(
            "How to use the discount", "From booking to checkout.", "How to use", links["how-to-use"]
        ),
    ]


def _how_to_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("ご利用の流れ"),
        paragraph(
            "<ol><li>参加している宿泊施設を探します。</li>"
            "<li>宿泊施設に直接、または予約サイト・旅行会社を通じて、キャンペーン対象のプランを予約します。</li>"
            "<li>ご宿泊の際、割引後の料金をお支払いください（割引は宿泊施設が適用します）。</li>"
            "<li>チェックアウト後、アンケートにご協力ください。抽選で仙台の特産品が当たります。</li></ol>"
        ),
        accordion(
            "よくあるご質問",
            [
                ("仙台市民も利用できますか。", "<p>はい。お住まいの地域にかかわらずご利用いただけます。</p>"),
                (
                    "すでに予約済みの宿泊も対象になりますか。",
                    "<p>参加施設が登録決定を受けた日以降に予約されたご宿泊が対象です。予約日は宿泊施設にご確認ください。</p>",
                ),
                (
                    "何泊まで割引になりますか。",
                    "<p>1回のご宿泊につき最大7泊までが割引の対象です。</p>",
                ),
            ],
        ),
        call_to_action(
            "お問い合わせ",
            "ご不明な点はコールセンターへお問い合わせください。",
            "お問い合わせ先",
            links["contact"],
        ),
    ]


def _how_to_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("Step by step"),
        paragraph(
            "<ol><li>Find a participating facility.</li>"
            "<li>Book a campaign plan directly, online or through a travel agency.</li>"
            "<li>Pay the discounted price at the facility; the facility applies the discount.</li>"
            "<li>After your stay, answer our survey for a chance to win Sendai specialities.</li></ol>"
        ),
        accordion(
            "Frequently asked questions",
            [
                ("Can Sendai residents use the campaign?", "<p>Yes, wherever you live.</p>"),
                (
                    "Does a booking I already made qualify?",
                    "<p>Bookings made on or after the facility's registration date qualify. "
                    "Ask the facility for your booking date.</p>",
                ),
                ("How many nights are discounted?", "<p>Up to 7 nights per stay.</p>"),
            ],
        ),
        call_to_action("Questions?", "Our call center will help.", "Contact", links["contact"]),
    ]


def _members_url(name: str, language: str) -> str:
    """A page of the hotel users' area (members app) in the given language."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override(language):
        return reverse(f"members:{name}")


def _business_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("参加事業者の募集"),
        paragraph(
            "<p>仙台市内で旅館業法の許可を受けて宿泊施設を営業している事業者の皆さまを対象に、"
            "キャンペーンへの参加を募集します。参加申請の受付期間は次のとおりです。"
            "キャンペーン開始後は、原則として新規の参加申請は受け付けません。</p>"
        ),
        CAMPAIGN_SUMMARY,
        heading("参加の流れ"),
        paragraph(
            "<ol><li>参加申請（事業者情報、施設情報、振込口座、誓約事項、必要書類）</li>"
            "<li>事務局による審査（必要に応じて修正をお願いします）</li>"
            "<li>登録決定の通知、施設案内への掲載</li>"
            "<li>割引販売、毎月の実績報告、割引相当分のお支払い</li></ol>"
        ),
        heading("必要書類"),
        paragraph("<ul><li>旅館業営業許可証の写し</li><li>振込先口座の通帳の写し</li></ul>"),
        heading("参加事業者の方"),
        paragraph(
            f'<p>参加申請は参加事業者専用ページで行います。はじめての方は<a href="{_members_url("signup", "ja")}">利用者登録</a>を、'
            f'登録済みの方は<a href="{_members_url("login", "ja")}">ログイン</a>をしてください。</p>'
        ),
        call_to_action(
            "参加についてのご相談",
            "事業者向けコールセンターで参加方法をご案内します。",
            "お問い合わせ先",
            links["contact"],
        ),
    ]


def _business_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("Call for participating businesses"),
        paragraph(
            "<p>Lodging businesses licensed under the Hotel Business Act in Sendai City are invited to take part. "
            "Applications are accepted in the period below; no new applications are taken once the campaign "
            "has started.</p>"
        ),
        CAMPAIGN_SUMMARY,
        heading("How to take part"),
        paragraph(
            "<ol><li>Apply (business, facilities, bank account, pledges, documents).</li>"
            "<li>The secretariat reviews your application.</li>"
            "<li>You are notified and your facilities appear in the guide.</li>"
            "<li>Sell discounted stays, report them monthly and receive the reimbursement.</li></ol>"
        ),
        heading("Documents"),
        paragraph(
            "<ul><li>A copy of your lodging business licence</li><li>A copy of your bank book</li></ul>"
        ),
        heading("Participating businesses"),
        paragraph(
            f'<p>Applications are made in the members area. New users please <a href="{_members_url("signup", "en")}">sign up</a>; '
            f'registered users please <a href="{_members_url("login", "en")}">log in</a>.</p>'
        ),
        call_to_action(
            "Talk to us", "The business call center explains how to take part.", "Contact", links["contact"]
        ),
    ]


def _contact_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("コールセンター"),
        CONTACT_DETAILS,
        paragraph(
            "<p>お問い合わせの内容は、応対記録として適切に管理し、キャンペーンの運営以外には使用しません。</p>"
        ),
    ]


def _contact_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("Call center"),
        CONTACT_DETAILS,
        paragraph(
            "<p>Calls are recorded as inquiry logs and used only to run the campaign. Japanese is spoken.</p>"
        ),
    ]


def _accessibility_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("方針"),
        paragraph(
            "<p>仙台市宿泊促進キャンペーンのウェブサイトは、高齢者や障害のある方を含め、誰もが利用しやすいよう、"
            "総務省「みんなの公共サイト運用ガイドライン（2024年版）」に基づき、"
            "日本産業規格 JIS X 8341-3:2016 の適合レベルAAに準拠することを目標として制作・運用しています。</p>"
        ),
        heading("対象範囲"),
        paragraph(
            "<p>本ウェブサイト（日本語版・英語版）のすべてのページ。外部サイトへのリンク先は対象外です。</p>"
        ),
        heading("取り組み"),
        paragraph(
            "<ul><li>すべてのページで自動検査ツールによる試験を公開前に実施しています。</li>"
            "<li>キーボードだけで操作できること、画面を200％に拡大しても利用できることを確認しています。</li>"
            "<li>画像には代替テキストを設定しています。</li></ul>"
        ),
        heading("お気づきの点"),
        paragraph(
            "<p>ご利用にあたりお気づきの点がありましたら、お問い合わせページの連絡先までお知らせください。</p>"
        ),
    ]


def _accessibility_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("Our commitment"),
        paragraph(
            "<p>This website aims to conform to JIS X 8341-3:2016 level AA, following the Ministry of Internal "
            "Affairs and Communications' Public Website Guidelines (2024 edition), so that everyone, including "
            "older people and people with disabilities, can use it.</p>"
        ),
        heading("Scope"),
        paragraph(
            "<p>Every page of this website in Japanese and English. Linked external sites are not covered.</p>"
        ),
        heading("What we do"),
        paragraph(
            "<ul><li>Every page is tested with automated accessibility checks before publication.</li>"
            "<li>Every function works with the keyboard alone and at 200% zoom.</li>"
            "<li>Images have text alternatives.</li></ul>"
        ),
    ]


def _privacy_ja(links: Links) -> list[dict[str, Any]]:
    return [
        heading("個人情報の取扱い"),
        paragraph(
            "<p>キャンペーン事務局は、仙台市からの委託によりキャンペーンを運営しています。"
            "お問い合わせ、参加申請、アンケートなどでお預かりする個人情報は、"
            "個人情報の保護に関する法律および仙台市との契約に定める特記仕様書に従い、適切に取り扱います。</p>"
        ),
        heading("利用目的"),
        paragraph(
            "<ul><li>参加申請の審査、参加事業者との連絡、割引相当分のお支払い</li>"
            "<li>お問い合わせへの回答</li><li>アンケートの集計・分析、景品の発送</li></ul>"
        ),
        heading("第三者への提供"),
        paragraph("<p>法令に基づく場合を除き、ご本人の同意なく第三者に提供することはありません。</p>"),
        heading("消去"),
        paragraph(
            "<p>キャンペーン終了後、お預かりした情報は仙台市の指示に従い確実に消去し、消去報告書を提出します。</p>"
        ),
    ]


def _privacy_en(links: Links) -> list[dict[str, Any]]:
    return [
        heading("Personal information"),
        paragraph(
            "<p>The campaign secretariat runs this campaign on behalf of Sendai City and handles the personal "
            "information you give us (inquiries, applications, surveys) according to the Act on the Protection "
            "of Personal Information and the city's contract.</p>"
        ),
        heading("Purposes"),
        paragraph(
            "<ul><li>Reviewing applications, contacting participants and paying reimbursements</li>"
            "<li>Answering inquiries</li><li>Analysing surveys and sending prizes</li></ul>"
        ),
        heading("Erasure"),
        paragraph(
            "<p>After the campaign, the information is erased as the city instructs and an erasure report is filed.</p>"
        ),
    ]


PAGES: list[PageSpec] = [
    PageSpec(
        "about",
        "home",
        StandardPage,
        "about",
        True,
        {
            "title": "キャンペーン概要",
            "intro": "市内の参加宿泊施設の宿泊料金を割り引き、全国から仙台へのご宿泊を応援するキャンペーンです。",
        },
        {
            "title": "About the campaign",
            "intro": "A discount on stays at participating lodging facilities in Sendai, "
            "to welcome visitors from all over Japan.",
        },
        _about_ja,
        _about_en,
    ),
    PageSpec(
        "how-to-use",
        "home",
        StandardPage,
        "how-to-use",
        True,
        {"title": "ご利用方法", "intro": "予約から割引までの流れと、よくあるご質問です。"},
        {"title": "How to use", "intro": "From booking to discount, and frequently asked questions."},
        _how_to_ja,
        _how_to_en,
    ),
    PageSpec(
        "for-businesses",
        "home",
        StandardPage,
        "for-businesses",
        True,
        {
            "title": "参加事業者の皆さまへ",
            "intro": "宿泊事業者の皆さまのキャンペーンへの参加を募集しています。",
        },
        {"title": "For businesses", "intro": "We invite lodging businesses in Sendai to take part."},
        _business_ja,
        _business_en,
    ),
    PageSpec(
        "news",
        "home",
        NewsIndexPage,
        "news",
        True,
        {"title": "お知らせ", "intro": "キャンペーンに関するお知らせです。"},
        {"title": "News", "intro": "News about the campaign."},
    ),
    PageSpec(
        "contact",
        "home",
        StandardPage,
        "contact",
        True,
        {"title": "お問い合わせ", "intro": "キャンペーンに関するお問い合わせは、コールセンターで承ります。"},
        {"title": "Contact", "intro": "Our call center answers your questions about the campaign."},
        _contact_ja,
        _contact_en,
    ),
    PageSpec(
        "accessibility",
        "home",
        StandardPage,
        "accessibility",
        False,
        {"title": "ウェブアクセシビリティ方針", "intro": "誰もが利用しやすいウェブサイトを目指しています。"},
        {"title": "Web accessibility policy", "intro": "A website everyone can use."},
        _accessibility_ja,
        _accessibility_en,
    ),
    PageSpec(
        "privacy",
        "home",
        StandardPage,
        "privacy",
        False,
        {"title": "プライバシーポリシー", "intro": "個人情報の取扱いについて定めています。"},
        {"title": "Privacy policy", "intro": "How we handle personal information."},
        _privacy_ja,
        _privacy_en,
    ),
]

# (slug, days after the running round's application window opened, ja, en)
NEWS = [
    (
        "site-open",
        -3,
        {
            "title": "キャンペーンサイトを公開しました",
            "summary": "仙台市宿泊促進キャンペーンの専用サイトを公開しました。",
        },
        {"title": "The campaign website is open", "summary": "The Sendai Stay Campaign website is now open."},
    ),
    (
        "recruitment",
        0,
        {
            "title": "参加事業者の募集を開始しました",
            "summary": "市内の宿泊事業者の皆さまからの参加申請を受け付けています。",
        },
        {
            "title": "Applications from businesses are open",
            "summary": "Lodging businesses in Sendai can now apply.",
        },
    ),
    (
        "call-center",
        0,
        {
            "title": "コールセンターを開設しました",
            "summary": "利用者向け・事業者向けのコールセンターを開設しました。",
        },
        {
            "title": "Call center opened",
            "summary": "Call centers for travellers and for businesses are open.",
        },
    ),
]

BANNERS = [
    (
        "sentabi",
        "せんだい旅日和",
        "Sendai Tabi-biyori",
        "https://www.sentabi.jp/",
        "仙台の観光情報サイト",
        "Sendai's official tourism guide",
        (11, 92, 54),
    ),
    (
        "tabicolle",
        "仙台旅先体験コレクション",
        "Sendai Experience Collection",
        "https://www.sentabi.jp/tabicolle/",
        "仙台ならではの体験プログラム",
        "Hands-on experiences in Sendai",
        (0, 73, 168),
    ),
    (
        "yorujikan",
        "仙台夜時間",
        "Sendai Night Time",
        "https://www.sentabi.jp/yorujikan/",
        "夜の仙台を楽しむ",
        "Enjoy Sendai after dark",
        (58, 36, 110),
    ),
]


def seed(out: TextIO) -> None:
    ja = Locale.objects.get_or_create(language_code="ja")[0]
    en = Locale.objects.get_or_create(language_code="en")[0]
    home = _ensure_home(ja, out)
    links: Links = {"home": home}
    created: list[PageSpec] = []
    for spec in PAGES:
        page, was_created = _ensure_page(links[spec.parent or "home"], spec, spec.ja, out)
        links[spec.key] = page
        if was_created:
            created.append(spec)
    # Bodies link to each other, so they are written once every page exists.
    for spec in created:
        if spec.body_ja is not None:
            page = links[spec.key] = spec.model.objects.get(pk=links[spec.key].pk)
            page.body = json.dumps(spec.body_ja(links))
            page.save_revision().publish()
    _ensure_news(links["news"], out)

    home_en = _ensure_translation(home, en, {"title": "Home", "lead": HOME_LEAD_EN}, out)
    links_en: Links = {"home": home_en}
    for spec in PAGES:
        links_en[spec.key] = _ensure_translation(links[spec.key], en, spec.en, out, spec.body_en, links)
    for slug, _offset, _ja, en_fields in NEWS:
        source = NewsPage.objects.child_of(links["news"]).filter(slug=slug).first()
        if source:
            _ensure_translation(source, en, {**en_fields, "body": _news_body(en_fields["summary"])}, out)

    _ensure_home_calls_to_action(home, links, "ご利用方法を見る", "参加事業者の皆さまへ")
    _ensure_home_calls_to_action(home_en, links, "How to use the discount", "For businesses")
    _ensure_settings(links, out)
    _ensure_banners(ja, en, out)


HOME_LEAD_JA = "仙台の宿に泊まって、杜の都を楽しもう。参加宿泊施設のご宿泊が割引になります。"
HOME_LEAD_EN = "Stay in Sendai, the City of Trees. Stays at participating facilities are discounted."


def _ensure_home(ja: Locale, out: TextIO) -> HomePage:
    site = Site.objects.filter(is_default_site=True).first()
    existing = HomePage.objects.filter(locale=ja, depth=2).first()
    if existing is None:
        root = Page.get_first_root_node()
        # Wagtail's welcome page: replace it, but never a page that has content under it.
        for welcome in root.get_children().filter(slug="home", numchild=0):
            if welcome.specific_class is Page:
                welcome.delete()
        existing = HomePage(title="ホーム", slug="home", locale=ja, lead=HOME_LEAD_JA, show_in_menus=False)
        root.add_child(instance=existing)
        existing.save_revision().publish()
        out.write("Created the home page\n")
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=existing,
            is_default_site=True,
            site_name="仙台市宿泊促進キャンペーン",
        )
    elif site.root_page_id != existing.pk:
        site.root_page = existing
        site.site_name = "仙台市宿泊促進キャンペーン"
        site.save()
    return existing


def _ensure_page(parent: Page, spec: PageSpec, fields: dict[str, Any], out: TextIO) -> tuple[Page, bool]:
    page = Page.objects.child_of(parent).filter(slug=spec.slug).first()
    if page is not None:
        return page.specific, False
    page = spec.model(slug=spec.slug, show_in_menus=spec.in_menu, locale=parent.locale, **fields)
    if spec.body_ja is not None:
        page.body = json.dumps([paragraph(f"<p>{fields.get('intro', '')}</p>")])
    parent.add_child(instance=page)
    page.save_revision().publish()
    out.write(f"Created page {page.url_path}\n")
    return page, True


def _news_body(summary: str) -> str:
    return json.dumps([paragraph(f"<p>{summary}</p>")])


def _ensure_news(index: Page, out: TextIO) -> None:
    """News of the running round, dated by its calendar (the site opened just before applications)."""
    campaign = Campaign.objects.filter(slug="demo-current").first()
    opened = campaign.application_start if campaign else timezone.localdate()
    for slug, offset, ja_fields, _en in NEWS:
        if NewsPage.objects.child_of(index).filter(slug=slug).exists():
            continue
        item = NewsPage(
            slug=slug,
            locale=index.locale,
            date=min(opened + datetime.timedelta(days=offset), timezone.localdate()),
            body=_news_body(ja_fields["summary"]),
            **ja_fields,
        )
        index.add_child(instance=item)
        item.save_revision().publish()
        out.write(f"Created news {item.url_path}\n")


def _ensure_translation(
    source: Page,
    locale: Locale,
    fields: dict[str, Any],
    out: TextIO,
    body: Callable[[Links], list[dict[str, Any]]] | None = None,
    links: Links | None = None,
) -> Page:
    existing = source.get_translation_or_none(locale)
    if existing is not None:
        return existing.specific
    translation = source.specific.copy_for_translation(locale)
    for name, value in fields.items():
        setattr(translation, name, value)
    if body is not None and links is not None:
        translation.body = json.dumps(body(links))
    translation.save()
    translation.save_revision().publish()
    out.write(f"Translated {source.url_path} into {locale.language_code}\n")
    return translation


def _ensure_home_calls_to_action(home: HomePage, links: Links, traveller: str, business: str) -> None:
    home = HomePage.objects.get(pk=home.pk)  # fresh tree fields: publishing writes numchild back
    if home.traveller_cta_page_id or home.business_cta_page_id:
        return
    home.traveller_cta_page = links["how-to-use"]
    home.traveller_cta_label = traveller
    home.business_cta_page = links["for-businesses"]
    home.business_cta_label = business
    home.save_revision().publish()


def _ensure_settings(links: Links, out: TextIO) -> None:
    contact = ContactSettings.load()
    if not (contact.traveller_phone or contact.business_phone):
        contact.traveller_phone = "022-000-1111"
        contact.business_phone = "022-000-2222"
        contact.hours = "平日 9:00〜17:00（土日祝日を除く）"
        contact.hours_en = "Weekdays 9:00–17:00 (closed on weekends and public holidays)"
        contact.note = "番号はデモ用の架空の番号です。"
        contact.note_en = "These are fictional numbers for the demo."
        campaign = Campaign.objects.current()
        if campaign is not None:  # lines open around the round, as the spec's periods do
            contact.traveller_from = campaign.stay_start - datetime.timedelta(days=7)
            contact.traveller_until = campaign.stay_end + datetime.timedelta(days=8)
            contact.business_from = campaign.application_start
            contact.business_until = campaign.stay_end + datetime.timedelta(days=21)
        contact.save()
        out.write("Set the call-center contact details\n")
    alert = SiteAlertSettings.load()
    if not alert.message:
        alert.message = "予算の上限に近づいている施設があります。最新の販売状況は施設案内でご確認ください。"
        alert.message_en = (
            "Some facilities are close to their budget. Check the facility guide for availability."
        )
        alert.level = "info"
        alert.enabled = False
        alert.save()
    navigation = NavigationSettings.load()
    if not navigation.footer_links.exists():
        for order, key in enumerate(["accessibility", "privacy", "contact"]):
            FooterLink.objects.create(setting=navigation, page=links[key], sort_order=order)


def _banner_image(key: str, label: str, colour: tuple[int, int, int]) -> Image:
    title = f"バナー: {key}"
    image = Image.objects.filter(title=title).first()
    if image is not None:
        return image
    canvas = PILImage.new("RGB", (640, 200), colour)
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((12, 12, 627, 187), outline=(255, 255, 255), width=4)
    font = ImageFont.load_default(size=44)
    draw.text((320, 100), label, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"banner-{key}.png"))


def _ensure_banners(ja: Locale, en: Locale, out: TextIO) -> None:
    for order, (key, name_ja, name_en, url, desc_ja, desc_en, colour) in enumerate(BANNERS):
        image = _banner_image(key, name_en, colour)
        banner = TourismBanner.objects.filter(locale=ja, url=url).first()
        if banner is None:
            banner = TourismBanner.objects.create(
                locale=ja,
                name=name_ja,
                url=url,
                image=image,
                image_alt=name_ja,
                description=desc_ja,
                sort_order=order,
            )
            out.write(f"Created banner {name_ja}\n")
        if banner.get_translation_or_none(en) is None:
            translation = banner.copy_for_translation(en)
            translation.name = name_en
            translation.image_alt = name_en
            translation.description = desc_en
            translation.save()
