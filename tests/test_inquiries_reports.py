"""Report dashboard: which daily and monthly tallies are due, done or overdue, the Excel download from
the admin (which records the submission for call-center staff) and marking a report submitted."""

from __future__ import annotations

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from inquiries import services
from inquiries.models import Inquiry, InquiryCategory, QuickTally, ReportSubmission
from inquiries.services import ReportState, SubmissionError, record_submission, report_schedule

from .factories import UserFactory
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def _empty():
    Inquiry.objects.all().delete()
    QuickTally.objects.all().delete()
    ReportSubmission.objects.all().delete()


@pytest.fixture
def category():
    return InquiryCategory.objects.get(slug="overview")


def states(rows):
    return {r.period: r.state for r in rows}


def test_daily_reports_of_business_days_and_worked_weekends(category):
    operator = UserFactory(role="operator")
    Inquiry.objects.create(
        category=category, question="土曜の問い合わせ", received_at=tokyo(2025, 7, 19, 10, 0)
    )
    record_submission("daily", D(2025, 7, 16), operator, today=D(2025, 7, 22))
    daily, _monthly = report_schedule(now=tokyo(2025, 7, 22, 11, 0))
    assert [r.period for r in daily] == [
        D(2025, 7, 19),  # a Saturday the call center worked
        D(2025, 7, 18),
        D(2025, 7, 17),
        D(2025, 7, 16),
        D(2025, 7, 15),
        D(2025, 7, 14),
        D(2025, 7, 11),
        D(2025, 7, 10),
        D(2025, 7, 9),
        D(2025, 7, 8),
    ]  # not 7/21 (海の日), 7/20 and 7/12–13 (weekend without calls)
    by_day = states(daily)
    assert by_day[D(2025, 7, 19)] == by_day[D(2025, 7, 18)] == ReportState.DUE  # due 7/22 12:00
    assert by_day[D(2025, 7, 17)] == ReportState.OVERDUE  # was due 7/18 12:00
    assert by_day[D(2025, 7, 16)] == ReportState.DONE
    assert daily[0].records == 1
    # At noon the Friday's report becomes overdue.
    daily, _monthly = report_schedule(now=tokyo(2025, 7, 22, 12, 1))
    assert states(daily)[D(2025, 7, 18)] == ReportState.OVERDUE


def test_monthly_reports_of_the_last_three_months():
    operator = UserFactory(role="operator")
    _daily, monthly = report_schedule(now=tokyo(2025, 7, 9, 16, 59))
    assert [r.period for r in monthly] == [D(2025, 6, 1), D(2025, 5, 1), D(2025, 4, 1)]
    assert [r.state for r in monthly] == [ReportState.DUE, ReportState.OVERDUE, ReportState.OVERDUE]
    assert monthly[0].deadline == tokyo(2025, 7, 9, 17, 0)
    record_submission("monthly", D(2025, 5, 20), operator, today=D(2025, 7, 9))
    _daily, monthly = report_schedule(now=tokyo(2025, 7, 9, 17, 1))
    assert [r.state for r in monthly] == [ReportState.OVERDUE, ReportState.DONE, ReportState.OVERDUE]


def test_a_running_period_cannot_be_submitted_and_the_first_record_wins():
    first, second = UserFactory(role="operator"), UserFactory(role="operator")
    with pytest.raises(SubmissionError):
        record_submission("daily", D(2025, 7, 22), first, today=D(2025, 7, 22))
    with pytest.raises(SubmissionError):
        record_submission("monthly", D(2025, 7, 1), first, today=D(2025, 7, 31))
    record_submission("monthly", D(2025, 7, 1), first, today=D(2025, 8, 1))
    again = record_submission("monthly", D(2025, 7, 15), second, today=D(2025, 8, 2))
    assert again.submitted_by == first and ReportSubmission.objects.count() == 1


def test_an_operator_downloads_the_excel_and_it_counts_as_submitted(client, category):
    Inquiry.objects.create(category=category, question="q", received_at=tokyo(2025, 7, 18, 10, 0))
    client.force_login(UserFactory(role="operator"))
    response = download_via_job(
        client, reverse("inquiries_report_download"), {"kind": "daily", "period": "2025-07-18"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="inquiries-daily-2025-07-18.xlsx"'
    sheet = load_workbook(io.BytesIO(body(response))).worksheets[0]
    assert sheet["A1"].value.startswith("応対記録 日別集計")
    submission = ReportSubmission.objects.get()
    assert (submission.kind, submission.period, submission.via) == ("daily", D(2025, 7, 18), "download")


def test_the_city_downloads_without_marking_and_cannot_mark(client):
    client.force_login(UserFactory(role="city"))
    response = download_via_job(
        client, reverse("inquiries_report_download"), {"kind": "monthly", "period": "2025-06"}
    )
    assert response.status_code == 200
    response = client.post(reverse("inquiries_report_submitted"), {"kind": "monthly", "period": "2025-06"})
    assert response.status_code in (302, 403) and response.get("Location") != reverse("inquiries_reports")
    assert not ReportSubmission.objects.exists()


def test_marking_submitted_from_the_dashboard(client):
    client.force_login(UserFactory(role="operator"))
    response = client.post(reverse("inquiries_report_submitted"), {"kind": "monthly", "period": "2025-06"})
    assert response.status_code == 302
    assert ReportSubmission.objects.get().via == "marked"
    for bad in ({"kind": "weekly", "period": "2025-06"}, {"kind": "daily", "period": "2025-06"}, {}):
        client.post(reverse("inquiries_report_submitted"), bad)
    assert ReportSubmission.objects.count() == 1


def test_the_dashboard_lists_states_for_readers(client, monkeypatch):
    monkeypatch.setattr(services.timezone, "now", lambda: tokyo(2025, 7, 22, 13, 0))
    client.force_login(UserFactory(role="city"))
    response = client.get(reverse("inquiries_reports"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "期限超過" in html and "2025-07-22 12:00" in html
    assert "提出済みにする" not in html  # the city reads; call-center staff hand reports in
    assert response.context["overdue"] >= 1
