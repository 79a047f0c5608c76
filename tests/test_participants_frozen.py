"""Issue 19 A: the 参加事業者データ lists every participation of the round however it joined, can be
frozen once as the 確定版 (kept with its SHA-256, downloaded again, audited), later exports say what
changed since, the round holds the due date, and the dashboard reminds the staff who may freeze it."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import AuditEntry
from facilities.importing import COLUMNS as FACILITY_COLUMNS
from facilities.importing import import_facilities
from facilities.models import Facility, Participation
from facilities.services import mark_sold_out
from participants import frozen, services
from participants.export import HEADER_ROW, export_participants, rows_for
from participants.models import Application, ParticipantExport, ParticipantSnapshot
from participants.privacy import erase_frozen_data

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    BusinessFactory,
    FacilityFactory,
    OpenCampaignFactory,
    ParticipationFactory,
    UserFactory,
    attach_documents,
    make_member,
)

pytestmark = pytest.mark.django_db


def approved(campaign, reviewer, *, facilities=1, **kwargs) -> Application:
    application = ApplicationFactory(campaign=campaign, **kwargs)
    for index in range(facilities):
        ApplicationFacilityFactory(
            application=application, name=f"{application.business.name}の宿{index + 1}"
        )
    attach_documents(application)
    services.submit(application, make_member(application.business), today=campaign.application_start)
    services.start_review(application, reviewer)
    services.save_checklist(application, reviewer, dict.fromkeys(Application.CHECKLIST_FIELDS, True))
    services.approve(application, reviewer, approved_on=campaign.application_start)
    application.refresh_from_db()
    return application


def facility_file(*rows: dict[str, str]) -> bytes:
    lines = [",".join(FACILITY_COLUMNS)]
    for row in rows:
        lines.append(",".join(row.get(column, "") for column in FACILITY_COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def imported_row(code: str, name: str, campaign) -> dict[str, str]:
    return {
        "施設コード": code,
        "施設名": name,
        "施設名カナ": "イッカツ",
        "施設種別": "旅館",
        "区": "太白区",
        "エリア": "秋保温泉",
        "住所": "仙台市太白区秋保町湯元1",
        "電話番号": "022-398-0000",
        "客室数": "30",
        "登録決定日": f"{campaign.application_start:%Y-%m-%d}",
    }


@pytest.fixture
def reviewer():
    return UserFactory(role="reviewer")


@pytest.fixture
def round_(reviewer):
    """One approved application (受付番号 A00001, 口座 1234567) and two bulk-imported facilities."""
    campaign = OpenCampaignFactory()
    approved(campaign, reviewer, business__name="株式会社青葉", account_number="1234567")
    result = import_facilities(
        facility_file(
            imported_row("IMP-2", "秋保の宿", campaign), imported_row("IMP-1", "作並の宿", campaign)
        ),
        filename="施設一覧.csv",
        campaign=campaign,
        user=reviewer,
    )
    assert result.ok, result.errors
    return campaign


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data))


def table(sheet) -> list[dict[str, object]]:
    header = [cell.value for cell in sheet[HEADER_ROW]]
    return [
        dict(zip(header, (cell.value for cell in row), strict=True))
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1)
    ]


# --- every participation, however it joined --------------------------------------------------------


def test_the_export_lists_imported_participants_too(round_, reviewer):
    data, count = export_participants(round_, user=reviewer)
    lines = table(workbook(data)["参加事業者データ"])
    assert count == len(lines) == Participation.objects.filter(campaign=round_).count() == 3
    # Applications first (受付番号 order), then the others by 施設コード.
    assert [line["参加の経緯"] for line in lines] == ["申請", "一括取込等", "一括取込等"]
    assert [line["施設コード"] for line in lines][1:] == ["IMP-1", "IMP-2"]
    applied, imported = lines[0], lines[1]
    application = Application.objects.get(campaign=round_)
    assert applied["受付番号"] == application.reference and applied["事業者名"] == "株式会社青葉"
    assert applied["口座番号"] == "****567" and applied["営業許可番号"]
    # Nothing is invented for a facility without an application: its own record, and blanks.
    assert imported["施設名"] == "作並の宿" and imported["区"] == "太白区" and imported["客室数"] == 30
    assert imported["登録決定日"].date() == round_.application_start
    for column in (
        "受付番号",
        "事業者名",
        "代表者氏名",
        "営業許可番号",
        "営業許可日",
        "収容人数",
        "口座番号",
    ):
        assert imported[column] is None, column
    assert "申請 1件・一括取込等 2件" in workbook(data)["参加事業者データ"]["A2"].value


def test_an_imported_facility_with_a_business_shows_that_business(round_, reviewer):
    business = BusinessFactory(name="秋保温泉観光株式会社", representative="秋保 一郎")
    Facility.objects.filter(code="IMP-2").update(business=business)
    line = next(
        line
        for line in table(workbook(export_participants(round_, user=reviewer)[0])["参加事業者データ"])
        if line["施設コード"] == "IMP-2"
    )
    assert line["事業者名"] == "秋保温泉観光株式会社" and line["代表者氏名"] == "秋保 一郎"
    assert line["受付番号"] is None and line["金融機関コード"] is None


def test_an_application_whose_facility_left_the_round_is_not_listed(round_, reviewer):
    entry = Application.objects.get(campaign=round_).facilities.get()
    Participation.objects.filter(campaign=round_, facility=entry.facility).delete()
    codes = [row.facility.code for row in rows_for(round_, full_account_numbers=False)]
    assert codes == ["IMP-1", "IMP-2"]


# --- the due date --------------------------------------------------------------------------------


def test_the_due_date_defaults_to_may_9_of_the_application_year():
    campaign = OpenCampaignFactory()
    assert campaign.participant_data_due_on is None
    assert campaign.participant_data_due == datetime.date(campaign.application_start.year, 5, 9)
    chosen = campaign.application_start + datetime.timedelta(days=10)
    campaign.participant_data_due_on = chosen
    assert campaign.participant_data_due == chosen


def test_a_due_date_before_applications_open_is_refused():
    campaign = OpenCampaignFactory()
    campaign.participant_data_due_on = campaign.application_start - datetime.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        campaign.full_clean()
    assert "受付開始日以降" in str(caught.value.message_dict["participant_data_due_on"])


def test_the_campaign_admin_edits_the_due_date(client):
    campaign = OpenCampaignFactory()
    client.force_login(UserFactory(role="admin"))
    page = client.get(reverse("wagtailsnippets_campaigns_campaign:edit", args=[campaign.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "参加事業者データ（確定版）の納品期限" in text and "5月9日" in text


# --- freezing --------------------------------------------------------------------------------------


def test_freezing_keeps_the_file_its_hash_who_and_when(round_, reviewer):
    round_.participant_data_due_on = datetime.date(round_.application_start.year + 1, 5, 9)
    round_.save()
    snapshot = frozen.freeze(round_, reviewer)
    assert (snapshot.frozen_by, snapshot.row_count, snapshot.due_on) == (
        reviewer,
        3,
        round_.participant_data_due_on,
    )
    assert snapshot.file.name.startswith(f"participants/frozen/{round_.pk}/")
    with snapshot.file.open("rb") as handle:
        content = handle.read()
    assert hashlib.sha256(content).hexdigest() == snapshot.sha256
    sheet = workbook(content)["参加事業者データ"]
    assert "確定版" in sheet["A1"].value
    # 和暦 in the metadata row; the data cells stay real dates.
    assert "令和" in sheet["A2"].value and "納品期限 令和" in sheet["A2"].value
    assert len(table(sheet)) == 3 and table(sheet)[0]["口座番号"] == "****567"
    assert ParticipantExport.objects.filter(campaign=round_, via="freeze", exported_by=reviewer).count() == 1
    entry = AuditEntry.objects.get(object_type="participants.participantsnapshot", object_id=str(snapshot.pk))
    assert entry.action == "pii_export" and entry.detail["sha256"] == snapshot.sha256
    assert "1234567" not in str(snapshot.rows)  # the whole account number is never kept


def test_a_round_is_frozen_once(round_, reviewer):
    first = frozen.freeze(round_, reviewer)
    with pytest.raises(frozen.FreezeError, match="作成済み"):
        frozen.freeze(round_, UserFactory(role="accountant"))
    assert ParticipantSnapshot.objects.get(campaign=round_) == first
    assert ParticipantExport.objects.filter(campaign=round_, via="freeze").count() == 1


def test_a_round_without_participants_cannot_be_frozen(reviewer):
    empty = OpenCampaignFactory()
    with pytest.raises(frozen.FreezeError, match="参加施設がない"):
        frozen.freeze(empty, reviewer)
    assert not ParticipantSnapshot.objects.filter(campaign=empty).exists()


@pytest.mark.parametrize("role", ["city", "admin", "operator", "editor"])
def test_freezing_needs_the_right(round_, role):
    with pytest.raises(PermissionDenied):
        frozen.freeze(round_, UserFactory(role=role))
    assert not ParticipantSnapshot.objects.filter(campaign=round_).exists()


# --- the screens ------------------------------------------------------------------------------------


def test_freeze_asks_for_confirmation_then_freezes(client, round_, reviewer):
    client.force_login(reviewer)
    export_page = client.get(reverse("participants_export"), {"campaign": round_.slug}).content.decode()
    assert "確定版はまだありません" in export_page and "納品期限 令和" in export_page
    assert "申請 1件・一括取込等 2件" in export_page
    url = reverse("participants_freeze")
    confirm = client.get(url, {"campaign": round_.slug})
    text = confirm.content.decode()
    assert confirm.status_code == 200 and "取り消すことはできません" in text and "令和" in text
    assert "申請 1件・一括取込等 2件" in text
    # A POST without the confirmation only shows the question again.
    again = client.post(url, {"campaign": round_.slug})
    assert again.status_code == 200 and "確定版として保存する" in again.content.decode()
    assert not ParticipantSnapshot.objects.filter(campaign=round_).exists()

    response = client.post(url, {"campaign": round_.slug, "confirmed": "1"}, follow=True)
    snapshot = ParticipantSnapshot.objects.get(campaign=round_)
    page = response.content.decode()
    assert "確定版として保存しました" in page and snapshot.sha256 in page
    assert "確定版をダウンロード" in page and "確定版からの変更はありません" in page

    # Freezing twice: refused with the reason, nothing new.
    twice = client.post(url, {"campaign": round_.slug, "confirmed": "1"}, follow=True)
    assert "1回だけ作成できます" in twice.content.decode()
    assert ParticipantSnapshot.objects.filter(campaign=round_).count() == 1
    assert client.get(url, {"campaign": round_.slug}).content.decode().count("作成済み") >= 1


def test_freeze_names_its_round_exactly(client, round_, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("participants_freeze"), {"campaign": "no-such-round", "confirmed": "1"})
    assert response.status_code == 404
    response = client.post(reverse("participants_freeze"), {"confirmed": "1"})
    assert response.status_code == 404
    assert not ParticipantSnapshot.objects.filter(campaign=round_).exists()


def test_an_empty_round_says_so_and_cannot_be_frozen(client, reviewer):
    empty = OpenCampaignFactory()
    client.force_login(reviewer)
    page = client.get(reverse("participants_export"), {"campaign": empty.slug}).content.decode()
    assert "参加している施設はまだありません" in page and "確定版はまだ作成できません" in page
    confirm = client.get(reverse("participants_freeze"), {"campaign": empty.slug}).content.decode()
    assert "参加施設がないため" in confirm and 'name="confirmed"' not in confirm
    response = client.post(
        reverse("participants_freeze"), {"campaign": empty.slug, "confirmed": "1"}, follow=True
    )
    assert "参加施設がないため" in response.content.decode()
    assert not ParticipantSnapshot.objects.filter(campaign=empty).exists()


@pytest.mark.parametrize("role", ["city", "admin", "operator", "editor", "moderator"])
def test_freeze_without_the_right_is_a_403(client, round_, role):
    client.force_login(UserFactory(role=role))
    url = reverse("participants_freeze")
    assert client.get(url, {"campaign": round_.slug}).status_code == 403
    assert client.post(url, {"campaign": round_.slug, "confirmed": "1"}).status_code == 403
    assert not ParticipantSnapshot.objects.filter(campaign=round_).exists()


def test_anonymous_is_sent_to_the_login(client, round_):
    response = client.post(reverse("participants_freeze"), {"campaign": round_.slug, "confirmed": "1"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("role", ["reviewer", "accountant", "city"])
def test_the_frozen_file_is_downloaded_again_and_recorded(client, round_, reviewer, role):
    snapshot = frozen.freeze(round_, reviewer)
    user = UserFactory(role=role)
    client.force_login(user)
    response = client.get(reverse("participants_frozen_download", args=[snapshot.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == snapshot.sha256
    assert snapshot.filename in response["Content-Disposition"] and "no-store" in response["Cache-Control"]
    assert ParticipantExport.objects.filter(via="frozen_download", exported_by=user).count() == 1
    assert AuditEntry.objects.filter(
        action="pii_export", actor_id=user.pk, object_type="participants.participantsnapshot"
    ).exists()


@pytest.mark.parametrize("role", ["admin", "operator", "editor", "moderator"])
def test_the_frozen_file_is_refused_to_roles_that_may_not_have_it(client, round_, reviewer, role):
    snapshot = frozen.freeze(round_, reviewer)
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("participants_frozen_download", args=[snapshot.pk]))
    assert response.status_code == 403
    assert not ParticipantExport.objects.filter(via="frozen_download").exists()


def test_a_missing_or_altered_frozen_file_is_not_handed_out(client, round_, reviewer):
    snapshot = frozen.freeze(round_, reviewer)
    client.force_login(reviewer)
    assert client.get(reverse("participants_frozen_download", args=[999_999])).status_code == 404
    with snapshot.file.storage.open(snapshot.file.name, "wb") as handle:
        handle.write(b"PK altered")
    response = client.get(reverse("participants_frozen_download", args=[snapshot.pk]), follow=True)
    assert "SHA-256 と一致しません" in response.content.decode()
    snapshot.file.storage.delete(snapshot.file.name)
    response = client.get(reverse("participants_frozen_download", args=[snapshot.pk]), follow=True)
    assert "見つかりません" in response.content.decode()
    assert not ParticipantExport.objects.filter(via="frozen_download").exists()


# --- what changed since the 確定版 -----------------------------------------------------------------------


def test_later_exports_show_what_changed_since_the_frozen_version(client, round_, reviewer):
    snapshot = frozen.freeze(round_, reviewer)
    application = Application.objects.get(campaign=round_)
    # Changed: the business's phone, and the account's first digits (the masked number looks the same).
    application.business.phone = "022-999-9999"
    application.business.save()
    Application.objects.filter(pk=application.pk).update(account_number="9994567")
    # Removed: one imported facility left the round; added: a new one; sold out: not compared.
    Participation.objects.filter(campaign=round_, facility__code="IMP-1").delete()
    ParticipationFactory(campaign=round_, facility=FacilityFactory(code="NEW-1", name="新しい宿"))
    mark_sold_out(Participation.objects.get(campaign=round_, facility__code="IMP-2"), reviewer)

    book = workbook(export_participants(round_, user=reviewer)[0])
    assert book.sheetnames == ["参加事業者データ", "確定版からの差分"]
    assert "確定版: 令和" in book["参加事業者データ"]["A2"].value
    sheet = book["確定版からの差分"]
    assert "追加 1件・削除 1件・変更 1件" in sheet["A2"].value
    lines = [(line["区分"], line["施設コード"], line["項目"]) for line in table(sheet)]
    code = application.facilities.get().facility.code
    assert lines == [
        ("追加", "NEW-1", None),
        ("削除", "IMP-1", None),
        ("変更", code, "事業者の電話番号"),
        ("変更", code, "口座番号"),
    ]
    phone = next(line for line in table(sheet) if line["項目"] == "事業者の電話番号")
    assert (phone["確定版の値"], phone["現在の値"]) == ("022-123-4567", "022-999-9999")
    assert "9994567" not in str([cell.value for row in sheet.iter_rows() for cell in row])

    client.force_login(UserFactory(role="city"))
    page = client.get(reverse("participants_export"), {"campaign": round_.slug}).content.decode()
    assert "追加 1件・削除 1件・変更 1件" in page and "事業者の電話番号、口座番号" in page
    assert snapshot.sha256 in page


def test_an_export_without_a_frozen_version_has_no_diff_sheet(round_, reviewer):
    book = workbook(export_participants(round_, user=reviewer)[0])
    assert book.sheetnames == ["参加事業者データ"]
    assert "確定版: 未作成" in book["参加事業者データ"]["A2"].value


# --- the dashboard reminder -------------------------------------------------------------------------


def test_the_dashboard_reminds_those_who_may_freeze(client, round_, reviewer):
    today = timezone.localdate()
    round_.participant_data_due_on = today + datetime.timedelta(days=3)
    round_.save()
    client.force_login(reviewer)
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "参加事業者データ（確定版）の納品" in page and "あと3日" in page and round_.name in page

    round_.participant_data_due_on = round_.application_start
    round_.save()
    overdue = (today - round_.application_start).days
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    if overdue:
        assert f"{overdue}日過ぎています" in page
    else:
        assert "本日" in page

    client.force_login(UserFactory(role="city"))
    assert round_.name not in client.get(reverse("wagtailadmin_home")).content.decode()

    frozen.freeze(round_, reviewer)
    client.force_login(reviewer)
    assert all(r.campaign != round_ for r in frozen.reminders())
    assert f"?campaign={round_.slug}" not in client.get(reverse("wagtailadmin_home")).content.decode()


def test_rounds_not_yet_open_or_ended_are_not_reminded():
    today = timezone.localdate()
    later = OpenCampaignFactory(application_start=today + datetime.timedelta(days=1))
    ended = OpenCampaignFactory(
        stay_start=today - datetime.timedelta(days=60),
        stay_end=today - datetime.timedelta(days=1),
        application_start=today - datetime.timedelta(days=90),
        application_end=today - datetime.timedelta(days=61),
    )
    campaigns = {r.campaign for r in frozen.reminders(today)}
    assert later not in campaigns and ended not in campaigns


# --- erasure -------------------------------------------------------------------------------------


def test_erasure_deletes_the_frozen_file_and_its_values_and_keeps_the_record(client, round_, reviewer):
    snapshot = frozen.freeze(round_, reviewer)
    plan = erase_frozen_data(round_, dry_run=True)
    assert plan.records == 1 and plan.files == [snapshot.file.name]
    erase_frozen_data(round_, dry_run=False)
    snapshot.refresh_from_db()
    assert snapshot.rows == {} and not snapshot.file.name and snapshot.erased_at is not None
    assert len(snapshot.sha256) == 64 and snapshot.row_count == 3
    client.force_login(reviewer)
    response = client.get(reverse("participants_frozen_download", args=[snapshot.pk]), follow=True)
    assert "個人情報の消去により削除" in response.content.decode()
    assert erase_frozen_data(round_, dry_run=True).records == 0
