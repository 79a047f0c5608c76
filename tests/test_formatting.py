import datetime

from django.utils import translation

from core.formatting import format_date, format_wareki, format_yen


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


def test_yen_is_integer_with_separators():
    with translation.override("ja"):
        assert format_yen(120_000_000) == "120,000,000円"
        assert format_yen(0) == "0円"
        assert format_yen(None) == ""
    with translation.override("en"):
        assert format_yen(3000) == "¥3,000"
