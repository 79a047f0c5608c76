"""Call center rules: the business-day calendar and report deadlines, quick-tally undo, the daily and
monthly tallies, the Excel tallies and the `inquiry_report` command."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import load_workbook

from inquiries import services
from inquiries.business_days import (
    add_business_days,
    daily_deadline,
    is_business_day,
    monthly_deadline,
    nth_business_day_of_month,
)
from inquiries.models import CallerType, Channel, Inquiry, InquiryCategory, InquiryStatus, QuickTally
from inquiries.reports import tally_report

from .factories import FacilityFactory, UserFactory

TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


# --- business days and deadlines -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 7, 18), True),  # Friday
        (D(2025, 7, 19), False),  # Saturday
        (D(2025, 7, 20), False),  # Sunday
        (D(2025, 7, 21), False),  # 海の日
        (D(2025, 4, 29), False),  # 昭和の日
        (D(2025, 5, 6), False),  # 振替休日
        (D(2025, 12, 29), False),  # Monday in the year-end break
        (D(2026, 1, 2), False),  # Friday in the year-end break
        (D(2025, 12, 26), True),
        (D(2025, 5, 7), True),
        (D(2026, 1, 5), True),
    ],
)
def test_is_business_day(day, expected):
    assert is_business_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 5, 26), tokyo(2025, 5, 27, 12, 0)),  # Monday → Tuesday
        (D(2025, 5, 23), tokyo(2025, 5, 26, 12, 0)),  # Friday → Monday across the weekend
        (D(2025, 5, 24), tokyo(2025, 5, 26, 12, 0)),  # a Saturday's tally is due on Monday too
        (D(2025, 4, 28), tokyo(2025, 4, 30, 12, 0)),  # 4/29 昭和の日
        (D(2025, 5, 2), tokyo(2025, 5, 7, 12, 0)),  # Golden Week 5/3–5/6
        (D(2025, 7, 18), tokyo(2025, 7, 22, 12, 0)),  # weekend + 海の日
        (D(2025, 12, 26), tokyo(2026, 1, 5, 12, 0)),  # year end 12/29–1/3 and a weekend
        (D(2025, 12, 30), tokyo(2026, 1, 5, 12, 0)),
    ],
)
def test_daily_deadline_is_noon_of_the_next_business_day(day, expected):
    deadline = daily_deadline(day)
    assert deadline == expected
    assert deadline.tzinfo == TOKYO


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (D(2025, 4, 1), tokyo(2025, 5, 13, 17, 0)),  # May: 1, 2, (3–6 GW), 7, 8, 9, 12, 13
        (D(2025, 4, 30), tokyo(2025, 5, 13, 17, 0)),  # any day of the month names the month
        (D(2025, 6, 1), tokyo(2025, 7, 9, 17, 0)),  # July: 1–4, 7, 8, 9
        (D(2025, 7, 1), tokyo(2025, 8, 12, 17, 0)),  # August: 1, 4–8, (11 山の日), 12
        (D(2025, 12, 1), tokyo(2026, 1, 14, 17, 0)),  # January: (1–3 break), 5–9, (12 成人の日), 13, 14
    ],
)
def test_monthly_deadline_is_17h_on_the_7th_business_day_of_next_month(month, expected):
    assert monthly_deadline(month) == expected


def test_add_business_days_both_ways_and_nth_business_day():
    assert add_business_days(D(2025, 5, 2), 1) == D(2025, 5, 7)
    assert add_business_days(D(2025, 5, 7), -1) == D(2025, 5, 2)
    assert add_business_days(D(2025, 7, 22), -2) == D(2025, 7, 17)
    assert add_business_days(D(2025, 7, 21), 0) == D(2025, 7, 21)
    assert nth_business_day_of_month(2026, 1, 1) == D(2026, 1, 5)
    with pytest.raises(ValueError):
        nth_business_day_of_month(2026, 1, 0)


# --- quick tally ------------------------------------------------------------------------------------


@pytest.fixture
def categories(db):
    return {c.slug: c for c in InquiryCategory.objects.all()}


@pytest.fixture
def operator(db):
    return UserFactory(role="operator")


def test_the_spec_categories_are_seeded(categories):
    assert [c.name for c in InquiryCategory.objects.order_by("sort_order")] == [
        "キャンペーンの概要",
        "申請受付や審査の状況その他事務処理",
        "利用可能施設など利用者向け情報",
        "参加方法など事業者向け情報",
        "その他",
    ]


def test_undo_removes_only_the_operators_own_last_click_within_the_window(categories, operator):
    other = UserFactory(role="operator")
    now = tokyo(2025, 6, 2, 10, 0)
    first = services.add_quick_tally(operator, categories["overview"], CallerType.TRAVELLER, at=now)
    second = services.add_quick_tally(operator, categories["other"], CallerType.BUSINESS, at=now)
    theirs = services.add_quick_tally(other, categories["overview"], CallerType.TRAVELLER, at=now)

    assert services.undo_last_quick_tally(operator, now=now + datetime.timedelta(minutes=1)) == second
    assert set(QuickTally.objects.values_list("pk", flat=True)) >= {first.pk, theirs.pk}
    assert not QuickTally.objects.filter(pk=second.pk).exists()
    # The next undo takes the click before it.
    assert services.undo_last_quick_tally(operator, now=now + datetime.timedelta(minutes=2)) == first
    assert QuickTally.objects.filter(pk=theirs.pk).exists()


def test_undo_refuses_a_click_older_than_ten_minutes(categories, operator):
    at = tokyo(2025, 6, 2, 10, 0)
    tally = services.add_quick_tally(operator, categories["overview"], CallerType.TRAVELLER, at=at)
    assert services.undo_last_quick_tally(operator, now=at + datetime.timedelta(minutes=11)) is None
    assert QuickTally.objects.filter(pk=tally.pk).exists()
    assert services.undo_last_quick_tally(operator, now=at + datetime.timedelta(minutes=10)) == tally


# --- tallies ----------------------------------------------------------------------------------------


@pytest.fixture
def known_records(categories, operator):
    """2025-07-18: three records and two quick tallies, plus records just outside the day."""
    Inquiry.objects.all().delete()
    QuickTally.objects.all().delete()
    overview, traveller_info = categories["overview"], categories["traveller-info"]
    facility = FacilityFactory()

    def record(at, category, caller_type, channel, minutes, status=InquiryStatus.DONE):
        return Inquiry.objects.create(
            received_at=at,
            category=category,
            caller_type=caller_type,
            channel=channel,
            duration_minutes=minutes,
            status=status,
            question="問い合わせ",
            caller_name="仙台 太郎",
            caller_phone="090-1111-2222",
            operator=operator,
            facility=facility,
        )

    record(tokyo(2025, 7, 18, 0, 0), overview, CallerType.TRAVELLER, Channel.PHONE, 4)
    record(tokyo(2025, 7, 18, 9, 30), overview, CallerType.TRAVELLER, Channel.PHONE, 7)
    record(tokyo(2025, 7, 18, 23, 59), traveller_info, CallerType.BUSINESS, Channel.EMAIL, 10, "callback")
    record(tokyo(2025, 7, 17, 23, 59), overview, CallerType.TRAVELLER, Channel.PHONE, 30)  # the day before
    record(tokyo(2025, 7, 19, 0, 0), overview, CallerType.TRAVELLER, Channel.PHONE, 30)  # the day after
    record(tokyo(2025, 8, 1, 9, 0), overview, CallerType.TRAVELLER, Channel.PHONE, 30)  # next month
    services.add_quick_tally(operator, overview, CallerType.TRAVELLER, at=tokyo(2025, 7, 18, 11, 0))
    services.add_quick_tally(operator, categories["other"], CallerType.OTHER, at=tokyo(2025, 7, 18, 12, 0))
    services.add_quick_tally(operator, overview, CallerType.TRAVELLER, at=tokyo(2025, 7, 1, 12, 0))


def cells(tally):
    return [
        (r.category.slug, r.caller_type, r.channel, r.records, r.quick, r.average_duration)
        for r in tally.rows
    ]


def test_daily_tally_counts_records_and_quick_tallies_of_the_tokyo_day(known_records):
    tally = services.daily_tally(D(2025, 7, 18))
    assert cells(tally) == [
        ("overview", "traveller", "phone", 2, 1, 5.5),
        ("traveller-info", "business", "email", 1, 0, 10.0),
        ("other", "other", "phone", 0, 1, None),
    ]
    assert (tally.totals.records, tally.totals.quick, tally.totals.total) == (3, 2, 5)
    assert tally.totals.average_duration == 7.0
    assert tally.by_status == {"done": 2, "callback": 1}
    by_category = {r.category.slug: (r.records, r.quick) for r in tally.by_category}
    assert by_category == {
        "overview": (2, 1),
        "processing": (0, 0),
        "traveller-info": (1, 0),
        "business-info": (0, 0),
        "other": (0, 1),
    }
    assert tally.deadline == tokyo(2025, 7, 22, 12, 0)


def test_monthly_tally_counts_the_whole_month_and_each_day(known_records):
    tally = services.monthly_tally(D(2025, 7, 18))
    assert (tally.start, tally.end) == (D(2025, 7, 1), D(2025, 7, 31))
    assert (tally.totals.records, tally.totals.quick) == (5, 3)
    assert cells(tally)[0] == ("overview", "traveller", "phone", 4, 2, round(71 / 4, 1))
    days = {d.day: (d.records, d.quick) for d in tally.by_day}
    assert len(days) == 31
    assert days[D(2025, 7, 17)] == (1, 0)
    assert days[D(2025, 7, 18)] == (3, 2)
    assert days[D(2025, 7, 19)] == (1, 0)
    assert days[D(2025, 7, 1)] == (0, 1)
    assert days[D(2025, 7, 2)] == (0, 0)
    assert tally.deadline == tokyo(2025, 8, 12, 17, 0)


def test_an_empty_day_still_lists_every_active_category(categories):
    Inquiry.objects.all().delete()
    QuickTally.objects.all().delete()
    tally = services.daily_tally(D(2025, 7, 18))
    assert tally.rows == []
    assert len(tally.by_category) == 5
    assert tally.totals.average_duration is None


def _workbook_text(content: bytes) -> str:
    workbook = load_workbook(io.BytesIO(content))
    return "\n".join(
        str(value)
        for sheet in workbook
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value
    )


def test_excel_daily_tally_has_the_cells_and_no_personal_data(known_records):
    _tally, content = tally_report("daily", D(2025, 7, 18))
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    rows = list(sheet.iter_rows(min_row=5, values_only=True))
    assert rows[0] == ("キャンペーンの概要", "利用者", "電話", 2, 1, 3, 5.5)
    assert rows[-1][:4] == ("合計", None, None, 3)
    # The city's documents are dated in 和暦 (提出期限 and 作成日時 in the metadata row).
    assert "提出期限 令和7年7月22日 12:00" in sheet["A2"].value
    text = _workbook_text(content)
    assert "仙台 太郎" not in text and "090-1111-2222" not in text
    assert [ws.title for ws in workbook.worksheets] == ["分類・区分・受付方法別", "分類別", "対応状況別"]


def test_excel_monthly_tally_has_a_sheet_of_days(known_records):
    _tally, content = tally_report("monthly", D(2025, 7, 1))
    workbook = load_workbook(io.BytesIO(content))
    days = workbook["日別"]
    rows = list(days.iter_rows(min_row=5, values_only=True))
    assert len(rows) == 32  # 31 days and the total
    assert rows[17][0] == datetime.datetime(2025, 7, 18) and rows[17][1:] == (3, 2, 5)
    assert rows[-1][1:] == (5, 3, 8)
    assert workbook.worksheets[0]["A1"].value == "応対記録 月別集計（令和7年7月分）"


def test_an_english_tally_keeps_english_dates(known_records):
    with translation.override("en"):
        _tally, content = tally_report("monthly", D(2025, 7, 1))
    title = load_workbook(io.BytesIO(content)).worksheets[0]["A1"].value
    assert "July 2025" in title and "令和" not in title


# --- the command --------------------------------------------------------------------------------------


def test_command_writes_the_daily_file_and_prints_the_deadline(known_records, tmp_path):
    out = tmp_path / "daily.xlsx"
    stdout = io.StringIO()
    call_command("inquiry_report", "daily", "2025-07-18", "--out", str(out), stdout=stdout)
    assert "提出期限: 2025-07-22 12:00" in stdout.getvalue().splitlines()
    assert load_workbook(out).worksheets[0]["A1"].value == "応対記録 日別集計（令和7年7月18日（金））"


def test_command_writes_the_monthly_file_with_its_default_name(known_records, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stdout = io.StringIO()
    call_command("inquiry_report", "monthly", "2025-12", stdout=stdout)
    assert "提出期限: 2026-01-14 17:00" in stdout.getvalue().splitlines()
    assert (tmp_path / "inquiries-monthly-2025-12.xlsx").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["daily", "2025-07"],
        ["daily", "2025/07/18"],
        ["daily", "2025-02-30"],
        ["monthly", "2025-07-18"],
        ["monthly", "2025-13"],
        ["weekly", "2025-07-18"],
        ["daily"],
    ],
)
def test_command_refuses_bad_arguments(db, args, tmp_path):
    with pytest.raises(CommandError):
        call_command("inquiry_report", *args, "--out", str(tmp_path / "x.xlsx"), stdout=io.StringIO())
    assert not (tmp_path / "x.xlsx").exists()


def test_command_refuses_an_unwritable_path(db, tmp_path):
    with pytest.raises(CommandError):
        call_command(
            "inquiry_report",
            "daily",
            "2025-07-18",
            "--out",
            str(tmp_path / "no" / "x.xlsx"),
            stdout=io.StringIO(),
        )
