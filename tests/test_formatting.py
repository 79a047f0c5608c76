import datetime

from django.utils import translation

from core.formatting import (
    format_date,
    format_wareki,
    format_wareki_datetime,
    format_wareki_month,
    format_wareki_period,
    format_yen,
)


def test_dates_in_japanese_style():
    with translation.override("ja"):
        assert format_date(datetime.date(2025, 5, 26)) == "2025年5月26日（月）"
        assert format_date(datetime.date(2025, 7, 10), weekday=False) == "2025年7月10日"


def test_dates_in_english():
    with translation.override("en"):
        assert format_date(datetime.date(2025, 5, 26)) == "Mon 26 May 2025"


def test_aware_datetimes_use_tokyo_date():
    # 2025-05-25 16:00 UTC is already 26 May in Tokyo.
    moment = datetime.datetime(2025, 5, 25, 16, 0, tzinfo=datetime.UTC)
    with translation.override("ja"):
        assert format_date(moment) == "2025年5月26日（月）"


def test_wareki():
    assert format_wareki(datetime.date(2025, 5, 9)) == "令和7年5月9日"
    assert format_wareki(datetime.date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(datetime.date(2019, 4, 30)) == "平成31年4月30日"
    assert format_wareki(datetime.date(2026, 12, 7)) == "令和8年12月7日"


def test_wareki_of_a_moment_is_its_day_in_tokyo():
    # 2026-12-06 15:30 UTC is already 7 December in Tokyo.
    moment = datetime.datetime(2026, 12, 6, 15, 30, tzinfo=datetime.UTC)
    assert format_wareki(moment) == "令和8年12月7日"
    assert format_wareki_datetime(moment) == "令和8年12月7日 00:30"


def test_wareki_month_and_period():
    assert format_wareki_month(datetime.date(2026, 11, 1)) == "令和8年11月"
    assert format_wareki_month(datetime.date(2026, 11, 30)) == "令和8年11月"
    assert format_wareki_month(datetime.date(2019, 5, 31)) == "令和元年5月"
    assert format_wareki_month(datetime.date(2019, 4, 1)) == "平成31年4月"
    period = format_wareki_period(datetime.date(2025, 5, 26), datetime.date(2025, 7, 10))
    assert period == "令和7年5月26日〜令和7年7月10日"


def test_wareki_template_filters():
    from django.template import Context, Template

    template = Template("{% load core_tags %}{{ d|wareki }} {{ d|wareki_month }} {{ n|wareki }}")
    assert (
        template.render(Context({"d": datetime.date(2026, 11, 3), "n": None}))
        == "令和8年11月3日 令和8年11月 "
    )


def test_yen_is_integer_with_separators():
    with translation.override("ja"):
        assert format_yen(120_000_000) == "120,000,000円"
        assert format_yen(0) == "0円"
        assert format_yen(None) == ""
    with translation.override("en"):
        assert format_yen(3000) == "¥3,000"
