import pytest

from core.text import normalize_search_text, search_terms


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ﾎﾃﾙ", "ほてる"),
        ("ホテル", "ほてる"),
        ("ほてる", "ほてる"),
        ("ＳＥＮＤＡＩ　Ｓｔａｔｉｏｎ", "sendai station"),
        ("  秋保   温泉 ", "秋保 温泉"),
        ("ヴィラ", "ゔぃら"),
        ("ｶﾞｰﾃﾞﾝ", "がーでん"),  # half-width voiced marks combine under NFKC
        ("Wi-Fi", "wi-fi"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_search_text(raw, expected):
    assert normalize_search_text(raw) == expected


def test_search_terms_split_dedupe_and_cap():
    assert search_terms("秋保　温泉 秋保") == ["秋保", "温泉"]
    assert search_terms("   ") == []
    assert len(search_terms(" ".join(f"w{i}" for i in range(30)))) == 10
