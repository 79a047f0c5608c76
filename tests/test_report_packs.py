"""Report packs (業務報告): the monthly pack of a closed month and the final pack (事業終了報告).

The figures in the Excel workbook are read back with openpyxl and compared with the records they come
from; the PDF is A4 with extractable Japanese text; the city downloads but generates nothing; the
files live in the private storage only; the command writes both files and refuses bad input.
"""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from claims import budget, reports, services
from claims.claim_file import COLUMNS
from claims.models import Claim
from core.formatting import format_wareki
from inquiries.models import Inquiry, InquiryCategory, QuickTally
from participants import services as application_services
from participants.models import ApplicationEvent, ApplicationStatus, EventKind
from reports import packs
from reports.models import PackKind, PackStatus, ReportPack, ReportPackRun
from surveys.models import Response

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    CampaignFactory,
    SurveyFactory,
    UserFactory,
    attach_documents,
)

pytestmark = pytest.mark.django_db
D = datetime.date
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
JUNE = D(2025, 6, 1)


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def _approved_application(campaign, reviewer, facilities: int = 2):
    application = ApplicationFactory(campaign=campaign)
    for _ in range(facilities):
        ApplicationFacilityFactory(application=application)
    attach_documents(application)
    application_services.submit(application, None, today=D(2025, 4, 10))
    application_services.start_review(application, reviewer)
    application_services.save_checklist(
        application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True)
    )
    application_services.approve(application, reviewer, approved_on=D(2025, 5, 1))
    return application


@pytest.fixture
def closed_june():
    """A round whose June is closed: two facilities with approved claims, one escalation asked and
    decided in June, survey answers in June and July, and inquiries in June."""
    campaign = CampaignFactory(
        slug="packs-2025",
        stay_start=D(2025, 5, 26),
        stay_end=D(2025, 7, 10),
        application_start=D(2025, 4, 1),
        application_end=D(2025, 5, 9),
        budget=10_000_000,
    )
    reviewer = UserFactory(role="reviewer")
    application = _approved_application(campaign, reviewer)
    for index, entry in enumerate(application.facilities.order_by("pk")):
        participation = entry.facility.participations.get(campaign=campaign)
        budget.set_allocation(participation, 50_000 + index * 10_000)
        data = (",".join(COLUMNS) + f"\r\nR-{index},2025-05-10,2025-06-01,2,2,40000,8000,,\r\n").encode()
        outcome = services.upload(participation, JUNE, data, "june.csv", None, claim_date=D(2025, 6, 30))
        services.approve(services.submit(outcome.claim, None), None)
    Claim.objects.filter(participation__campaign=campaign).update(approved_at=tokyo(2025, 6, 30, 12))
    close = reports.close_month(campaign, JUNE, UserFactory(role="accountant"), today=D(2025, 7, 1))

    # 発注者確認: asked and decided in June (the events are dated back to June).
    doubtful = ApplicationFactory(campaign=campaign)
    ApplicationFacilityFactory(application=doubtful)
    attach_documents(doubtful)
    application_services.submit(doubtful, None, today=D(2025, 4, 10))
    application_services.start_review(doubtful, reviewer)
    application_services.escalate(doubtful, reviewer, "営業許可の名義が事業者名と違います")
    application_services.record_city_decision(doubtful, UserFactory(role="city"), "承認して差し支えない")
    ApplicationEvent.objects.filter(application=doubtful, to_status=ApplicationStatus.ESCALATED).update(
        created_at=tokyo(2025, 6, 10, 9)
    )
    ApplicationEvent.objects.filter(application=doubtful, kind=EventKind.CITY_DECISION).update(
        created_at=tokyo(2025, 6, 12, 15)
    )

    survey = SurveyFactory(campaign=campaign, opens_at=tokyo(2025, 5, 26), closes_at=tokyo(2025, 8, 31))
    version = survey.versions.first()
    for at in (
        tokyo(2025, 5, 30, 10),
        tokyo(2025, 6, 2, 10),
        tokyo(2025, 6, 30, 23, 59),
        tokyo(2025, 7, 1, 0, 1),
    ):
        Response.objects.create(survey=survey, version=version, answers={}, submitted_at=at, source="web")

    category = InquiryCategory.objects.order_by("sort_order", "pk").first()
    for at in (tokyo(2025, 6, 1, 0, 0), tokyo(2025, 6, 15, 12), tokyo(2025, 7, 1, 0, 0)):
        Inquiry.objects.create(received_at=at, category=category, question="割引の対象になりますか")
    return campaign, close, survey


def _sheet_rows(sheet) -> list[list]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _table(sheet) -> tuple[list, list[list], list | None]:
    """(header, data rows, 合計 row) of a write_table sheet (header on row 4)."""
    rows = _sheet_rows(sheet)
    header = rows[3]
    body = [row for row in rows[4:] if any(value is not None for value in row)]
    total = body.pop() if body and body[-1][0] == "合計" else None
    return header, body, total


def _build(campaign, kind, month=None, provisional=False, user=None) -> ReportPack:
    pack = packs.request_pack(campaign, kind, user, month=month, provisional=provisional)
    pack = packs.build_pack(pack.pk)
    assert pack.status == PackStatus.DONE, pack.error
    return pack


def _workbook(pack: ReportPack):
    with pack.xlsx.open("rb") as handle:
        return openpyxl.load_workbook(io.BytesIO(handle.read()))


def _pdf(pack: ReportPack) -> PdfReader:
    with pack.pdf.open("rb") as handle:
        return PdfReader(io.BytesIO(handle.read()))


def _pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


# --- the monthly pack -----------------------------------------------------------------------------


def test_monthly_pack_figures_agree_with_the_records(closed_june):
    campaign, close, _survey = closed_june
    pack = _build(campaign, PackKind.MONTHLY, JUNE)
    workbook = _workbook(pack)
    assert workbook.sheetnames[0] == "支払実績"
    assert {"問合せ_分類別", "アンケート", "アンケート_施設別", "発注者確認"} <= set(workbook.sheetnames)

    header, body, total = _table(workbook["支払実績"])
    amount = header.index("当月支払額")
    closed_claims = Claim.objects.filter(closed_in=close)
    expected = dict(
        closed_claims.values_list("participation__facility__code")
        .annotate(s=Sum("approved_amount"))
        .order_by()
    )
    assert {row[0]: row[amount] for row in body if row[amount]} == expected
    assert total[amount] == closed_claims.aggregate(s=Sum("approved_amount"))["s"] == 16_000

    since, until = tokyo(2025, 6, 1), tokyo(2025, 7, 1)
    records = Inquiry.objects.filter(received_at__gte=since, received_at__lt=until).count()
    quick = QuickTally.objects.filter(at__gte=since, at__lt=until).count()
    _header, _body, total = _table(workbook["問合せ_分類別"])
    assert total[1:4] == [records, quick, records + quick]
    assert records >= 2

    header, body, total = _table(workbook["アンケート"])
    assert body[0][header.index("当月の回答数")] == 2  # 6/2 and 6/30 23:59; not 5/30 nor 7/1
    assert body[0][header.index("累計回答数")] == 3  # up to the month's end

    _header, body, _total = _table(workbook["発注者確認"])
    assert len(body) == 1
    reference, _business, asked, decided, status = body[0]
    assert re.fullmatch(r"R\d+-A\d{5}", reference) and status == "審査中"  # 受付番号 with its round
    assert asked == datetime.datetime(2025, 6, 10, 9) and decided == datetime.datetime(2025, 6, 12, 15)
    assert "判断待ち 0件" in workbook["発注者確認"]["A2"].value


def test_monthly_pdf_is_a4_with_japanese_text_and_the_figures(closed_june):
    campaign, _close, _survey = closed_june
    pack = _build(campaign, PackKind.MONTHLY, JUNE)
    reader = _pdf(pack)
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - 595) <= 1 and abs(float(box.height) - 842) <= 1
    text = _pdf_text(reader)
    # Title, period and dates in 和暦, as the city's documents are dated.
    assert "月次業務報告（令和7年6月分）" in text and "令和7年6月1日〜令和7年6月30日" in text
    assert "支払実績" in text and "問い合わせ" in text and "アンケート" in text and "発注者確認" in text
    assert "16,000円" in text  # 当月支払額の合計
    assert len(pack.pdf_sha256) == 64 and len(pack.xlsx_sha256) == 64


def test_the_packs_are_dated_in_wareki_and_keep_real_dates_in_the_data(closed_june):
    """Titles, periods and "made at" lines in 和暦 (令和7年6月分), as the city's documents are dated;
    Excel's data cells stay real dates so they sort and filter."""
    campaign, close, _survey = closed_june
    workbook = _workbook(_build(campaign, PackKind.MONTHLY, JUNE))
    payments = workbook["支払実績"]
    assert payments["A1"].value.startswith("支払実績報告（令和7年6月分）")
    assert payments["A2"].value.startswith("締め日時 令和")
    surveys = workbook["アンケート"]
    assert surveys["A1"].value.startswith("月次業務報告（令和7年6月分）")
    assert surveys["A2"].value.startswith("対象期間 令和7年6月1日〜令和7年6月30日 ／ 作成日時 令和")
    assert isinstance(surveys.cell(row=5, column=2).value, datetime.datetime)
    assert workbook["問合せ_分類・区分・受付方法別"]["A1"].value == "応対記録 月別集計（令和7年6月分）"
    text = re.sub(
        r"\s+", "", _pdf_text(_pdf(ReportPack.objects.get(campaign=campaign, kind=PackKind.MONTHLY)))
    )
    assert "令和7年6月10日09:00" in text and "令和7年6月12日15:00" in text  # the escalation's dates
    assert f"{format_wareki(close.closed_at)}{timezone.localtime(close.closed_at):%H:%M}" in text

    final = _build(campaign, PackKind.FINAL)
    text = re.sub(r"\s+", "", _pdf_text(_pdf(final)))
    assert "令和7年5月26日〜令和7年7月10日" in text
    assert "令和7年5月" in text and "令和7年6月" in text  # inquiries per month
    book = _workbook(final)
    assert book["支払実績"]["A2"].value.startswith("作成日時 令和")
    header, body, _total = _table(book["支払実績"])
    assert isinstance(body[0][header.index("登録決定日")], datetime.datetime)


def test_an_unclosed_month_is_refused(closed_june):
    campaign, _close, _survey = closed_june
    with pytest.raises(packs.PackError, match="月末締めが済んでいない"):
        packs.request_pack(campaign, PackKind.MONTHLY, None, month=D(2025, 7, 1))
    assert not ReportPack.objects.filter(campaign=campaign).exists()


def test_regenerating_replaces_the_files_and_keeps_the_history(closed_june):
    campaign, _close, _survey = closed_june
    accountant = UserFactory(role="accountant")
    first = _build(campaign, PackKind.MONTHLY, JUNE, user=accountant)
    old_name = first.pdf.name
    second = _build(campaign, PackKind.MONTHLY, JUNE, user=accountant)
    assert second.pk == first.pk
    assert ReportPack.objects.filter(campaign=campaign, kind=PackKind.MONTHLY).count() == 1
    runs = list(ReportPackRun.objects.filter(pack=second))
    assert len(runs) == 2 and all(
        run.status == PackStatus.DONE and run.requested_by == accountant for run in runs
    )
    assert all(len(run.pdf_sha256) == 64 for run in runs)
    storage = second.pdf.storage
    assert storage.exists(second.pdf.name)
    assert second.pdf.name == old_name or not storage.exists(old_name)


# --- the final pack -------------------------------------------------------------------------------


def test_final_pack_is_the_plan_against_the_results(closed_june):
    campaign, _close, _survey = closed_june
    with pytest.raises(packs.PackError, match="暫定版"):
        packs.request_pack(campaign, PackKind.FINAL, None, today=D(2025, 7, 10))
    assert packs.check_final(campaign, True, today=D(2025, 7, 10)) is True
    pack = _build(campaign, PackKind.FINAL)  # today is long after the stays
    assert pack.provisional is False and pack.month is None
    workbook = _workbook(pack)
    header, body, total = _table(workbook["支払実績"])
    allocation, approved = header.index("配分額（計画）"), header.index("承認額")
    rows = {row["code"]: row for row in reports.completion_rows(campaign)}
    assert {row[0]: (row[allocation], row[approved]) for row in body} == {
        code: (row["allocation"], row["amount"]) for code, row in rows.items()
    }
    assert total[allocation] == 110_000 and total[approved] == 16_000
    _h, months, total = _table(workbook["問合せ_月別"])
    # The month column is a real date (Excel sorts and filters it), shown as its month.
    assert [row[0] for row in months][:3] == [datetime.datetime(2025, m, 1) for m in (5, 6, 7)]
    assert workbook["問合せ_月別"].cell(row=5, column=1).number_format == "yyyy/mm"
    june = Inquiry.objects.filter(
        received_at__gte=tokyo(2025, 6, 1), received_at__lt=tokyo(2025, 7, 1)
    ).count()
    assert months[1][1] == june
    _h, body, _t = _table(workbook["アンケート"])
    assert body[0][-1] == Response.objects.filter(survey__campaign=campaign).count() == 4
    text = _pdf_text(_pdf(pack))
    assert "事業終了報告" in text and "110,000円" in text and "暫定版" not in text


def test_a_provisional_final_pack_says_so(closed_june):
    campaign, _close, _survey = closed_june
    campaign.stay_end = D(2099, 12, 31)
    campaign.save()
    pack = _build(campaign, PackKind.FINAL, provisional=True)
    assert pack.provisional is True
    assert "暫定版" in _pdf_text(_pdf(pack))
    assert "暫定版" in _workbook(pack)["支払実績"]["A2"].value


# --- screens --------------------------------------------------------------------------------------


def test_accountant_generates_in_the_background_and_the_city_downloads(
    client, closed_june, django_capture_on_commit_callbacks
):
    campaign, _close, _survey = closed_june
    client.force_login(UserFactory(role="accountant"))
    page = client.get(reverse("reports_packs"), {"campaign": campaign.slug})
    assert page.status_code == 200 and "2025年6月" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports_pack_generate"),
            {"campaign": campaign.slug, "kind": "monthly", "month": "2025-06"},
        )
    assert response.status_code == 302
    pack = ReportPack.objects.get(campaign=campaign, kind=PackKind.MONTHLY)
    assert pack.status == PackStatus.DONE

    # Asking again asks for a confirmation first.
    again = client.post(
        reverse("reports_pack_generate"), {"campaign": campaign.slug, "kind": "monthly", "month": "2025-06"}
    )
    assert again.status_code == 200 and "作り直しますか" in again.content.decode()
    assert pack.runs.count() == 1

    city = UserFactory(role="city")
    client.force_login(city)
    listing = client.get(reverse("reports_packs"), {"campaign": campaign.slug}).content.decode()
    assert "作成済み" in listing and "報告書パックの作成" not in listing
    download = client.get(reverse("reports_pack_download", args=[pack.pk, "pdf"]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert "no-store" in download["Cache-Control"] and "private" in download["Cache-Control"]
    xlsx = client.get(reverse("reports_pack_download", args=[pack.pk, "xlsx"]))
    assert xlsx.status_code == 200 and "geppou-packs-2025-202506.xlsx" in xlsx["Content-Disposition"]
    assert client.get(reverse("reports_pack_download", args=[pack.pk, "doc"])).status_code == 404

    forbidden = client.post(
        reverse("reports_pack_generate"),
        {"campaign": campaign.slug, "kind": "monthly", "month": "2025-06", "confirmed": "1"},
    )
    assert forbidden.status_code == 403
    assert pack.runs.count() == 1


def test_the_form_says_why_a_month_cannot_be_packed(client, closed_june):
    campaign, _close, _survey = closed_june
    client.force_login(UserFactory(role="accountant"))
    url = reverse("reports_pack_generate")
    response = client.post(url, {"campaign": campaign.slug, "kind": "monthly", "month": "2025-07"})
    assert response.status_code == 400
    assert "月末締めが済んでいない" in response.content.decode()
    response = client.post(url, {"campaign": campaign.slug, "kind": "monthly", "month": "2025-13"})
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
    response = client.post(url, {"campaign": campaign.slug, "kind": "monthly", "month": ""})
    assert response.status_code == 400 and "締め済みの月を選んでください" in response.content.decode()
    response = client.post(url, {"campaign": campaign.slug, "kind": "weekly"})
    assert response.status_code == 400
    assert not ReportPack.objects.filter(campaign=campaign).exists()


def test_roles_that_do_not_deal_with_reports_see_nothing(client, closed_june):
    campaign, _close, _survey = closed_june
    pack = _build(campaign, PackKind.MONTHLY, JUNE)
    for role in ("editor", "operator", "reviewer"):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("reports_packs")).status_code == 302
        assert client.get(reverse("reports_pack_download", args=[pack.pk, "pdf"])).status_code == 302
        assert client.post(reverse("reports_pack_generate"), {"campaign": campaign.slug}).status_code == 403


def test_pack_files_are_not_under_media(client, closed_june):
    campaign, _close, _survey = closed_june
    pack = _build(campaign, PackKind.MONTHLY, JUNE)
    private_root = Path(pack.pdf.storage.location).resolve()
    assert Path(pack.pdf.path).resolve().is_relative_to(private_root)
    assert not private_root.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    client.force_login(UserFactory(role="city"))
    for name in (pack.pdf.name, pack.xlsx.name):
        assert client.get(f"{settings.MEDIA_URL}{name}").status_code == 404


# --- the command ----------------------------------------------------------------------------------


def test_command_writes_both_files(closed_june, tmp_path):
    campaign, _close, _survey = closed_june
    out = io.StringIO()
    call_command(
        "report_pack", "monthly", "2025-06", "--campaign", campaign.slug, "--out", str(tmp_path), stdout=out
    )
    names = sorted(path.name for path in tmp_path.iterdir())
    assert names == ["geppou-packs-2025-202506.pdf", "geppou-packs-2025-202506.xlsx"]
    assert (tmp_path / names[0]).read_bytes().startswith(b"%PDF")
    assert "出力しました" in out.getvalue()
    call_command(
        "report_pack", "final", "--campaign", campaign.slug, "--out", str(tmp_path / "final"), stdout=out
    )
    assert sorted(p.name for p in (tmp_path / "final").iterdir()) == [
        "jigyou-shuuryou-packs-2025.pdf",
        "jigyou-shuuryou-packs-2025.xlsx",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["monthly", "2025-07", "--campaign", "packs-2025"], "月末締めが済んでいない"),
        (["monthly", "2025/06", "--campaign", "packs-2025"], "YYYY-MM"),
        (["monthly", "2025-13", "--campaign", "packs-2025"], "YYYY-MM"),
        (["monthly", "--campaign", "packs-2025"], "対象月"),
        (["final", "--campaign", "no-such-round"], "登録されていません"),
        (["final"], "--campaign"),
        (["final", "2025-06", "--campaign", "packs-2025"], "対象月を指定しません"),
    ],
)
def test_command_refuses_bad_input(closed_june, tmp_path, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("report_pack", *args, "--out", str(tmp_path), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []


def test_command_exits_non_zero_with_a_japanese_message(closed_june, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command_from_argv(
            ["report_pack", "monthly", "2025-07", "--campaign", "packs-2025", "--out", str(tmp_path)]
        )
    assert exit_info.value.code != 0
    assert "月末締めが済んでいない" in capsys.readouterr().err


def call_command_from_argv(argv: list[str]) -> None:
    from reports.management.commands.report_pack import Command

    Command().run_from_argv(["manage.py", *argv])


def test_a_pack_being_built_is_not_queued_twice(closed_june):
    campaign, _close, _survey = closed_june
    packs.request_pack(campaign, PackKind.MONTHLY, None, month=JUNE)
    with pytest.raises(packs.PackError, match="作成中"):
        packs.request_pack(campaign, PackKind.MONTHLY, None, month=JUNE)
    # A pack lost by a stopped worker may be asked for again after a while.
    ReportPack.objects.filter(campaign=campaign).update(
        requested_at=datetime.datetime.now(tz=TOKYO) - packs.STALE - datetime.timedelta(minutes=1)
    )
    pack = packs.request_pack(campaign, PackKind.MONTHLY, None, month=JUNE)
    assert pack.runs.count() == 2


def test_a_failed_build_shows_its_error_on_the_list(client, closed_june, monkeypatch):
    campaign, _close, _survey = closed_june

    def no_font(data):
        raise packs.PdfError("日本語フォント「Noto Sans CJK JP」が見つかりません。")

    monkeypatch.setattr(packs, "render_pdf", no_font)
    pack = packs.build_pack(packs.request_pack(campaign, PackKind.MONTHLY, None, month=JUNE).pk)
    assert pack.status == PackStatus.FAILED and "フォント" in pack.error
    assert not pack.pdf and pack.runs.get().status == PackStatus.FAILED
    client.force_login(UserFactory(role="city"))
    listing = client.get(reverse("reports_packs"), {"campaign": campaign.slug}).content.decode()
    assert "失敗" in listing and "フォント" in listing
