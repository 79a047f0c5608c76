"""Settlement: the Zengin transfer file, payment batches, monthly close and the city's Excel reports."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from claims import budget, payments, reports, services
from claims.claim_file import COLUMNS
from claims.models import ClaimStatus, PaymentBatchStatus, TransferSettings
from claims.zengin import Remitter, Transfer, ZenginError, build_file, data_record
from core.formatting import format_wareki_datetime, format_wareki_month
from participants import services as application_services

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    CampaignFactory,
    UserFactory,
    attach_documents,
)

pytestmark = pytest.mark.django_db
D = datetime.date

REMITTER = Remitter(
    code="1234567890",
    name="ｾﾝﾀﾞｲｼｼﾕｸﾊｸｿｸｼﾝｷﾔﾝﾍﾟ-ﾝｼﾞﾑｷﾖｸ",
    bank_code="0001",
    bank_name="ミズホ",
    branch_code="100",
    branch_name="センダイ",
    account_type="1",
    account_number="7654321",
)
TRANSFER = Transfer(
    bank_code="0128",
    bank_name="シチジュウシチ",
    branch_code="101",
    branch_name="ホンテン",
    account_type="1",
    account_number="1234567",
    holder="ｶ)ﾃｽﾄｼﾕｸﾊｸ",
    amount=123_456,
    customer_code="A00001-1",
)


def test_every_record_is_120_bytes_of_shift_jis_with_crlf():
    data = build_file(REMITTER, D(2025, 7, 25), [TRANSFER, TRANSFER])
    records = data.split(b"\r\n")
    assert records[-1] == b"" and len(records) == 6  # header, 2 data, trailer, end + final CRLF
    assert all(len(record) == 120 for record in records[:-1])
    header, first, _second, trailer, end = (r.decode("cp932") for r in records[:-1])
    assert header.startswith("1210" + "1234567890" + "ｾﾝﾀﾞｲ") and header[54:58] == "0725"
    assert first[0] == "2" and first[1:5] == "0128" and first[20:23] == "101"
    assert first[42:43] == "1" and first[43:50] == "1234567"
    assert first[50:80].rstrip() == "ｶ)ﾃｽﾄｼﾕｸﾊｸ" and first[80:90] == "0000123456"
    assert trailer == "8" + "000002" + "000000246912" + " " * 101
    assert end == "9" + " " * 119


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"holder": "株式会社テスト"}, "受取人名"),
        ({"account_number": "12345678"}, "口座番号"),
        ({"bank_code": "01A8"}, "被仕向銀行番号"),
        ({"amount": 0}, "振込金額"),
        ({"holder": "ｱ" * 31}, "30文字"),
    ],
)
def test_values_that_do_not_fit_stop_the_file(change, message):
    values = {**TRANSFER.__dict__, **change}
    with pytest.raises(ZenginError, match=message):
        data_record(Transfer(**values))


@pytest.fixture
def approved_claims():
    """Two facilities of an approved business, each with an approved claim."""
    campaign = CampaignFactory(
        slug="claims-2025",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
    )
    reviewer = UserFactory(role="reviewer")
    application = ApplicationFactory(campaign=campaign)
    ApplicationFacilityFactory(application=application)
    ApplicationFacilityFactory(application=application)
    attach_documents(application)
    application_services.submit(application, None, today=D(2025, 4, 10))
    application_services.start_review(application, reviewer)
    application_services.save_checklist(
        application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True)
    )
    application_services.approve(application, reviewer, approved_on=D(2025, 5, 1))
    claims = []
    for index, entry in enumerate(application.facilities.order_by("pk")):
        participation = entry.facility.participations.get(campaign=campaign)
        budget.set_allocation(participation, 50_000)
        data = (",".join(COLUMNS) + f"\r\nR-{index},2025-05-10,2025-06-01,2,2,40000,8000,,\r\n").encode()
        outcome = services.upload(
            participation, D(2025, 6, 1), data, "june.csv", None, claim_date=D(2025, 6, 30)
        )
        claims.append(services.approve(services.submit(outcome.claim, None), None))
    return campaign, claims


def _transfer_settings():
    settings = TransferSettings.load()
    for name, value in REMITTER.__dict__.items():
        setattr(settings, {"code": "remitter_code", "name": "remitter_name"}.get(name, name), value)
    settings.save()


def test_a_batch_pays_each_claim_once_and_only_when_confirmed(approved_claims):
    campaign, claims = approved_claims
    TransferSettings.objects.all().delete()  # the demo data has a remitter account; start without one
    accountant = UserFactory(role="accountant")
    with pytest.raises(payments.PaymentError, match="振込元口座"):
        payments.create_batch(campaign, D(2099, 1, 5), accountant)
    _transfer_settings()
    with pytest.raises(payments.PaymentError, match="今日以降"):
        payments.create_batch(campaign, D(2020, 1, 5), accountant)
    batch = payments.create_batch(campaign, D(2099, 1, 5), accountant)
    assert (batch.count, batch.total) == (2, 16_000)
    assert bytes(batch.zengin_file).count(b"\r\n") == 5
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.APPROVED  # not paid until the transfer is confirmed
    with pytest.raises(payments.PaymentError, match="承認済みの実績報告がありません"):
        payments.create_batch(campaign, D(2099, 1, 6), accountant)  # already in a batch

    payments.confirm_batch(batch, accountant)
    batch.refresh_from_db()
    assert batch.status == PaymentBatchStatus.CONFIRMED
    for claim in claims:
        claim.refresh_from_db()
        assert claim.status == ClaimStatus.PAID and claim.paid_on == D(2099, 1, 5)
    with pytest.raises(payments.PaymentError, match="既に振込確認済み"):
        payments.confirm_batch(batch, accountant)
    assert budget.campaign_account(campaign).paid == 16_000 and budget.verify_ledger(campaign) == []


def test_claims_without_a_bank_account_are_listed_not_paid(approved_claims):
    campaign, claims = approved_claims
    facility = claims[0].participation.facility
    facility.business = None
    facility.save()
    plan = payments.plan_batch(campaign)
    assert [claim.pk for claim, _reason in plan.problems] == [claims[0].pk]
    assert [claim.pk for claim, _application in plan.payable] == [claims[1].pk]


def test_month_close_freezes_its_figures_and_reports_them(approved_claims):
    campaign, claims = approved_claims
    user = UserFactory(role="accountant")
    approved_day = timezone.localdate(claims[0].approved_at)  # the day in Tokyo, not in UTC
    with pytest.raises(reports.CloseError, match="月末を過ぎてから"):
        reports.close_month(campaign, approved_day, user, today=approved_day)
    month = approved_day.replace(day=1)
    close = reports.close_month(
        campaign, month, user, today=reports.month_end(month) + datetime.timedelta(days=1)
    )
    with pytest.raises(reports.CloseError, match="既に締められています"):
        reports.close_month(
            campaign, month, user, today=reports.month_end(month) + datetime.timedelta(days=1)
        )
    assert sum(row["amount"] for row in close.rows) == 16_000
    assert {row["stays"] for row in close.rows} == {1} and {row["person_nights"] for row in close.rows} == {4}
    assert all(claim.closed_in_id == close.pk for claim in claims[0].participation.claims.all())

    sheet = openpyxl.load_workbook(io.BytesIO(reports.monthly_report(close))).active
    assert sheet["A4"].value == "施設コード" and sheet.freeze_panes == "C5" and sheet.auto_filter.ref
    assert [sheet.cell(row=row, column=9).value for row in (5, 6)] == [8_000, 8_000]
    assert sheet.cell(row=7, column=1).value == "合計" and sheet.cell(row=7, column=9).value == 16_000
    # The title and the metadata row in 和暦, as the city's documents are dated.
    assert sheet["A1"].value.startswith(f"支払実績報告（{format_wareki_month(month)}分）")
    assert sheet["A2"].value == f"締め日時 {format_wareki_datetime(close.closed_at)}"
    assert sheet["A2"].value.startswith("締め日時 令和")


def test_completion_report_sets_plan_against_results(approved_claims):
    campaign, _claims = approved_claims
    sheet = openpyxl.load_workbook(io.BytesIO(reports.completion_report(campaign))).active
    headers = [cell.value for cell in sheet[4]]
    assert headers[:3] == ["施設コード", "施設名", "事業者名"] and "配分額（計画）" in headers
    row = [cell.value for cell in sheet[5]]
    assert row[headers.index("配分額（計画）")] == 50_000 and row[headers.index("承認額")] == 8_000
    assert row[headers.index("執行率（%）")] == 16
    assert isinstance(row[headers.index("登録決定日")], datetime.datetime)  # data cells stay real dates
    assert sheet["A2"].value.startswith("作成日時 令和")


def test_claim_lines_stream_to_excel(approved_claims):
    campaign, _claims = approved_claims
    buffer = io.BytesIO()
    assert reports.write_claim_lines(campaign, buffer) == 2
    sheet = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:6] == ["施設コード", "施設名", "対象月", "状態", "行", "予約番号"]
    assert sheet.cell(row=2, column=3).value == "2025-06" and sheet.cell(row=2, column=17).value == 8_000
    assert sheet.auto_filter.ref == "A1:R3" and sheet.freeze_panes == "A2"
