"""The public site's page types, chrome and editable settings, rendered as a visitor gets them."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Locale, Page

from campaigns.models import Campaign
from cms.blocks import LinkBlock
from cms.models import (
    ContactSettings,
    HomePage,
    NewsIndexPage,
    NewsPage,
    SiteAlertSettings,
    StandardPage,
    TourismBanner,
)

from .factories import delete_all_campaigns

pytestmark = pytest.mark.django_db


def html(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, path
    return response.content.decode()


def test_home_reads_the_campaign_facts_from_the_current_round(client, seeded):
    campaign = Campaign.objects.current()
    page = html(client, "/")
    assert campaign.name in page
    assert "120,000,000円" in page
    assert "宿泊料金の20%を割引" in page
    start = campaign.stay_start
    assert f"{start.year}年{start.month}月{start.day}日" in page


def test_changing_the_campaign_changes_the_home_page(client, seeded):
    campaign = Campaign.objects.current()
    campaign.budget = 99_000_000
    campaign.discount_rate = 30
    campaign.save()
    page = html(client, "/")
    assert "99,000,000円" in page and "宿泊料金の30%を割引" in page


def test_english_home_uses_english_name_and_formats(client, seeded):
    page = html(client, "/en/")
    assert "Sendai Stay Campaign" in page
    assert "¥120,000,000" in page
    assert 'lang="en"' in page


def test_home_without_any_campaign_still_renders(client, seeded):
    delete_all_campaigns()
    page = html(client, "/")
    assert "ホーム" in page  # the page title stands in for the campaign name


def test_latest_news_on_home_newest_first_and_only_three(client, seeded):
    index = NewsIndexPage.objects.get(locale__language_code="ja")
    for day in range(1, 5):
        item = NewsPage(
            title=f"追加のお知らせ{day}",
            slug=f"extra-{day}",
            summary="要約",
            date=timezone.localdate() + datetime.timedelta(days=day),
            body="[]",
        )
        index.add_child(instance=item)
    page = html(client, "/")
    assert "追加のお知らせ4" in page and "追加のお知らせ2" in page
    assert "追加のお知らせ1" not in page
    assert page.index("追加のお知らせ4") < page.index("追加のお知らせ3")


def test_unpublished_news_is_not_listed(client, seeded):
    index = NewsIndexPage.objects.get(locale__language_code="ja")
    draft = NewsPage(title="下書きのお知らせ", slug="draft", summary="要約", body="[]", live=False)
    index.add_child(instance=draft)
    assert "下書きのお知らせ" not in html(client, "/news/")
    html(client, "/news/draft/", status=404)


@pytest.fixture
def many_news(seeded):
    index = NewsIndexPage.objects.get(locale__language_code="ja")
    for number in range(1, 23):  # 3 seeded + 22 = 25 items, 10 a page
        index.add_child(
            instance=NewsPage(
                title=f"連番のお知らせ{number:02d}",
                slug=f"n{number}",
                summary="要約",
                body="[]",
                date=datetime.date(2020, 1, 1) + datetime.timedelta(days=number),
            )
        )
    return index


def test_news_index_paginates(client, many_news):
    first = html(client, "/news/")
    assert first.count('class="news-list__item"') == 10
    assert "3ページ中1ページ目" in first
    assert 'href="?page=2" rel="next"' in first
    third = html(client, "/news/?page=3")
    assert third.count('class="news-list__item"') == 5
    assert "連番のお知らせ01" in third
    assert 'href="?page=2" rel="prev"' in third


@pytest.mark.parametrize("bad", ["abc", "-1", "999", ""])
def test_news_index_survives_bad_page_numbers(client, many_news, bad):
    page = html(client, f"/news/?page={bad}")
    assert 'class="news-list__item"' in page


def test_site_alert_is_shown_on_every_page_only_when_switched_on(client, seeded):
    alert = SiteAlertSettings.load()
    alert.enabled = False
    alert.message = "予算の上限に近づいています"
    alert.message_en = "The budget is nearly used up"
    alert.save()
    assert "予算の上限に近づいています" not in html(client, "/")
    alert.enabled = True
    alert.save()
    for path in ("/", "/about/", "/news/site-open/"):
        assert "予算の上限に近づいています" in html(client, path)
    assert "The budget is nearly used up" in html(client, "/en/about/")


def test_tourism_banners_in_editor_order_and_language(client, seeded):
    names = list(
        TourismBanner.objects.filter(locale__language_code="ja")
        .order_by("sort_order")
        .values_list("name", flat=True)
    )
    assert names == ["せんだい旅日和", "仙台旅先体験コレクション", "仙台夜時間"]
    page = html(client, "/about/")
    positions = [page.index(name) for name in names]
    assert positions == sorted(positions)

    last = TourismBanner.objects.get(locale__language_code="ja", name="仙台夜時間")
    last.sort_order = -1
    last.save()
    page = html(client, "/about/")
    assert page.index("仙台夜時間") < page.index("せんだい旅日和")
    assert "Sendai Night Time" in html(client, "/en/")


def test_banners_fall_back_to_japanese_when_not_translated(client, seeded):
    TourismBanner.objects.filter(locale__language_code="en").delete()
    assert "せんだい旅日和" in html(client, "/en/")


def test_menu_breadcrumb_and_footer(client, seeded):
    page = html(client, "/news/site-open/")
    assert 'aria-label="メインメニュー"' in page
    assert '<a href="/news/" aria-current="page">お知らせ</a>' in page  # the section is marked current
    assert 'href="/faq/"' in page  # the FAQ fed by the call center is one click away
    assert 'aria-label="パンくずリスト"' in page
    assert "ウェブアクセシビリティ方針" in page and "プライバシーポリシー" in page


def test_contact_details_come_from_settings(client, seeded):
    contact = ContactSettings.load()
    contact.traveller_phone = "022-123-4567"
    contact.save()
    page = html(client, "/contact/")
    assert "022-123-4567" in page and 'href="tel:0221234567"' in page


def test_each_line_shows_its_own_period(client, seeded):
    import datetime

    from django.core.exceptions import ValidationError

    contact = ContactSettings.load()
    contact.traveller_from, contact.traveller_until = datetime.date(2025, 5, 19), datetime.date(2025, 7, 18)
    contact.business_from, contact.business_until = datetime.date(2025, 5, 1), datetime.date(2025, 7, 31)
    contact.save()
    page = html(client, "/contact/")  # the contact block and the footer
    assert page.count("開設期間: 2025年5月19日（月）〜2025年7月18日（金）") == 2
    assert page.count("開設期間: 2025年5月1日（木）〜2025年7月31日（木）") == 2
    contact.business_until = datetime.date(2025, 4, 30)
    with pytest.raises(ValidationError, match="開設日以降"):
        contact.full_clean()


def test_language_switcher_points_at_the_translation(client, seeded):
    page = html(client, "/about/")
    assert 'href="/en/about/" lang="en" hreflang="en"' in page
    page = html(client, "/en/about/")
    assert 'href="/about/" lang="ja" hreflang="ja"' in page


def test_untranslated_page_switches_to_the_other_home(client, seeded):
    about = StandardPage.objects.get(slug="about", locale__language_code="ja")
    extra = StandardPage(title="日本語だけのページ", slug="ja-only", body="[]")
    about.add_child(instance=extra)
    assert 'href="/en/" lang="en"' in html(client, "/about/ja-only/")


def test_page_type_rules():
    assert HomePage.allowed_parent_page_models() == [Page]
    assert NewsPage.parent_page_types == ["cms.NewsIndexPage"]
    assert "cms.NewsPage" not in [m._meta.label for m in StandardPage.allowed_subpage_models()]
    assert NewsIndexPage.allowed_subpage_models() == [NewsPage]


def test_seeded_english_pages_are_translations_of_the_japanese_ones(seeded):
    english = Locale.objects.get(language_code="en")
    for page in StandardPage.objects.filter(locale__language_code="ja"):
        translation = page.get_translation_or_none(english)
        assert translation is not None and translation.live, page.slug


@pytest.mark.parametrize(
    ("value", "valid"),
    [({"page": None, "url": ""}, False), ({"page": None, "url": "https://www.sentabi.jp/"}, True)],
)
def test_link_block_needs_exactly_one_target(value, valid):
    block = LinkBlock()
    if valid:
        block.clean(block.to_python(value))
    else:
        with pytest.raises(ValidationError):
            block.clean(block.to_python(value))


def test_link_block_refuses_both_a_page_and_a_url(seeded):
    block = LinkBlock()
    home = HomePage.objects.first()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"page": home.pk, "url": "https://example.jp/"}))
