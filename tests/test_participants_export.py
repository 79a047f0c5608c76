"""参加事業者データ: the Excel deliverable, its admin download, the command and the export record."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from campaigns.models import Campaign
from facilities.models import Participation
from facilities.services import mark_sold_out
from participants import services
from participants.export import (
    COLUMNS,
    HEADER_ROW,
    ExportNotAllowed,
    export_participants,
    participant_entries,
)
from participants.models import Application, ParticipantExport

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    OpenCampaignFactory,
    UserFactory,
    attach_documents,
    make_member,
)
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db

APPROVED_ON = datetime.date(2025, 5, 1)
HEADERS = [str(column.header) for column in COLUMNS]


def approved(campaign, reviewer, *, facilities=1, approved_on=APPROVED_ON, **kwargs):
    application = ApplicationFactory(campaign=campaign, **kwargs)
    for index in range(facilities):
        ApplicationFacilityFactory(
            application=application, name=f"{application.business.name}の宿{index + 1}"
        )
    attach_documents(application)
    services.submit(application, make_member(application.business), today=campaign.application_start)
    services.start_review(application, reviewer)
    services.save_checklist(application, reviewer, dict.fromkeys(Application.CHECKLIST_FIELDS, True))
    services.approve(application, reviewer, approved_on=approved_on)
    application.refresh_from_db()
    return application


@pytest.fixture
def reviewer():
    return UserFactory(role="reviewer")


@pytest.fixture
def round_(reviewer):
    """A round with two approved applications (three facilities), one still in review, and another
    round's approved application that must not appear."""
    campaign = OpenCampaignFactory()
    approved(campaign, reviewer, facilities=2, business__name="株式会社青葉", account_number="1234567")
    approved(campaign, reviewer, business__name="泉観光有限会社", account_number="7654321")
    pending = ApplicationFactory(campaign=campaign, business__name="審査中の宿")
    ApplicationFacilityFactory(application=pending)
    attach_documents(pending)
    services.submit(pending, None, today=campaign.application_start)
    approved(OpenCampaignFactory(), reviewer, business__name="別の回の宿")
    return campaign


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def table(sheet) -> list[dict[str, object]]:
    header = [cell.value for cell in sheet[HEADER_ROW]]
    return [
        dict(zip(header, (cell.value for cell in row), strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    ]


def test_one_row_per_facility_of_approved_applications(round_, reviewer):
    data, rows = export_participants(round_, user=reviewer)
    sheet = sheet_of(data)
    assert [cell.value for cell in sheet[HEADER_ROW]] == HEADERS
    for header in (
        "参加の経緯",
        "受付番号",
        "事業者名",
        "施設コード",
        "許可",
        "登録決定日",
        "口座番号",
        "販売状況",
    ):
        assert any(header in h for h in HEADERS), header
    lines = table(sheet)
    assert rows == len(lines) == 3
    assert [line["事業者名"] for line in lines] == ["株式会社青葉", "株式会社青葉", "泉観光有限会社"]
    prefix = f"R{round_.pk}-"
    assert [line["受付番号"] for line in lines] == [f"{prefix}A00001", f"{prefix}A00001", f"{prefix}A00002"]
    codes = [line["施設コード"] for line in lines]
    assert codes == [f"{prefix}A00001-1", f"{prefix}A00001-2", f"{prefix}A00002-1"]
    assert {line["参加の経緯"] for line in lines} == {"申請"}
    first = lines[0]
    assert first["施設名"] == "株式会社青葉の宿1"
    assert first["区"] == "青葉区" and first["エリア"] == "仙台駅周辺" and first["施設種別"] == "ホテル"
    assert first["営業許可の種別"] == "旅館・ホテル営業" and first["営業許可番号"] == "仙台市指令青保第100号"
    assert first["客室数"] == 50 and first["収容人数"] == 90
    assert first["販売経路"] == "直販、OTA"
    assert first["金融機関コード"] == "0001" and first["支店コード"] == "123" and first["預金種目"] == "普通"
    assert first["販売状況"] == "販売中" and first["販売終了日"] is None
    assert "別の回の宿" not in str(lines) and "審査中の宿" not in str(lines)
    assert "仙台市宿泊促進キャンペーン" in sheet["A1"].value and "3件" in sheet["A2"].value


def test_account_numbers_are_masked_unless_the_user_may_see_them(round_, reviewer):
    masked = table(sheet_of(export_participants(round_, user=reviewer)[0]))
    assert [line["口座番号"] for line in masked] == ["****567", "****567", "****321"]
    accountant = UserFactory(role="accountant")
    full = table(sheet_of(export_participants(round_, user=accountant, full_account_numbers=True)[0]))
    assert [line["口座番号"] for line in full] == ["1234567", "1234567", "7654321"]
    # An accountant who does not ask for them gets the masked file too.
    assert table(sheet_of(export_participants(round_, user=accountant)[0]))[2]["口座番号"] == "****321"


@pytest.mark.parametrize("role", ["reviewer", "city", None])
def test_full_numbers_are_refused_without_the_right_and_nothing_is_recorded(round_, role):
    user = UserFactory(role=role) if role else None
    with pytest.raises(ExportNotAllowed, match="口座番号を伏せずに出力する権限がありません"):
        export_participants(round_, user=user, full_account_numbers=True)
    assert not ParticipantExport.objects.filter(campaign=round_).exists()


def test_dates_are_real_excel_dates(round_, reviewer):
    sheet = sheet_of(export_participants(round_, user=reviewer)[0])
    column = {header: index for index, header in enumerate(HEADERS, start=1)}
    approved_cell = sheet.cell(row=HEADER_ROW + 1, column=column["登録決定日"])
    assert approved_cell.is_date and approved_cell.value.date() == APPROVED_ON
    assert approved_cell.number_format == "yyyy/mm/dd"
    licence_cell = sheet.cell(row=HEADER_ROW + 1, column=column["営業許可日"])
    assert licence_cell.is_date and licence_cell.value.date() == datetime.date(2015, 4, 1)
    assert licence_cell.number_format == "yyyy/mm/dd"
    submitted_cell = sheet.cell(row=HEADER_ROW + 1, column=column["提出日時"])
    assert submitted_cell.is_date and submitted_cell.number_format == "yyyy/mm/dd hh:mm"


def test_filter_frozen_header_widths_and_codes_kept_as_text(round_, reviewer):
    sheet = sheet_of(export_participants(round_, user=reviewer)[0])
    last_column = sheet.cell(row=HEADER_ROW, column=len(HEADERS)).column_letter
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:{last_column}{HEADER_ROW + 3}"
    assert sheet.freeze_panes == f"C{HEADER_ROW + 1}"
    columns = [HEADERS.index(name) + 1 for name in ("施設名", "住所", "客室数")]
    widths = [sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width for i in columns]
    assert all(8 <= width <= 60 for width in widths)
    assert widths[1] > widths[2], "住所 is wider than 客室数"
    code = sheet.cell(row=HEADER_ROW + 1, column=HEADERS.index("金融機関コード") + 1)
    assert code.value == "0001" and code.data_type == "s"


def test_a_value_that_looks_like_a_formula_stays_text(reviewer):
    campaign = OpenCampaignFactory()
    approved(campaign, reviewer, business__name='=HYPERLINK("http://evil.example","x")')
    sheet = sheet_of(export_participants(campaign, user=reviewer)[0])
    cell = sheet.cell(row=HEADER_ROW + 1, column=HEADERS.index("事業者名") + 1)
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_sales_state_and_the_participation_date_are_exported(round_, reviewer):
    entry = participant_entries(round_).first()
    participation = Participation.objects.get(facility=entry.facility, campaign=round_)
    participation.approved_on = datetime.date(2025, 5, 9)
    participation.save()
    mark_sold_out(participation, reviewer)
    first = table(sheet_of(export_participants(round_, user=reviewer)[0]))[0]
    assert first["販売状況"] == "販売終了" and first["販売終了日"] is not None
    assert first["登録決定日"].date() == datetime.date(2025, 5, 9)


def test_every_export_is_recorded(round_, reviewer):
    accountant = UserFactory(role="accountant")
    export_participants(round_, user=reviewer)
    export_participants(round_, user=accountant, full_account_numbers=True)
    records = list(ParticipantExport.objects.filter(campaign=round_).order_by("created_at", "pk"))
    assert [(r.exported_by, r.via, r.full_account_numbers, r.row_count) for r in records] == [
        (reviewer, "admin", False, 3),
        (accountant, "admin", True, 3),
    ]


def test_empty_round_gives_the_headers_only(reviewer):
    campaign = OpenCampaignFactory()
    data, rows = export_participants(campaign, user=reviewer)
    sheet = sheet_of(data)
    assert rows == 0 and [cell.value for cell in sheet[HEADER_ROW]] == HEADERS
    assert sheet.max_row == HEADER_ROW


# --- admin download ------------------------------------------------------------------------------


def test_accountant_downloads_the_full_file_from_the_admin(client, round_):
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    url = reverse("participants_export")
    page = client.get(url, {"campaign": round_.slug})
    assert page.status_code == 200 and "口座番号を伏せずに出力する" in page.content.decode()
    response = download_via_job(client, url, {"campaign": round_.slug, "full_account_numbers": "on"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and round_.slug in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert table(sheet_of(body(response)))[0]["口座番号"] == "1234567"
    record = ParticipantExport.objects.get(campaign=round_)
    assert (record.exported_by, record.via, record.full_account_numbers) == (accountant, "admin", True)


def test_reviewer_gets_masked_numbers_even_when_asking_for_full(client, round_, reviewer):
    client.force_login(reviewer)
    url = reverse("participants_export")
    assert "口座番号を伏せずに出力する" not in client.get(url).content.decode()
    response = download_via_job(client, url, {"campaign": round_.slug, "full_account_numbers": "on"})
    assert table(sheet_of(body(response)))[0]["口座番号"] == "****567"
    assert not ParticipantExport.objects.get(campaign=round_).full_account_numbers


def test_queue_links_to_the_export_for_those_who_may(client, round_, reviewer):
    client.force_login(reviewer)
    link = reverse("participants_export") + f"?campaign={round_.slug}"
    page = client.get(reverse("participants_queue"), {"campaign": round_.slug}).content.decode()
    assert link in page
    client.force_login(UserFactory(role="admin"))
    page = client.get(reverse("participants_queue"), {"campaign": round_.slug}).content.decode()
    assert link not in page and reverse("participants_export_log") in page


@pytest.mark.parametrize("role", ["operator", "editor", "admin"])
def test_export_is_refused_without_the_permission(client, round_, role):
    client.force_login(UserFactory(role=role))
    response = client.post(reverse("participants_export"), {"campaign": round_.slug})
    assert response.status_code in (302, 403)
    assert not ParticipantExport.objects.filter(campaign=round_).exists()


@pytest.mark.parametrize(("role", "allowed"), [("city", True), ("admin", True), ("reviewer", False)])
def test_export_log_is_for_the_city_and_the_administrator(client, round_, reviewer, role, allowed):
    export_participants(round_, user=reviewer)
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("participants_export_log"))
    assert (response.status_code == 200) is allowed
    if allowed:
        page = response.content.decode()
        assert reviewer.get_username() in page and round_.name in page and "伏せ字" in page


# --- the command -----------------------------------------------------------------------------------


def test_command_writes_the_file_and_prints_rows_and_path(round_, tmp_path: Path):
    out = io.StringIO()
    target = tmp_path / "participants.xlsx"
    call_command("export_participants", "--campaign", round_.slug, "--out", str(target), stdout=out)
    assert "3行" in out.getvalue() and str(target) in out.getvalue()
    assert table(sheet_of(target.read_bytes()))[0]["口座番号"] == "****567"
    record = ParticipantExport.objects.get(campaign=round_)
    assert (record.via, record.exported_by, record.full_account_numbers, record.row_count) == (
        "command",
        None,
        False,
        3,
    )


def test_command_full_numbers_for_an_accountant(round_, tmp_path: Path):
    accountant = UserFactory(role="accountant")
    target = tmp_path / "full.xlsx"
    call_command(
        "export_participants",
        f"--campaign={round_.slug}",
        f"--out={target}",
        "--full-account-numbers",
        f"--user={accountant.username}",
        stdout=io.StringIO(),
    )
    assert table(sheet_of(target.read_bytes()))[2]["口座番号"] == "7654321"
    record = ParticipantExport.objects.get(campaign=round_)
    assert (record.via, record.exported_by, record.full_account_numbers) == ("command", accountant, True)


def test_command_defaults_to_the_current_campaign(seeded, tmp_path: Path):
    current = Campaign.objects.current()
    target = tmp_path / "current.xlsx"
    out = io.StringIO()
    call_command("export_participants", "--out", str(target), stdout=out)
    assert current.name in out.getvalue()
    record = ParticipantExport.objects.get(campaign=current, via="command")  # the demo froze one too
    # Every participation of the round, with or without an application (the demo imports some).
    assert record.row_count == Participation.objects.filter(campaign=current).count()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--full-account-numbers"], "--user で指定してください"),
        (["--full-account-numbers", "--user=REVIEWER"], "権限がありません"),
        (["--user=nobody-here"], "「nobody-here」は登録されていません"),
        (["--campaign=no-such-round"], "「no-such-round」は登録されていません"),
    ],
)
def test_command_errors_write_nothing(round_, reviewer, tmp_path: Path, args, message):
    target = tmp_path / "refused.xlsx"
    args = [a.replace("REVIEWER", reviewer.username) for a in args]
    if not any(a.startswith("--campaign") for a in args):
        args.append(f"--campaign={round_.slug}")
    with pytest.raises(CommandError, match=message):
        call_command("export_participants", *args, f"--out={target}", stdout=io.StringIO())
    assert not target.exists()
    assert not ParticipantExport.objects.filter(via="command").exists()


def test_command_cannot_write_the_file(round_, tmp_path: Path):
    target = tmp_path / "missing-directory" / "x.xlsx"
    with pytest.raises(CommandError, match="書き込めません"):
        call_command("export_participants", f"--campaign={round_.slug}", f"--out={target}")
    assert not ParticipantExport.objects.filter(campaign=round_).exists()
