"""Bulk import of the facility file (施設一覧): the service, the command and the admin upload."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from campaigns.models import Campaign
from facilities import importing
from facilities.importing import (
    ADDRESS,
    APPROVED_ON,
    AREA,
    CODE,
    COLUMNS,
    DESCRIPTION,
    FEATURES,
    KANA,
    NAME,
    PHONE,
    ROOMS,
    SALES,
    TYPE,
    WARD,
    WEBSITE,
    ImportProblem,
    import_facilities,
)
from facilities.models import Facility, Participation
from facilities.services import mark_sold_out

from .factories import (
    CampaignFactory,
    FacilityFactory,
    ParticipationFactory,
    UserFactory,
    delete_all_campaigns,
)

pytestmark = pytest.mark.django_db

WARD_CHOICES = "青葉区、宮城野区、若林区、太白区、泉区"
LIST_URL = "wagtailsnippets_facilities_facility:list"
BAD_URL = "ウェブサイトは http:// または https:// で始まるURLを入力してください"


def facility_row(code: str = "IMP001", **values: object) -> dict[str, object]:
    """A valid row; keyword arguments use the column headers (e.g. **{WARD: "泉区"})."""
    row: dict[str, object] = {
        CODE: code,
        NAME: f"取込ホテル{code}",
        KANA: "トリコミホテル",
        TYPE: "ホテル",
        WARD: "青葉区",
        AREA: "仙台駅周辺",
        ADDRESS: "仙台市青葉区中央1-1-1",
        PHONE: "022-111-2222",
        WEBSITE: "https://hotel.example.jp/",
        FEATURES: "温泉、駐車場",
        DESCRIPTION: "駅から近いホテルです。",
        ROOMS: "120",
        SALES: "販売中",
        APPROVED_ON: "2025-05-09",
    }
    row.update(values)
    return row


def table(rows: list[dict[str, object]], header: list[str] | tuple[str, ...] = COLUMNS) -> list[list[object]]:
    return [list(header), *[[row.get(column, "") for column in header] for row in rows]]


def csv_bytes(
    rows: list[dict[str, object]], header: list[str] | tuple[str, ...] = COLUMNS, encoding: str = "utf-8"
) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(table(rows, header))
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, object]], header: list[str] | tuple[str, ...] = COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for values in table(rows, header):
        sheet.append([None if value == "" else value for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def only_error(result) -> ImportProblem:
    assert not result.ok
    assert result.error_count == 1, result.errors
    return result.errors[0]


# --- The service: a good file ----------------------------------------------------------------------------


def test_a_good_file_creates_facilities_participations_features_and_sold_out_state(seeded, campaign):
    reviewer = UserFactory(role="reviewer")
    data = csv_bytes(
        [
            facility_row("IMP001", **{ROOMS: "1,200室", PHONE: "０２２－１１１－２２２２"}),
            facility_row("IMP002", **{TYPE: "旅館", AREA: "秋保温泉", WARD: "太白区", SALES: "販売終了"}),
            facility_row("IMP003", **{FEATURES: "", ROOMS: "", WEBSITE: "", SALES: ""}),
        ]
    )

    result = import_facilities(data, filename="施設一覧.csv", campaign=campaign, user=reviewer)

    assert result.ok, result.errors
    assert (result.rows, result.created, result.updated, result.sold_out, result.resumed) == (3, 3, 0, 1, 0)
    first = Facility.objects.get(code="IMP001")
    assert first.name == "取込ホテルIMP001" and first.kana == "トリコミホテル"
    assert (first.facility_type.slug, first.ward.slug, first.area.slug) == ("hotel", "aoba", "sendai-station")
    assert first.address == "仙台市青葉区中央1-1-1" and first.website == "https://hotel.example.jp/"
    assert first.phone == "022-111-2222", "full-width digits are normalised"
    assert first.room_count == 1200 and first.is_published
    assert set(first.features.values_list("slug", flat=True)) == {"onsen", "parking"}
    for text in ("温泉", "駐車場", "とりこみほてる"):
        assert text in first.search_text
    participation = Participation.objects.get(facility=first, campaign=campaign)
    assert participation.approved_on == datetime.date(2025, 5, 9) and not participation.sold_out

    ryokan = Participation.objects.get(facility__code="IMP002", campaign=campaign)
    assert ryokan.sold_out and ryokan.sold_out_by == reviewer
    assert ryokan.facility.area.slug == "akiu-onsen" and ryokan.facility.facility_type.slug == "ryokan"

    plain = Facility.objects.get(code="IMP003")
    assert plain.room_count is None and plain.website == "" and not plain.features.exists()
    assert not Participation.objects.get(facility=plain, campaign=campaign).sold_out
    assert "「" + campaign.name + "」に施設を取り込みました" in result.summary()


def test_a_second_import_updates_instead_of_duplicating(seeded, campaign):
    rows = [facility_row("IMP001", **{SALES: "販売終了"}), facility_row("IMP002")]
    first = import_facilities(csv_bytes(rows), campaign=campaign)
    assert (first.created, first.updated, first.sold_out) == (2, 0, 1)
    sold_out_at = Participation.objects.get(facility__code="IMP001").sold_out_at
    count = Facility.objects.count()

    again = import_facilities(csv_bytes(rows), campaign=campaign)

    assert again.ok
    assert (again.created, again.updated, again.sold_out, again.resumed) == (0, 2, 1, 0)
    assert Facility.objects.count() == count
    assert Participation.objects.filter(campaign=campaign, facility__code__startswith="IMP").count() == 2
    assert Participation.objects.get(facility__code="IMP001").sold_out_at == sold_out_at, "first date kept"
    stamps = dict(Facility.objects.filter(code__startswith="IMP").values_list("code", "updated_at"))

    changed = [
        facility_row("IMP001", **{NAME: "新しい名前", SALES: "販売中", APPROVED_ON: "2025/06/01"}),
        facility_row("IMP002", **{SALES: "販売終了"}),
    ]
    third = import_facilities(csv_bytes(changed), campaign=campaign)
    assert (third.created, third.updated, third.sold_out, third.resumed) == (0, 2, 1, 1)
    resumed = Participation.objects.get(facility__code="IMP001")
    assert resumed.facility.name == "新しい名前" and not resumed.sold_out
    assert resumed.facility.updated_at > stamps["IMP001"], "a changed facility is written"
    assert Facility.objects.get(code="IMP002").updated_at == stamps["IMP002"], "an unchanged one is not"
    assert resumed.approved_on == datetime.date(2025, 6, 1)
    assert Participation.objects.get(facility__code="IMP002").sold_out


def test_an_existing_facility_gets_the_file_values_features_and_publication(seeded, campaign):
    existing = FacilityFactory(code="IMP001", name="古い名前", feature_slugs=["pets"], is_published=False)
    ParticipationFactory(facility=existing, campaign=campaign, approved_on=datetime.date(2025, 4, 1))

    result = import_facilities(csv_bytes([facility_row("IMP001", **{FEATURES: "Wi-Fi"})]), campaign=campaign)

    assert (result.created, result.updated) == (0, 1)
    existing.refresh_from_db()
    assert existing.name == "取込ホテルIMP001" and existing.is_published
    assert list(existing.features.values_list("slug", flat=True)) == ["wifi"]
    assert "wi-fi" in existing.search_text and "ぺっと" not in existing.search_text
    participation = Participation.objects.get(facility=existing, campaign=campaign)
    assert participation.approved_on == datetime.date(2025, 5, 9)


def test_absent_optional_columns_leave_existing_values_alone(seeded, campaign):
    existing = FacilityFactory(code="IMP001", phone="022-999-9999", feature_slugs=["pets"])
    participation = ParticipationFactory(facility=existing, campaign=campaign)
    mark_sold_out(participation, None)
    header = [CODE, NAME, TYPE, WARD, AREA, ADDRESS, APPROVED_ON]

    result = import_facilities(csv_bytes([facility_row("IMP001")], header=header), campaign=campaign)

    assert result.ok and result.updated == 1 and result.resumed == 0
    existing.refresh_from_db()
    assert existing.phone == "022-999-9999" and existing.name == "取込ホテルIMP001"
    assert list(existing.features.values_list("slug", flat=True)) == ["pets"]
    assert "ぺっと同伴可" in existing.search_text
    participation.refresh_from_db()
    assert participation.sold_out, "a file without 販売状況 does not resume sales"


def test_columns_in_any_order_with_extra_columns_and_spaces_in_headers(seeded, campaign):
    header = [" 備考 ", f" {WARD} ", *[column for column in reversed(COLUMNS) if column != WARD]]
    row = facility_row("IMP001", **{" 備考 ": "社内メモ", f" {WARD} ": "泉区"})

    result = import_facilities(csv_bytes([row], header=header), campaign=campaign)

    assert result.ok, result.errors
    assert Facility.objects.get(code="IMP001").ward.slug == "izumi"


def test_slugs_english_names_and_other_spellings_of_labels_are_accepted(seeded, campaign):
    row = facility_row(
        "IMP001",
        **{
            TYPE: "RYOKAN",
            WARD: "Izumi Ward",
            AREA: "akiu-onsen",
            FEATURES: "wifi, Hot spring，ペット同伴可 、 ",
        },
    )
    row2 = facility_row("IMP002", **{TYPE: "ﾎﾃﾙ", WARD: "izumi", AREA: "Akiu Onsen", FEATURES: "large-bath"})

    result = import_facilities(csv_bytes([row, row2]), campaign=campaign)

    assert result.ok, result.errors
    facility = Facility.objects.get(code="IMP001")
    terms = (facility.facility_type.slug, facility.ward.slug, facility.area.slug)
    assert terms == ("ryokan", "izumi", "akiu-onsen")
    assert set(facility.features.values_list("slug", flat=True)) == {"wifi", "onsen", "pets"}
    other = Facility.objects.get(code="IMP002")
    assert (other.facility_type.slug, other.area.slug) == ("hotel", "akiu-onsen")


def test_the_current_campaign_is_the_default(seeded):
    result = import_facilities(csv_bytes([facility_row()]))
    assert result.ok
    assert result.campaign == Campaign.objects.current()
    assert Participation.objects.filter(facility__code="IMP001", campaign=result.campaign).exists()


def test_without_any_campaign_nothing_is_imported(seeded):
    delete_all_campaigns()
    result = import_facilities(csv_bytes([facility_row()]))
    error = only_error(result)
    assert error.row == 0 and "キャンペーンがありません" in error.message
    assert not Facility.objects.filter(code="IMP001").exists()


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_file(seeded, campaign):
    data = csv_bytes([facility_row("IMP001"), {}, facility_row("IMP002", **{WARD: "中央区"})])
    data += b",,,,\r\n\r\n"

    error = only_error(import_facilities(data, campaign=campaign))

    assert (error.row, error.column) == (4, WARD)


# --- The service: every problem, located -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({WARD: "中央区"}, WARD, f"区「中央区」は登録されていません（{WARD_CHOICES}）"),
        (
            {AREA: "松島"},
            AREA,
            "エリア「松島」は登録されていません（仙台駅周辺、一番町・国分町周辺、秋保温泉、作並温泉、"
            "泉中央・泉ヶ岳、その他の地域）",
        ),
        ({TYPE: "民宿"}, TYPE, "施設種別「民宿」は登録されていません（ホテル、旅館、簡易宿所、その他）"),
        ({FEATURES: "温泉、サウナ"}, FEATURES, "特徴「サウナ」は登録されていません（温泉、大浴場、"),
        ({NAME: ""}, NAME, "施設名を入力してください"),
        ({NAME: "   "}, NAME, "施設名を入力してください"),
        ({ADDRESS: ""}, ADDRESS, "住所を入力してください"),
        ({WARD: ""}, WARD, "区を入力してください"),
        ({APPROVED_ON: ""}, APPROVED_ON, "登録決定日を入力してください"),
        ({NAME: "あ" * 201}, NAME, "施設名は200文字以内で入力してください（現在201文字）"),
        ({CODE: "H 001"}, CODE, "施設コードは半角英数字・ハイフン・下線で入力してください。"),
        ({CODE: "H" * 21}, CODE, "施設コードは20文字以内で入力してください（現在21文字）"),
        ({APPROVED_ON: "2025.05.09"}, APPROVED_ON, "日付の形式が正しくありません（例: 2025-05-09）"),
        ({APPROVED_ON: "5月9日"}, APPROVED_ON, "日付の形式が正しくありません（例: 2025-05-09）"),
        ({APPROVED_ON: "2025-02-30"}, APPROVED_ON, "存在しない日付です（2025-02-30）"),
        ({WEBSITE: "www.example.jp"}, WEBSITE, BAD_URL),
        ({WEBSITE: "ftp://example.jp/"}, WEBSITE, BAD_URL),
        ({ROOMS: "-3"}, ROOMS, "客室数は0以上の整数で入力してください"),
        ({ROOMS: "12.5"}, ROOMS, "客室数は0以上の整数で入力してください"),
        ({ROOMS: "約30室"}, ROOMS, "客室数は0以上の整数で入力してください"),
        ({SALES: "売り切れ"}, SALES, "販売状況は「販売中」または「販売終了」で入力してください"),
    ],
)
def test_a_bad_value_is_reported_with_row_column_and_reason(seeded, campaign, values, column, message):
    data = csv_bytes([facility_row("IMP001"), facility_row("IMP002", **values), facility_row("IMP003")])

    result = import_facilities(data, campaign=campaign)

    error = only_error(result)
    assert (error.row, error.column) == (3, column)
    assert error.message.startswith(message)
    assert str(error) == f"行 3 / {column}: {error.message}"
    assert not Facility.objects.filter(code__startswith="IMP").exists(), "nothing is written"


def test_a_duplicate_code_names_both_rows(seeded, campaign):
    data = csv_bytes([facility_row("H001"), facility_row("H002"), facility_row("H003"), facility_row("H001")])

    error = only_error(import_facilities(data, campaign=campaign))

    assert (error.row, error.column) == (5, CODE)
    assert error.message == "施設コード「H001」がファイル内で重複しています（2行目と5行目）"


def test_every_problem_of_every_row_is_reported(seeded, campaign):
    data = csv_bytes(
        [
            facility_row("IMP001", **{NAME: "", WARD: "中央区", ROOMS: "多数"}),
            facility_row("IMP002"),
            facility_row("IMP003", **{APPROVED_ON: "昨日", FEATURES: "サウナ、岩盤浴"}),
        ]
    )

    result = import_facilities(data, campaign=campaign)

    assert [(error.row, error.column) for error in result.errors] == [
        (2, NAME),
        (2, WARD),
        (2, ROOMS),
        (4, FEATURES),
        (4, FEATURES),
        (4, APPROVED_ON),
    ]
    assert result.error_count == 6
    assert "「岩盤浴」" in result.errors[4].message


def test_one_bad_row_among_good_ones_writes_nothing_and_keeps_earlier_data(seeded, campaign):
    good = csv_bytes([facility_row("IMP001"), facility_row("IMP002")])
    assert import_facilities(good, campaign=campaign).ok
    before = list(Facility.objects.filter(code__startswith="IMP").order_by("code").values())
    participations = list(Participation.objects.filter(campaign=campaign).order_by("pk").values())

    data = csv_bytes(
        [
            facility_row("IMP001", **{NAME: "変更後", SALES: "販売終了", FEATURES: "Wi-Fi"}),
            facility_row("IMP002", **{APPROVED_ON: "2025/13/01"}),
            facility_row("IMP003"),
        ]
    )
    result = import_facilities(data, campaign=campaign)

    assert not result.ok and (result.created, result.updated, result.sold_out) == (0, 0, 0)
    assert list(Facility.objects.filter(code__startswith="IMP").order_by("code").values()) == before
    assert list(Participation.objects.filter(campaign=campaign).order_by("pk").values()) == participations
    features = Facility.objects.get(code="IMP001").features.values_list("slug", flat=True)
    assert set(features) == {"onsen", "parking"}


def test_a_missing_required_column_is_named_and_optional_ones_may_be_absent(seeded, campaign):
    header = [column for column in COLUMNS if column not in (WARD, APPROVED_ON, PHONE, FEATURES)]

    result = import_facilities(csv_bytes([facility_row()], header=header), campaign=campaign)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (1, WARD, "必須の列「区」がありません"),
        (1, APPROVED_ON, "必須の列「登録決定日」がありません"),
    ]
    assert not Facility.objects.filter(code="IMP001").exists()


def test_a_column_given_twice_is_refused(seeded, campaign):
    header = [*COLUMNS, NAME]
    error = only_error(import_facilities(csv_bytes([facility_row()], header=header), campaign=campaign))
    assert (error.row, error.column, error.message) == (1, NAME, "列「施設名」が複数あります")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ファイルが空です。"),
        (b"\xef\xbb\xbf\r\n", "ファイルが空です。"),
        (",,,\r\n施設コード\r\n".encode(), "1行目に見出し（列名）がありません。"),
        (",".join(COLUMNS).encode() + b"\r\n\r\n", "取り込む施設の行がありません。"),
    ],
)
def test_empty_files_get_a_clear_error(seeded, campaign, data, message):
    error = only_error(import_facilities(data, campaign=campaign))
    assert error.message.startswith(message)


# --- The service: encodings and Excel --------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_csv_in_utf8_with_or_without_bom_and_shift_jis(seeded, campaign, encoding):
    # 髙 and ① exist in CP932 (Windows Shift_JIS) but not in plain Shift_JIS
    data = csv_bytes([facility_row("IMP001", **{NAME: "ホテル髙島①"})], encoding=encoding)
    assert data.startswith(b"\xef\xbb\xbf") is (encoding == "utf-8-sig")

    result = import_facilities(data, filename="施設一覧.csv", campaign=campaign)

    assert result.ok, result.errors
    facility = Facility.objects.get(code="IMP001")
    assert facility.name == "ホテル髙島①" and facility.ward.name == "青葉区"
    assert set(facility.features.values_list("slug", flat=True)) == {"onsen", "parking"}


@pytest.mark.parametrize(
    ("data", "cp932_decodes_it"),
    [
        # neither valid UTF-8 nor CP932: 0x81 starts a two-byte character that 0x20 cannot end
        ("施設コード".encode("cp932") + b",\x81\x20\r\n", False),
        # UTF-16 (Excel's "Unicode text"): CP932 "decodes" it into private-use characters and NULs
        (b"\xff\xfe" + "code,name\r\nH001,Hotel\r\n".encode("utf-16-le"), True),
    ],
)
def test_an_undecodable_csv_gets_one_encoding_error(seeded, campaign, data, cp932_decodes_it):
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        assert not cp932_decodes_it
    else:
        assert cp932_decodes_it

    error = only_error(import_facilities(data, campaign=campaign))

    assert (error.row, error.column) == (0, "")
    assert error.message == "文字コードを判別できません。UTF-8 または Shift_JIS（CP932）で保存してください。"
    assert str(error) == error.message


def test_xlsx_with_real_date_cells_numbers_and_text_dates(seeded, campaign):
    rows = [
        facility_row(
            "IMP001", **{APPROVED_ON: datetime.datetime(2025, 5, 9), ROOMS: 35, DESCRIPTION: "1行目\n2行目"}
        ),
        facility_row("IMP002", **{APPROVED_ON: datetime.date(2025, 6, 2), ROOMS: 40.0}),
        facility_row("IMP003", **{APPROVED_ON: "2025/07/03"}),
        facility_row(1004, **{NAME: "数値の施設コード"}),
    ]
    data = xlsx_bytes(rows)
    assert data.startswith(b"PK")

    result = import_facilities(data, filename="施設一覧.xlsx", campaign=campaign)

    assert result.ok, result.errors
    codes = ["IMP001", "IMP002", "IMP003", "1004"]
    participations = Participation.objects.filter(campaign=campaign, facility__code__in=codes)
    approved = dict(participations.values_list("facility__code", "approved_on"))
    assert approved == {
        "IMP001": datetime.date(2025, 5, 9),
        "IMP002": datetime.date(2025, 6, 2),
        "IMP003": datetime.date(2025, 7, 3),
        "1004": datetime.date(2025, 5, 9),
    }
    assert Facility.objects.get(code="IMP001").room_count == 35
    assert Facility.objects.get(code="IMP001").description == "1行目\n2行目"
    assert Facility.objects.get(code="IMP002").room_count == 40


def test_xlsx_errors_use_the_excel_row_numbers(seeded, campaign):
    rows = [
        facility_row("IMP001"),
        facility_row("IMP002", **{PHONE: 222111234, APPROVED_ON: "2025年5月9日"}),
    ]
    data = xlsx_bytes(rows)

    result = import_facilities(data, filename="施設一覧.xlsx", campaign=campaign)

    assert [(e.row, e.column) for e in result.errors] == [(3, PHONE), (3, APPROVED_ON)]
    assert "先頭の0が失われます" in result.errors[0].message
    assert result.errors[1].message == "日付の形式が正しくありません（例: 2025-05-09）"


def test_the_content_decides_the_format_not_the_file_name(seeded, campaign):
    xlsx = xlsx_bytes([facility_row("IMP001")])
    assert import_facilities(xlsx, filename="施設一覧.csv", campaign=campaign).ok

    csv_named_xlsx = csv_bytes([facility_row("IMP002")])
    as_xlsx = only_error(import_facilities(csv_named_xlsx, filename="a.xlsx", campaign=campaign))
    assert as_xlsx.message.startswith("Excelファイル（.xlsx）として読み込めません。")
    broken = only_error(import_facilities(b"PK\x03\x04 not really a zip", campaign=campaign))
    assert broken.message.startswith("Excelファイル（.xlsx）として読み込めません。")
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100
    old_excel = only_error(import_facilities(ole2, campaign=campaign))
    assert "（.xls）" in old_excel.message
    assert not Facility.objects.filter(code="IMP002").exists()


def test_an_xlsx_with_a_missing_column_is_reported_on_the_header_row(seeded, campaign):
    header = [column for column in COLUMNS if column != AREA]
    error = only_error(import_facilities(xlsx_bytes([facility_row()], header=header), campaign=campaign))
    assert (error.row, error.column, error.message) == (1, AREA, "必須の列「エリア」がありません")


def test_a_file_with_2000_bad_rows_reports_the_total_and_keeps_the_first_problems(
    seeded, campaign, django_assert_max_num_queries
):
    data = csv_bytes([facility_row(f"BAD{n:04d}", **{WARD: "中央区"}) for n in range(2000)])

    with django_assert_max_num_queries(10):  # the taxonomy is loaded once, not per row
        result = import_facilities(data, campaign=campaign)

    assert result.error_count == 2000 and result.rows == 2000
    assert len(result.errors) == importing.MAX_ERRORS_KEPT == 1000 and result.omitted_errors == 1000
    assert result.errors[0].row == 2 and result.errors[-1].row == 1001
    assert all(error.column == WARD for error in result.errors)
    assert not Facility.objects.filter(code__startswith="BAD").exists()


def test_a_quoted_multi_line_cell_counts_as_one_row_as_in_excel(seeded, campaign):
    data = csv_bytes(
        [
            facility_row("IMP001", **{DESCRIPTION: "1行目\n2行目\n3行目"}),
            facility_row("IMP002", **{WARD: "中央区"}),
        ]
    )

    error = only_error(import_facilities(data, campaign=campaign))

    assert (error.row, error.column) == (3, WARD)


def test_too_many_rows_are_refused(seeded, campaign, monkeypatch):
    monkeypatch.setattr(importing, "MAX_DATA_ROWS", 3)
    data = csv_bytes([facility_row(f"IMP{n:03d}") for n in range(5)])

    error = only_error(import_facilities(data, campaign=campaign))

    assert error.row == 5 and error.message.startswith("一度に取り込めるのは3行までです。")
    assert not Facility.objects.filter(code__startswith="IMP").exists()


def test_an_xlsx_that_expands_too_much_is_refused(seeded, campaign, monkeypatch):
    monkeypatch.setattr(importing, "MAX_XLSX_UNCOMPRESSED_BYTES", 1000)
    error = only_error(import_facilities(xlsx_bytes([facility_row()]), campaign=campaign))
    assert error.message.startswith("Excelファイルの内容が大きすぎます。")


def test_a_conflict_while_writing_rolls_everything_back(seeded, campaign, monkeypatch):
    from django.db import IntegrityError

    def conflict(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    # Facilities and features are already written when the participations fail.
    monkeypatch.setattr(importing, "_write_participations", conflict)

    result = import_facilities(csv_bytes([facility_row("IMP001")]), campaign=campaign)

    error = only_error(result)
    assert error.message.startswith("ほかの操作と同時に更新されたため、取り込めませんでした。")
    assert (result.created, result.updated) == (0, 0)
    assert not Facility.objects.filter(code="IMP001").exists()


# --- The management command ------------------------------------------------------------------------------


def test_command_imports_and_prints_the_counts(seeded, campaign, tmp_path):
    path = tmp_path / "施設一覧.csv"
    path.write_bytes(csv_bytes([facility_row("IMP001"), facility_row("IMP002", **{SALES: "販売終了"})]))
    out = io.StringIO()

    call_command("import_facilities", str(path), "--campaign", campaign.slug, stdout=out)

    assert "新規 2件、更新 0件、うち販売終了 1件" in out.getvalue()
    imported = Participation.objects.filter(campaign=campaign, facility__code__in=["IMP001", "IMP002"])
    assert imported.count() == 2


def test_command_prints_every_error_and_writes_nothing(seeded, campaign, tmp_path):
    path = tmp_path / "施設一覧.xlsx"
    path.write_bytes(
        xlsx_bytes([facility_row("IMP001"), facility_row("IMP002", **{WARD: "中央区", NAME: ""})])
    )
    err = io.StringIO()

    with pytest.raises(CommandError, match="2件のエラーがあるため、何も取り込みませんでした。"):
        call_command("import_facilities", str(path), "--campaign", campaign.slug, stderr=err)

    assert err.getvalue().splitlines() == [
        "行 3 / 施設名: 施設名を入力してください",
        f"行 3 / 区: 区「中央区」は登録されていません（{WARD_CHOICES}）",
    ]
    assert not Facility.objects.filter(code__startswith="IMP").exists()


def test_command_refuses_an_unknown_campaign_and_an_unreadable_path(seeded, tmp_path):
    path = tmp_path / "施設一覧.csv"
    path.write_bytes(csv_bytes([facility_row()]))
    with pytest.raises(CommandError, match="キャンペーン「no-such-round」は登録されていません。"):
        call_command("import_facilities", str(path), "--campaign", "no-such-round")
    with pytest.raises(CommandError, match="を読み込めません"):
        call_command("import_facilities", str(tmp_path / "missing.csv"))
    assert not Facility.objects.filter(code="IMP001").exists()


def test_command_help_is_shown(seeded):
    from facilities.management.commands.import_facilities import Command

    text = Command().create_parser("manage.py", "import_facilities").format_help()
    assert "施設一覧（.xlsx または .csv）を取り込みます。" in text and "--campaign SLUG" in text


def test_command_uses_the_current_campaign_by_default(seeded, tmp_path):
    path = tmp_path / "施設一覧.csv"
    path.write_bytes(csv_bytes([facility_row()]))
    call_command("import_facilities", str(path), stdout=io.StringIO())
    assert Participation.objects.get(facility__code="IMP001").campaign == Campaign.objects.current()


# --- The admin screen ------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.fixture
def reviewer_client(client):
    client.force_login(UserFactory(role="reviewer"))
    return client


@pytest.mark.parametrize(
    ("role", "allowed"), [("reviewer", True), ("editor", True), ("operator", False), ("accountant", False)]
)
def test_import_screen_needs_add_and_change_facility(client, seeded, role, allowed):
    client.force_login(UserFactory(role=role))
    for name in ("facilities_import", "facilities_import_template"):
        response = client.get(reverse(name))
        assert response.status_code == (200 if allowed else 302), name
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert (reverse("facilities_import") in home) is allowed


def test_import_screen_offers_the_campaigns_with_the_current_one_selected(reviewer_client, seeded):
    other = CampaignFactory(stay_start=datetime.date(2020, 1, 10))
    body = reviewer_client.get(reverse("facilities_import")).content.decode()
    current = Campaign.objects.current()
    assert f'<option value="{current.pk}" selected>' in body
    assert f'<option value="{other.pk}">' in body
    assert reverse("facilities_import_template") in body


def test_uploading_a_good_file_imports_and_redirects_to_the_facility_list(reviewer_client, seeded, campaign):
    data = xlsx_bytes([facility_row("IMP001"), facility_row("IMP002", **{SALES: "販売終了"})])

    response = reviewer_client.post(
        reverse("facilities_import"), {"file": upload("施設一覧.xlsx", data), "campaign": campaign.pk}
    )

    assert response.status_code == 302 and response.url == reverse(LIST_URL)
    imported = Participation.objects.filter(campaign=campaign, facility__code__in=["IMP001", "IMP002"])
    assert imported.count() == 2
    sold_out = Participation.objects.get(facility__code="IMP002")
    assert sold_out.sold_out and sold_out.sold_out_by.groups.filter(name="reviewer").exists()
    listing = reviewer_client.get(response.url).content.decode()
    assert "新規 2件、更新 0件、うち販売終了 1件" in listing


def test_uploading_a_bad_file_shows_every_error_and_saves_nothing(reviewer_client, seeded, campaign):
    data = csv_bytes(
        [facility_row("IMP001"), facility_row("IMP002", **{WARD: "中央区"}), facility_row("IMP001")],
        encoding="cp932",
    )

    response = reviewer_client.post(
        reverse("facilities_import"), {"file": upload("施設一覧.csv", data), "campaign": campaign.pk}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "2件のエラーがあるため、何も取り込みませんでした。" in body
    assert "<td>3</td>" in body and "区「中央区」は登録されていません" in body
    assert "<td>4</td>" in body and "施設コード「IMP001」がファイル内で重複しています（2行目と4行目）" in body
    assert not Facility.objects.filter(code__startswith="IMP").exists()


def test_a_file_level_error_is_shown_as_about_the_whole_file(reviewer_client, seeded, campaign):
    response = reviewer_client.post(
        reverse("facilities_import"), {"file": upload("施設一覧.csv", b"\x81\x20"), "campaign": campaign.pk}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ファイル全体" in body and "文字コードを判別できません。" in body


@pytest.mark.parametrize("name", ["施設一覧.xls", "施設一覧.txt", "施設一覧"])
def test_only_xlsx_and_csv_files_are_accepted(reviewer_client, seeded, campaign, name):
    data = csv_bytes([facility_row()])
    response = reviewer_client.post(
        reverse("facilities_import"), {"file": upload(name, data), "campaign": campaign.pk}
    )
    assert response.status_code == 200
    assert "Excel（.xlsx）または CSV（.csv）のファイルを選んでください。" in response.content.decode()
    assert not Facility.objects.filter(code="IMP001").exists()


def test_a_file_over_5_mb_is_refused(reviewer_client, seeded, campaign):
    data = csv_bytes([facility_row()])
    data += b"\r\n" * ((5 * 1024 * 1024 - len(data)) // 2 + 1)
    assert len(data) > 5 * 1024 * 1024

    response = reviewer_client.post(
        reverse("facilities_import"), {"file": upload("施設一覧.csv", data), "campaign": campaign.pk}
    )

    assert response.status_code == 200
    assert "ファイルが大きすぎます（5.0MB）。5MBまでのファイルにしてください。" in response.content.decode()
    assert not Facility.objects.filter(code="IMP001").exists()


def test_the_template_is_utf8_with_bom_and_imports_as_it_is(reviewer_client, seeded, campaign):
    response = reviewer_client.get(reverse("facilities_import_template"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="facility-import-template.csv"' == response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS) and len(rows) == 2
    result = import_facilities(response.content, filename="template.csv", campaign=campaign)
    assert result.ok and result.created == 1, result.errors
