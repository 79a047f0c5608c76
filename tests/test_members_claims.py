"""The hotel side of claims (実績報告) in the members area: upload → every row judged → submit, form
entry, re-upload of a draft or a returned claim, the budget figures, 販売終了, and isolation."""

from __future__ import annotations

import csv
import datetime
import io
import re
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from claims import budget, services
from claims.claim_file import COLUMNS, template_csv
from claims.models import Claim, ClaimStatus
from facilities.models import Participation
from members.claim_forms import claim_months, first_claim_day

from .factories import BusinessFactory, CampaignFactory, FacilityFactory, ParticipationFactory, make_member

pytestmark = pytest.mark.django_db
S = ClaimStatus


def today() -> datetime.date:
    """Read when a test runs, never at import: a run that crosses midnight or pins the clock agrees."""
    return timezone.localdate()


def day(offset: int) -> str:
    return (today() + datetime.timedelta(days=offset)).isoformat()


@pytest.fixture
def hotel():
    """A business with one facility in a round whose stays began 40 days ago, 100,000円 allocated."""
    campaign = CampaignFactory(
        stay_start=today() - datetime.timedelta(days=40),
        stay_end=today() + datetime.timedelta(days=20),
        application_start=today() - datetime.timedelta(days=80),
        application_end=today() - datetime.timedelta(days=41),
        budget=1_000_000,
    )
    business = BusinessFactory()
    participation = ParticipationFactory(
        facility=FacilityFactory(business=business),
        campaign=campaign,
        approved_on=today() - datetime.timedelta(days=80),
    )
    budget.set_allocation(participation, 100_000)
    return {"participation": participation, "user": make_member(business), "business": business}


def mine(hotel):
    """The test hotel's claims (the demo data has claims of its own)."""
    return Claim.objects.filter(participation=hotel["participation"])


@pytest.fixture
def logged_in(client, hotel):
    client.force_login(hotel["user"])
    return client


def stay(number: str, discount: int = 8000, **changes) -> list[str]:
    """A stay of 2 guests and 2 nights at 40,000円 that checked out 28 days ago (maximum 8,000円)."""
    row = {
        "予約番号": number,
        "予約日": day(-60),
        "チェックイン日": day(-30),
        "泊数": "2",
        "人数": "2",
        "宿泊料金": "40000",
        "割引額": str(discount),
        "販売経路": "直販",
        "居住都道府県": "宮城県",
    }
    row.update(changes)
    return [row[column] for column in COLUMNS]


def csv_file(*rows: list[str], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(*rows: list[str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(
            [
                row[0],
                datetime.date.fromisoformat(row[1]),
                datetime.date.fromisoformat(row[2]),
                int(row[3]),
                int(row[4]),
                int(row[5]),
                int(row[6]),
                row[7],
                row[8],
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(file: io.BytesIO | bytes, name: str):
    handle = io.BytesIO(file) if isinstance(file, bytes) else file
    handle.name = name
    return handle


def month_value(participation) -> str:
    return (today() - datetime.timedelta(days=30)).replace(day=1).isoformat()


def upload_new(client, participation, data: bytes, name: str = "report.csv", follow: bool = False):
    url = reverse("members:claim_new", args=[participation.pk])
    return client.post(
        url, {"month": month_value(participation), "file": upload_file(data, name)}, follow=follow
    )


def result_rows(html: str) -> dict[int, str]:
    """The result tables' rows by row number (the text of the whole <tr>)."""
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", html, flags=re.S):
        found = re.search(r"(\d+)行目", tr)
        if found:
            rows[int(found.group(1))] = re.sub(r"<[^>]+>", " ", tr)
    return rows


# Upload → result → submit -----------------------------------------------------------------------


def test_good_file_is_shown_row_by_row_then_submitted_and_reserved(logged_in, hotel):
    participation = hotel["participation"]
    response = upload_new(logged_in, participation, csv_file(stay("R-1"), stay("R-2", 6000)))
    claim = mine(hotel).get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "members:claim_result", args=[claim.pk]
    )
    assert claim.status == S.DRAFT and claim.month == datetime.date.fromisoformat(month_value(participation))

    page = logged_in.get(response["Location"]).content.decode()
    rows = result_rows(page)
    assert set(rows) == {2, 3}
    assert "R-1" in rows[2] and "8,000円" in rows[2] and " 2 " in rows[2]  # counted nights, max, paid
    assert "R-2" in rows[3] and "6,000円" in rows[3]
    assert "14,000円" in page and "<caption" in page
    assert budget.facility_account(participation).submitted == 0

    confirm = logged_in.get(reverse("members:claim_submit", args=[claim.pk])).content.decode()
    assert "14,000円" in confirm and "提出する" in confirm
    response = logged_in.post(reverse("members:claim_submit", args=[claim.pk]))
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED and claim.claimed_amount == 14_000
    assert claim.submitted_by == hotel["user"]
    account = budget.facility_account(participation)
    assert (account.limit, account.submitted) == (100_000, 14_000)

    listing = logged_in.get(reverse("members:participation_claims", args=[participation.pk])).content.decode()
    assert "提出済み" in listing and "14,000円" in listing
    assert "86,000円" in listing  # remaining = allocation - (approved + submitted)
    # A submitted claim can no longer be changed.
    response = logged_in.post(
        reverse("members:claim_upload", args=[claim.pk]),
        {"file": upload_file(csv_file(stay("R-9")), "x.csv")},
    )
    assert response.status_code == 302 and claim.lines.count() == 2


def test_each_rule_message_is_next_to_its_row(logged_in, hotel):
    rows = [
        stay("OUT", **{"チェックイン日": day(-50)}),  # 2 期間外
        stay("LOW", **{"宿泊料金": "4000"}),  # 3 下限額未満
        stay("MAX", 9000),  # 4 over the maximum
        stay("EARLY", **{"予約日": day(-90)}),  # 5 booked before 登録決定日
        stay("AFTER", **{"予約日": day(-20)}),  # 6 booked after check-in
        stay("STAY", **{"チェックイン日": day(-1), "泊数": "3"}),  # 7 not checked out
        stay("OK"),  # 8 accepted
        stay("OK"),  # 9 duplicate in the file
        stay("BAD", **{"泊数": "abc"}),  # 10 malformed
        stay("CH", **{"販売経路": "郵送"}),  # 11 unknown channel
        stay("", **{"人数": ""}),  # 12 missing values
    ]
    response = upload_new(logged_in, hotel["participation"], csv_file(*rows), follow=True)
    page = response.content.decode()
    found = result_rows(page)
    expected = {
        2: "期間外",
        3: "下限額未満",
        4: "割引の上限額（8,000円）を超えています",
        5: "登録決定日",
        6: "予約日がチェックイン日より後",
        7: "まだ報告できません",
        9: "ファイル内で重複しています（8行目）",
        10: "泊数:",
        11: "販売経路「郵送」",
        12: "予約番号を入力してください",
    }
    for row, message in expected.items():
        assert message in found[row], (row, found.get(row))
    assert "8,000円" in found[8]
    assert "受け付けられなかった行" in page and "10行" in page
    claim = mine(hotel).get()
    assert list(claim.lines.values_list("reservation_number", flat=True)) == ["OK"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (
            csv_file(stay("SJIS-1"), stay("SJIS-2", **{"居住都道府県": "東京都"}), encoding="cp932"),
            "sjis.csv",
        ),
        (b"\xef\xbb\xbf" + csv_file(stay("SJIS-1"), stay("SJIS-2")), "bom.csv"),
        (xlsx_file(stay("SJIS-1"), stay("SJIS-2")), "report.xlsx"),
    ],
    ids=["shift_jis", "utf8-bom", "xlsx"],
)
def test_shift_jis_bom_and_xlsx_files_are_read(logged_in, hotel, data, name):
    response = upload_new(logged_in, hotel["participation"], data, name)
    assert response.status_code == 302
    claim = mine(hotel).get()
    assert claim.lines.count() == 2 and claim.source_filename == name
    page = logged_in.get(response["Location"]).content.decode()
    assert "16,000円" in page and "受け付けられなかった行はありません" in page


def test_reupload_replaces_the_draft_lines(logged_in, hotel):
    participation = hotel["participation"]
    upload_new(logged_in, participation, csv_file(stay("A-1"), stay("A-2")))
    claim = mine(hotel).get()
    response = logged_in.post(
        reverse("members:claim_upload", args=[claim.pk]),
        {"file": upload_file(csv_file(stay("B-1", 5000)), "fixed.csv")},
    )
    assert response["Location"] == reverse("members:claim_result", args=[claim.pk])
    assert mine(hotel).count() == 1
    assert list(claim.lines.values_list("reservation_number", "reimbursement")) == [("B-1", 5000)]
    # A second new upload for the same month goes to the same draft.
    upload_new(logged_in, participation, csv_file(stay("C-1")))
    assert mine(hotel).count() == 1
    assert list(claim.lines.values_list("reservation_number", flat=True)) == ["C-1"]


def test_whole_file_problem_is_on_top_and_keeps_saved_lines(logged_in, hotel):
    upload_new(logged_in, hotel["participation"], csv_file(stay("A-1")))
    claim = mine(hotel).get()
    bad = "予約番号,予約日\r\nX,2025-06-01\r\n".encode()
    response = logged_in.post(
        reverse("members:claim_upload", args=[claim.pk]), {"file": upload_file(bad, "x.csv")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("error-summary") < page.index('enctype="multipart/form-data"')
    assert (
        "必須の列がありません" in page
        and "チェックイン日" in page
        and "保存済みの明細は変更していません" in page
    )
    assert list(claim.lines.values_list("reservation_number", flat=True)) == ["A-1"]
    # Undecodable bytes on a new claim: nothing is created.
    mine(hotel).delete()
    response = upload_new(logged_in, hotel["participation"], b"\x00\xff\xfe" * 50 + b"\x81")
    assert response.status_code == 200 and "文字コード" in response.content.decode()
    assert not mine(hotel).exists()


def test_too_large_and_wrong_type_are_refused_clearly(logged_in, hotel, settings):
    settings.CLAIM_FILE_MAX_BYTES = 1024 * 1024
    big = csv_file(stay("A")) + b"x" * (1024 * 1024)
    page = upload_new(logged_in, hotel["participation"], big).content.decode()
    assert "ファイルが大きすぎます（1.0MB）。1MB以下にしてください。" in page
    page = upload_new(logged_in, hotel["participation"], b"%PDF-1.4", "report.pdf").content.decode()
    assert "Excel（.xlsx）またはCSV（.csv）" in page
    assert not mine(hotel).exists()


def test_thousands_of_bad_rows_keep_the_page_bounded_and_the_csv_complete(logged_in, hotel):
    rows = [stay(f"X-{n}", 9000) for n in range(3000)] + [stay("GOOD")]
    response = upload_new(logged_in, hotel["participation"], csv_file(*rows))
    claim = mine(hotel).get()
    page = logged_in.get(response["Location"]).content.decode()
    assert len(page) < 250_000
    assert len(result_rows(page)) == 201  # the first 200 rejected rows and the accepted one
    assert "3000行のうち、最初の200行を表示しています" in page
    download = logged_in.get(reverse("members:claim_result_csv", args=[claim.pk]))
    assert download["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "status", "counted_nights", "max_discount", "reimbursement", "message"]
    assert len(lines) == 3002
    assert lines[1][:2] == ["2", "rejected"] and "上限額" in lines[1][5]
    assert lines[-1][:5] == ["3002", "accepted", "2", "8000", "8000"]


def test_a_reservation_claimed_in_another_claim_is_rejected(logged_in, hotel):
    participation = hotel["participation"]
    upload_new(logged_in, participation, csv_file(stay("DUP-1")))
    first = mine(hotel).get()
    logged_in.post(reverse("members:claim_submit", args=[first.pk]))
    response = upload_new(logged_in, participation, csv_file(stay("DUP-1"), stay("NEW-1")))
    second = mine(hotel).exclude(pk=first.pk).get()
    page = logged_in.get(response["Location"]).content.decode()
    assert "予約番号「DUP-1」は既に報告済みです" in result_rows(page)[2]
    assert list(second.lines.values_list("reservation_number", flat=True)) == ["NEW-1"]


# Form entry -------------------------------------------------------------------------------------


def entry_data(number: str, discount: int = 8000, **changes) -> dict[str, str]:
    values = dict(zip(COLUMNS, stay(number, discount), strict=True))
    data = {
        "reservation_number": values["予約番号"],
        "booked_on": values["予約日"],
        "check_in": values["チェックイン日"],
        "nights": values["泊数"],
        "guests": values["人数"],
        "total_charge": values["宿泊料金"],
        "discount": values["割引額"],
        "channel": "OTA",
        "prefecture": "東京都",
    }
    data.update(changes)
    return data


def test_form_entry_adds_accepted_stays_and_shows_the_reason_for_rejected(logged_in, hotel):
    participation = hotel["participation"]
    new_url = reverse("members:claim_entry_new", args=[participation.pk])
    rejected = logged_in.post(new_url, {"month": month_value(participation), **entry_data("F-1", 9000)})
    assert rejected.status_code == 200
    assert "割引の上限額（8,000円）を超えています" in rejected.content.decode()
    assert not mine(hotel).exists()

    response = logged_in.post(new_url, {"month": month_value(participation), **entry_data("F-1")})
    claim = mine(hotel).get()
    assert response["Location"] == reverse("members:claim_entry", args=[claim.pk])
    line = claim.lines.get()
    assert (line.reservation_number, line.reimbursement, line.channel, line.prefecture) == (
        "F-1",
        8000,
        "OTA",
        "東京都",
    )

    entry_url = reverse("members:claim_entry", args=[claim.pk])
    logged_in.post(entry_url, entry_data("F-2", 7000, total_charge="４０,０００円"))
    duplicate = logged_in.post(entry_url, entry_data("F-1"))
    assert "予約番号「F-1」は既に報告済みです" in duplicate.content.decode()
    outside = logged_in.post(entry_url, entry_data("F-3", check_in=day(-50)))
    assert "期間外" in outside.content.decode()
    missing = logged_in.post(entry_url, entry_data("F-4", nights=""))
    assert "泊数を入力してください" in missing.content.decode()
    assert list(claim.lines.values_list("reservation_number", "row", "reimbursement")) == [
        ("F-1", 2, 8000),
        ("F-2", 3, 7000),
    ]
    # Form entry adds to the lines a file brought; the file is the same path.
    logged_in.post(
        reverse("members:claim_upload", args=[claim.pk]),
        {"file": upload_file(csv_file(stay("U-1")), "u.csv")},
    )
    logged_in.post(entry_url, entry_data("F-5"))
    assert sorted(claim.lines.values_list("reservation_number", flat=True)) == ["F-5", "U-1"]


# Returned claims --------------------------------------------------------------------------------


def test_returned_claim_shows_the_reason_and_is_corrected_and_resubmitted(logged_in, hotel):
    participation = hotel["participation"]
    upload_new(logged_in, participation, csv_file(stay("R-1"), stay("R-2")))
    claim = mine(hotel).get()
    logged_in.post(reverse("members:claim_submit", args=[claim.pk]))
    claim = services.start_review(mine(hotel).get(), None)
    services.return_claim(claim, "R-2 の宿泊料金が台帳と違います。", None)
    assert budget.facility_account(participation).submitted == 0

    page = logged_in.get(reverse("members:claim_detail", args=[claim.pk])).content.decode()
    assert "事務局から差戻しされました" in page and "R-2 の宿泊料金が台帳と違います。" in page
    overview = logged_in.get(reverse("members:claims")).content.decode()
    assert "差戻しされた実績報告があります" in overview and "R-2 の宿泊料金が台帳と違います。" in overview

    logged_in.post(
        reverse("members:claim_upload", args=[claim.pk]),
        {"file": upload_file(csv_file(stay("R-1"), stay("R-2", 5000)), "fixed.csv")},
    )
    confirm = logged_in.get(reverse("members:claim_submit", args=[claim.pk])).content.decode()
    assert "再提出する" in confirm
    logged_in.post(reverse("members:claim_submit", args=[claim.pk]))
    claim.refresh_from_db()
    assert claim.status == S.SUBMITTED and claim.claimed_amount == 13_000 and claim.return_reason == ""
    assert budget.facility_account(participation).submitted == 13_000
    assert budget.verify_ledger(participation.campaign) == []


def test_submitting_an_empty_draft_explains_why(logged_in, hotel):
    upload_new(logged_in, hotel["participation"], csv_file(stay("M", 9000)))
    claim = mine(hotel).get()
    page = logged_in.post(reverse("members:claim_submit", args=[claim.pk])).content.decode()
    assert "提出できませんでした" in page and "提出できる明細がありません" in page
    claim.refresh_from_db()
    assert claim.status == S.DRAFT


# Lists, payments, template, months --------------------------------------------------------------


def test_lists_show_states_amounts_payments_and_empty_states(logged_in, hotel):
    participation = hotel["participation"]
    listing_url = reverse("members:participation_claims", args=[participation.pk])
    empty = logged_in.get(listing_url).content.decode()
    assert "この施設の実績報告はまだありません" in empty and "お支払いはまだありません" in empty
    assert "100,000円" in empty

    for prefix in ("P", "A"):
        upload_new(logged_in, participation, csv_file(stay(f"{prefix}-1"), stay(f"{prefix}-2")))
        draft = mine(hotel).get(status=S.DRAFT)
        logged_in.post(reverse("members:claim_submit", args=[draft.pk]))
    paid, approved = mine(hotel).order_by("created_at")
    services.mark_paid(services.approve(paid, None), today() - datetime.timedelta(days=3), None)
    services.approve(approved, None)

    page = logged_in.get(listing_url).content.decode()
    paid_on = today() - datetime.timedelta(days=3)
    assert "支払済み" in page and "承認済み" in page
    assert f"{paid_on.year}年{paid_on.month}月{paid_on.day}日" in page
    assert "をお支払いしました" in page and "16,000円" in page
    assert "68,000円" in page  # remaining after 32,000円 approved
    overview = logged_in.get(reverse("members:claims")).content.decode()
    assert (
        participation.facility.name in overview
        and "68,000円" in overview
        and "をお支払いしました" in overview
    )


def test_claims_are_paginated(logged_in, hotel):
    participation = hotel["participation"]
    month = datetime.date.fromisoformat(month_value(participation))
    Claim.objects.bulk_create(Claim(participation=participation, month=month) for _ in range(25))
    url = reverse("members:participation_claims", args=[participation.pk])
    first = logged_in.get(url)
    assert len(first.context["page_obj"].object_list) == 20 and 'rel="next"' in first.content.decode()
    assert len(logged_in.get(url, {"page": 2}).context["page_obj"].object_list) == 5


def test_month_choices_are_the_stay_period_up_to_this_month(logged_in, hotel):
    participation = hotel["participation"]
    form = logged_in.get(reverse("members:claim_new", args=[participation.pk])).context["form"]
    values = [value for value, _label in form.fields["month"].choices]
    first = participation.campaign.stay_start.replace(day=1)
    assert values[0] == today().replace(day=1).isoformat() and values[-1] == first.isoformat()
    response = logged_in.post(
        reverse("members:claim_new", args=[participation.pk]),
        {"month": "2001-01-01", "file": upload_file(csv_file(stay("A")), "a.csv")},
    )
    assert response.status_code == 200 and not mine(hotel).exists()


@pytest.mark.parametrize("days_to_first_night", [5, 0])
def test_no_claim_form_until_the_first_counted_night_is_over(logged_in, hotel, days_to_first_night):
    """Stays that begin in five days, or tonight, cannot have checked out: no month, no file field,
    even when the stay start is in the current month."""
    campaign = hotel["participation"].campaign
    campaign.stay_start = today() + datetime.timedelta(days=days_to_first_night)
    campaign.save()
    for name in ("members:claim_new", "members:claim_entry_new"):
        response = logged_in.get(reverse(name, args=[hotel["participation"].pk]))
        page = response.content.decode()
        assert response.context["months"] == []
        assert "最初の宿泊のチェックアウト日" in page and "<select" not in page and 'type="file"' not in page
    listing = logged_in.get(reverse("members:participation_claims", args=[hotel["participation"].pk]))
    assert listing.context["can_claim"] is False
    response = logged_in.post(
        reverse("members:claim_new", args=[hotel["participation"].pk]),
        {"month": today().replace(day=1).isoformat(), "file": upload_file(csv_file(stay("A")), "a.csv")},
    )
    assert response.status_code == 200 and not mine(hotel).exists()


def test_the_day_after_the_first_night_the_form_offers_its_month(logged_in, hotel):
    campaign = hotel["participation"].campaign
    campaign.stay_start = today() - datetime.timedelta(days=1)
    campaign.save()
    form = logged_in.get(reverse("members:claim_new", args=[hotel["participation"].pk])).context["form"]
    assert [value for value, _label in form.fields["month"].choices] == [today().replace(day=1).isoformat()]


def months_on(day: str, *, start="2026-12-13", end="2027-01-31", approved="2026-11-20") -> list[str]:
    """`claim_months` of a round on fixed dates: the rule, without the clock."""
    campaign = SimpleNamespace(
        stay_start=datetime.date.fromisoformat(start), stay_end=datetime.date.fromisoformat(end)
    )
    participation = SimpleNamespace(campaign=campaign, approved_on=datetime.date.fromisoformat(approved))
    return [f"{month:%Y-%m}" for month in claim_months(participation, datetime.date.fromisoformat(day))]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-08", []),  # the case found on 2026-12-08: stays begin on the 13th
        ("2026-12-13", []),  # the first night is tonight
        ("2026-12-14", ["2026-12"]),  # its guests have checked out
        ("2026-12-31", ["2026-12"]),
        ("2027-01-01", ["2027-01", "2026-12"]),
        ("2027-01-31", ["2027-01", "2026-12"]),
        ("2027-02-01", ["2027-02", "2027-01", "2026-12"]),  # check-out after the last night (1/31)
        ("2027-06-30", ["2027-02", "2027-01", "2026-12"]),  # never past that month
    ],
)
def test_claim_months_run_from_the_first_check_out_to_the_last(day, expected):
    assert months_on(day) == expected


def test_claim_months_start_after_the_registration_date():
    """Bookings before 登録決定日 are not paid: a facility approved on 12/20 has no claim before 12/21."""
    assert months_on("2026-12-20", approved="2026-12-20") == []
    assert months_on("2026-12-21", approved="2026-12-20") == ["2026-12"]
    assert months_on("2027-03-01", approved="2027-02-10") == []  # joined after the stays ended
    late = SimpleNamespace(stay_start=datetime.date(2027, 1, 5), stay_end=datetime.date(2027, 1, 31))
    assert first_claim_day(SimpleNamespace(campaign=late, approved_on=datetime.date(2027, 2, 10))) is None


def test_template_download(logged_in):
    response = logged_in.get(reverse("members:claim_template"))
    assert response.status_code == 200 and response.content == template_csv()
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]


def test_dashboard_and_facility_page_link_to_claims(logged_in, hotel):
    participation = hotel["participation"]
    assert reverse("members:claims") in logged_in.get(reverse("members:dashboard")).content.decode()
    page = logged_in.get(
        reverse("members:facility_detail", args=[participation.facility_id])
    ).content.decode()
    assert reverse("members:participation_claims", args=[participation.pk]) in page


# 販売終了 ---------------------------------------------------------------------------------------


def test_sold_out_button_confirms_and_ends_sales(logged_in, hotel):
    participation = hotel["participation"]
    facility_url = reverse("members:facility_detail", args=[participation.facility_id])
    sold_out_url = reverse("members:sold_out", args=[participation.pk])
    assert sold_out_url in logged_in.get(facility_url).content.decode()
    confirm = logged_in.get(sold_out_url)
    assert confirm.status_code == 200 and "販売終了にする" in confirm.content.decode()
    participation.refresh_from_db()
    assert participation.sold_out_at is None  # GET changes nothing

    response = logged_in.post(sold_out_url)
    assert response["Location"] == facility_url
    participation.refresh_from_db()
    assert participation.sold_out and participation.sold_out_by == hotel["user"]
    page = logged_in.get(facility_url).content.decode()
    assert sold_out_url not in page and "販売終了（" in page
    assert Participation.objects.listed(participation.campaign).filter(sold_out_at__isnull=False).exists()


# Isolation --------------------------------------------------------------------------------------


def test_another_hotels_claim_facility_and_draft_are_404(client, hotel):
    client.force_login(hotel["user"])
    upload_new(client, hotel["participation"], csv_file(stay("MINE-1")))
    theirs = mine(hotel).get()
    client.force_login(make_member())
    for name in (
        "claim_detail",
        "claim_upload",
        "claim_entry",
        "claim_result",
        "claim_result_csv",
        "claim_submit",
    ):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(f"members:{name}", args=[theirs.pk]))
            assert response.status_code == 404, (name, method)
    for name in ("participation_claims", "claim_new", "claim_entry_new", "sold_out"):
        for method in ("get", "post"):
            response = getattr(client, method)(reverse(f"members:{name}", args=[hotel["participation"].pk]))
            assert response.status_code == 404, (name, method)
    overview = client.get(reverse("members:claims")).content.decode()
    assert hotel["participation"].facility.name not in overview
    theirs.refresh_from_db()
    assert theirs.status == S.DRAFT and theirs.lines.count() == 1


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_anonymous_visitors_go_to_login(client, hotel, prefix):
    for url in (reverse("members:claims"), reverse("members:claim_template")):
        response = client.get(prefix + url)
        assert response.status_code == 302
        assert response["Location"] == f"{prefix}/members/login/?next={prefix}{url}"


def test_english_pages_render(client, hotel):
    client.force_login(hotel["user"])
    upload_new(client, hotel["participation"], csv_file(stay("E-1"), stay("E-2", 9000)))
    claim = mine(hotel).get()
    for url in (
        reverse("members:claims"),
        reverse("members:claim_new", args=[hotel["participation"].pk]),
        reverse("members:claim_result", args=[claim.pk]),
        reverse("members:claim_detail", args=[claim.pk]),
    ):
        response = client.get("/en" + url)
        assert response.status_code == 200, url
        assert '<html lang="en"' in response.content.decode()
