"""Reading and judging claim files (claims.claim_file) and `manage.py check_claim_file`."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.claim_file import COLUMNS, template_csv

from .factories import CampaignFactory, FacilityFactory, ParticipationFactory

pytestmark = pytest.mark.django_db
D = datetime.date
HEADER = ",".join(COLUMNS)
GOOD = "R-1,2025-05-10,2025-06-01,2,2,40000,8000,直販,宮城県"


@pytest.fixture
def participation():
    campaign = CampaignFactory(
        slug="claims-2025",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )
    return ParticipationFactory(
        facility=FacilityFactory(code="H001"), campaign=campaign, approved_on=D(2025, 5, 1)
    )


def csv_bytes(*rows: str, encoding: str = "utf-8-sig") -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode(encoding)


JULY_END = D(2025, 7, 31)


def check(participation, data, filename="claim.csv", claim_date=JULY_END):
    return services.check_file(participation, data, filename, claim_date=claim_date)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp932"])
def test_every_encoding_of_the_rules_is_read(participation, encoding):
    result = check(participation, csv_bytes(GOOD, encoding=encoding))
    assert result.readable
    [row] = result.rows
    assert row.accepted and row.reimbursement == 8_000 and row.max_discount == 8_000
    assert (row.channel, row.prefecture) == ("直販", "宮城県")


def test_xlsx_with_real_dates_and_yen_amounts(participation):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    sheet.append(
        ["R-1", datetime.datetime(2025, 5, 10), D(2025, 6, 1), 2, 2, "40,000円", 8000, "OTA", "宮城"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    [row] = check(participation, buffer.getvalue(), "claim.xlsx").rows
    assert row.accepted and row.stay.total_charge == 40_000 and row.prefecture == "宮城県"


def test_every_row_gets_its_own_verdict(participation):
    result = check(
        participation,
        csv_bytes(
            GOOD,
            "R-2,2025-05-10,2025-06-01,2,2,40000,9000,,",  # over the maximum
            "R-3,2025/05/10,2025/05/20,2,2,40000,8000,,",  # outside the period
            "R-1,2025-05-10,2025-06-01,2,2,40000,8000,,",  # duplicate of row 2
            "R-5,2025-13-01,2025-06-01,二,2,40000,8000,郵送,火星",  # malformed cells
            ",2025-05-10,2025-06-01,2,2,40000,8000,,",  # no reservation number
        ),
    )
    by_row = {row.row: row for row in result.rows}
    assert by_row[2].accepted
    assert "8,000円" in by_row[3].message and not by_row[3].accepted
    assert "期間外" in by_row[4].message
    assert "重複" in by_row[5].message and "2行目" in by_row[5].message
    assert all(word in by_row[6].message for word in ("予約日", "泊数", "販売経路", "居住都道府県"))
    assert "予約番号を入力してください" in by_row[7].message
    assert result.reimbursement_total == 8_000


def test_reservations_already_claimed_are_rejected(participation):
    outcome = services.upload(
        participation, D(2025, 6, 1), csv_bytes(GOOD), "june.csv", None, claim_date=D(2025, 7, 1)
    )
    assert outcome.claim.lines.count() == 1
    [row] = check(participation, csv_bytes(GOOD)).rows
    assert not row.accepted and "既に報告済み" in row.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ファイルが空です"),
        ("予約番号,予約日\r\nR-1,2025-05-10\r\n".encode(), "必須の列がありません"),
        ("\ufeff" + HEADER + "\r\n", "報告する宿泊の行がありません"),
        ("予約番号".encode("utf-16"), "文字コードを判別できません"),
    ],
)
def test_unreadable_files_are_explained(participation, data, message):
    result = check(participation, data if isinstance(data, bytes) else data.encode())
    assert not result.readable and message in " ".join(result.problems)


def test_a_file_of_thousands_of_bad_rows_is_answered_row_by_row(participation):
    rows = [f"R-{n},2025-05-10,2025-06-01,2,2,40000,99999,," for n in range(5_000)]
    result = check(participation, csv_bytes(*rows))
    assert len(result.rejected_rows) == 5_000 and not result.accepted_rows


def test_the_template_is_a_valid_claim_file(participation):
    result = check(participation, template_csv())
    assert result.readable and len(result.rows) == 1


def test_check_claim_file_prints_csv(participation, tmp_path):
    path = tmp_path / "claim.csv"
    path.write_bytes(csv_bytes(GOOD, "R-2,2025-05-10,2025-06-01,2,2,40000,9000,,"))
    out = io.StringIO()
    call_command(
        "check_claim_file",
        "H001",
        str(path),
        "--campaign",
        "claims-2025",
        "--as-of",
        "2025-07-31",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["row", "status", "counted_nights", "max_discount", "reimbursement", "message"]
    assert rows[1] == ["2", "accepted", "2", "8000", "8000", ""]
    assert rows[2][:5] == ["3", "rejected", "2", "8000", "0"] and "8,000円" in rows[2][5]


def test_check_claim_file_as_of_decides_check_out(participation, tmp_path):
    path = tmp_path / "claim.csv"
    path.write_bytes(csv_bytes(GOOD))
    out = io.StringIO()
    call_command(
        "check_claim_file",
        "H001",
        str(path),
        "--campaign",
        "claims-2025",
        "--as-of",
        "2025-06-02",
        stdout=out,
    )
    assert ",rejected," in out.getvalue() and "2025-06-03" in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "claim.csv", "--campaign", "claims-2025"], "NOPE"),
        (["H001", "claim.csv", "--campaign", "nope"], "nope"),
        (["H001", "claim.csv", "--campaign", "claims-2025", "--as-of", "31/07/2025"], "YYYY-MM-DD"),
        (["H001", "missing.csv", "--campaign", "claims-2025"], "missing.csv"),
    ],
)
def test_check_claim_file_refuses_bad_arguments(participation, tmp_path, monkeypatch, args, message):
    (tmp_path / "claim.csv").write_bytes(csv_bytes(GOOD))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("check_claim_file", *args, stdout=io.StringIO())
