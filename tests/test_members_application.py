"""The hotel's application (参加申請) through the real forms: from an empty draft to submission,
each kind of bad input (with its message and the saved data kept), 差戻し and resubmission,
and the application window."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from facilities.models import Area, FacilityType, Feature, Ward
from participants import services
from participants.models import Application, ApplicationDocument, ApplicationFacility, ApplicationStatus

from .factories import (
    PDF_BYTES,
    ApplicationFacilityFactory,
    ApplicationFactory,
    BusinessFactory,
    CampaignFactory,
    OpenCampaignFactory,
    UserFactory,
    complete_application,
    make_member,
    png_bytes,
)

pytestmark = pytest.mark.django_db
S = ApplicationStatus


@pytest.fixture
def member(client):
    user = make_member(BusinessFactory(name="株式会社青葉ホテル"), email="owner@aoba.example.jp")
    client.force_login(user)
    return user


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _entry_data(**overrides):
    data = {
        "name": "ホテル青葉",
        "kana": "ほてるあおば",  # ひらがな is stored as katakana
        "facility_type": FacilityType.objects.get(slug="hotel").pk,
        "ward": Ward.objects.get(slug="aoba").pk,
        "area": Area.objects.get(slug="sendai-station").pk,
        "postal_code": "９８０－００２１",
        "address": "仙台市青葉区中央1-2-3",
        "phone": "022-111-2222",
        "website": "https://aoba.example.jp/",
        "features": [Feature.objects.get(slug="wifi").pk, Feature.objects.get(slug="parking").pk],
        "description": "駅から徒歩3分のホテルです。",
        "booking_notes": "電話予約は9時から。",
        "licence_type": "hotel_ryokan",
        "licence_number": "仙台市指令青保第123号",
        "licence_date": "2018-04-01",
        "room_count": "80",
        "capacity": "150",
        "booking_channels": ["direct", "ota"],
    }
    data.update(overrides)
    return data


BANK = {
    "bank_code": "０００１",  # full-width digits are normalised
    "bank_name": "みずほ銀行",
    "branch_code": "123",
    "branch_name": "仙台支店",
    "account_type": "1",
    "account_number": "１２３４５６７",
    "account_holder": "かぶしきがいしゃ あおばほてる",
}
BUSINESS = {
    "name": "株式会社青葉ホテル",
    "representative": "青葉 太郎",
    "representative_title": "代表取締役",
    "postal_code": "980-0811",
    "address": "仙台市青葉区一番町1-2-3",
    "contact_person": "宮城 花子",
    "phone": "022-123-4567",
    "email": "office@aoba.example.jp",
}
PLEDGES = dict.fromkeys(Application.PLEDGE_FIELDS, "on")


def _upload(client, application, kind, name, content):
    return client.post(
        f"/members/applications/{application.pk}/documents/",
        {"kind": kind, f"{kind}-file": SimpleUploadedFile(name, content)},
        follow=True,
    )


def test_full_flow_from_empty_draft_to_submitted(client, member, django_capture_on_commit_callbacks):
    campaign = OpenCampaignFactory(name="仙台市宿泊促進キャンペーン 第9弾")
    page = _page(client.get("/members/"))
    assert "仙台市宿泊促進キャンペーン 第9弾" in page and "申請を始める" in page

    response = client.post(f"/members/campaigns/{campaign.pk}/apply/")
    application = Application.objects.get(business=member.membership.business, campaign=campaign)
    assert response["Location"] == f"/members/applications/{application.pk}/"
    assert application.status == S.DRAFT and application.created_by == member
    base = f"/members/applications/{application.pk}"
    page = _page(client.get(base + "/"))
    assert page.count("未入力あり") == 4  # the business was entered at sign-up: 5 sections, 4 missing
    # Starting twice opens the same draft.
    assert client.post(f"/members/campaigns/{campaign.pk}/apply/")["Location"] == base + "/"

    response = client.post(base + "/business/", BUSINESS, follow=True)
    assert "事業者情報を保存しました。" in _page(response)

    response = client.post(base + "/facilities/add/", _entry_data(), follow=True)
    page = _page(response)
    assert "施設「ホテル青葉」を保存しました。" in page
    entry = ApplicationFacility.objects.get(application=application)
    assert entry.kana == "ホテルアオバ" and entry.postal_code == "980-0021"
    assert entry.booking_channels == ["direct", "ota"]
    assert set(entry.features.values_list("slug", flat=True)) == {"wifi", "parking"}
    assert entry.licence_date == datetime.date(2018, 4, 1) and entry.room_count == 80
    # Editing shows every saved value.
    page = _page(client.get(f"{base}/facilities/{entry.pk}/"))
    assert 'value="ホテルアオバ"' in page and 'value="2018-04-01"' in page and "仙台市指令青保第123号" in page

    response = client.post(base + "/bank/", BANK, follow=True)
    assert "振込先口座を保存しました。" in _page(response)
    application.refresh_from_db()
    assert (application.bank_code, application.account_number) == ("0001", "1234567")
    assert application.account_holder == "ｶﾌﾞｼｷｶﾞｲｼﾔ ｱｵﾊﾞﾎﾃﾙ"
    assert 'value="ｶﾌﾞｼｷｶﾞｲｼﾔ ｱｵﾊﾞﾎﾃﾙ"' in _page(client.get(base + "/bank/"))  # the converted value

    page = _page(_upload(client, application, "licence_copy", "kyoka.pdf", PDF_BYTES))
    assert "「営業許可証の写し」をアップロードしました。" in page
    page = _page(_upload(client, application, "passbook_copy", "tsucho.png", png_bytes()))
    assert "kyoka.pdf" in page and "tsucho.png" in page
    document = ApplicationDocument.objects.get(application=application, kind="licence_copy")
    response = client.get(f"{base}/documents/{document.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF_BYTES

    page = _page(client.get(base + "/submit/"))
    assert "誓約事項のすべてに同意してください。" in page
    client.post(base + "/pledges/", PLEDGES)
    application.refresh_from_db()
    assert application.pledges_given and application.pledged_at is not None

    page = _page(client.get(base + "/"))
    assert "未入力あり" not in page and page.count("入力済み") == 5
    page = _page(client.get(base + "/submit/"))
    assert "すべての項目が入力されています" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "/submit/", follow=True)
    page = _page(response)
    assert f"参加申請を提出しました。受付番号は R{application.campaign_id}-A00001 です。" in page
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.number == 1
    assert mail.outbox[-1].to and "受け付けました" in mail.outbox[-1].subject

    # Read-only now: no edit links, and a POST changes nothing.
    assert "振込先口座を編集する" not in page and "*" * 4 + "567" in page
    response = client.post(base + "/bank/", {**BANK, "bank_code": "9999"}, follow=True)
    assert "「提出済み」のため変更できません" in _page(response)
    application.refresh_from_db()
    assert application.bank_code == "0001"
    client.post(f"{base}/facilities/{entry.pk}/delete/")
    assert ApplicationFacility.objects.filter(pk=entry.pk).exists()
    assert client.post(f"{base}/documents/{document.pk}/delete/").status_code == 302
    assert ApplicationDocument.objects.filter(pk=document.pk).exists()
    page = _page(_upload(client, application, "licence_copy", "late.pdf", PDF_BYTES))
    assert "「提出済み」のため変更できません" in page and application.documents.count() == 2
    # Still downloadable, and the dashboard shows the state and the history.
    assert client.get(f"{base}/documents/{document.pk}/").status_code == 200
    page = _page(client.get("/members/"))
    assert "提出済み" in page and "参加申請を提出しました。" in page
    assert f"/members/campaigns/{campaign.pk}/apply/" not in page


@pytest.fixture
def draft(member):
    """A draft of the member's business with one facility and saved bank data, not yet complete."""
    application = ApplicationFactory(
        business=member.membership.business,
        pledge_no_antisocial=False,
        pledge_no_tax_arrears=False,
        pledge_compliance=False,
        pledge_privacy=False,
    )
    ApplicationFacilityFactory(application=application, name="申請ホテル本館")
    return application


def _saved_data_still_there(client, application):
    page = _page(client.get(f"/members/applications/{application.pk}/"))
    assert "申請ホテル本館" in page and "みずほ銀行" in page and "****567" in page
    application.refresh_from_db()
    assert application.bank_code == "0001" and application.account_holder == "ｶ)ﾃｽﾄｼﾕｸﾊｸ"


def test_bank_code_with_letters(client, draft):
    response = client.post(f"/members/applications/{draft.pk}/bank/", {**BANK, "bank_code": "00A1"})
    page = _page(response)
    assert "金融機関コードは数字4桁で入力してください（英字や記号は使えません）。" in page
    assert 'value="00A1"' in page and 'aria-invalid="true"' in page
    assert (
        'href="#id_bank_code"' in page
        and 'aria-describedby="id_bank_code_helptext id_bank_code_error"' in page
    )
    assert 'value="かぶしきがいしゃ あおばほてる"' in page  # the other fields keep what was typed
    _saved_data_still_there(client, draft)


def test_short_account_number_and_branch_code(client, draft):
    response = client.post(
        f"/members/applications/{draft.pk}/bank/", {**BANK, "account_number": "12345", "branch_code": "1-2"}
    )
    page = _page(response)
    assert "口座番号は数字7桁で入力してください（入力は5桁です）。" in page
    assert "支店コードは数字3桁で入力してください（英字や記号は使えません）。" in page
    _saved_data_still_there(client, draft)


def test_account_holder_in_kanji(client, draft):
    response = client.post(f"/members/applications/{draft.pk}/bank/", {**BANK, "account_holder": "仙台 太郎"})
    page = _page(response)
    assert "口座名義はカタカナ・英大文字・数字で入力してください（使えない文字: 仙、台、太、郎）。" in page
    assert 'value="仙台 太郎"' in page
    _saved_data_still_there(client, draft)


@override_settings(PARTICIPANT_DOCUMENT_MAX_BYTES=1024 * 1024)
def test_oversized_document(client, draft):
    _upload(client, draft, "licence_copy", "kyoka.pdf", PDF_BYTES)
    big = PDF_BYTES + b"0" * (2 * 1024 * 1024)
    page = _page(_upload(client, draft, "passbook_copy", "tsucho.pdf", big))
    assert "ファイルが大きすぎます（2.0MB）。1MB以下にしてください。" in page
    assert 'id="id_passbook_copy-file_error"' in page and 'href="#id_passbook_copy-file"' in page
    assert "kyoka.pdf" in page  # the earlier upload is still listed
    assert list(draft.documents.values_list("kind", flat=True)) == ["licence_copy"]
    _saved_data_still_there(client, draft)


def test_document_whose_content_does_not_match_its_name(client, draft):
    page = _page(_upload(client, draft, "licence_copy", "kyoka.pdf", png_bytes()))
    assert "ファイルの中身が拡張子（.pdf）と一致しません。" in page
    page = _page(_upload(client, draft, "licence_copy", "kyoka.exe", b"MZ\x90\x00"))
    assert "PDF・JPEG・PNGのいずれかのファイルをアップロードしてください。" in page
    page = _page(_upload(client, draft, "licence_copy", "kyoka.png", b"<html>not an image</html>"))
    assert "ファイルの中身が拡張子（.png）と一致しません。" in page
    assert not draft.documents.exists()
    _saved_data_still_there(client, draft)


def test_document_delete_asks_first(client, draft):
    _upload(client, draft, "licence_copy", "kyoka.pdf", PDF_BYTES)
    document = draft.documents.get()
    url = f"/members/applications/{draft.pk}/documents/{document.pk}/delete/"
    page = _page(client.get(url))
    assert "営業許可証の写し: kyoka.pdf" in page and "削除すると元に戻せません" in page
    assert draft.documents.exists()
    client.post(url)
    assert not draft.documents.exists()


def test_missing_pledge(client, draft):
    data = {**PLEDGES}
    del data["pledge_privacy"]
    page = _page(client.post(f"/members/applications/{draft.pk}/pledges/", data))
    assert "参加申請にはこの項目への同意が必要です。" in page
    assert 'href="#id_pledge_privacy"' in page and 'id="id_pledge_privacy_error"' in page
    draft.refresh_from_db()
    assert not draft.pledge_no_antisocial and draft.pledged_at is None
    _saved_data_still_there(client, draft)
    # Submitting names the missing pledges too.
    response = client.post(f"/members/applications/{draft.pk}/submit/")
    assert "誓約事項のすべてに同意してください。" in _page(response)
    draft.refresh_from_db()
    assert draft.status == S.DRAFT


def test_facility_entry_errors_keep_the_input(client, draft):
    data = _entry_data(name="新館", kana="新館", room_count="0", website="not a url", licence_type="")
    page = _page(client.post(f"/members/applications/{draft.pk}/facilities/add/", data))
    assert "施設名カナは全角カタカナで入力してください。" in page
    assert "1以上の数を入力してください。" in page
    assert 'value="新館"' in page and "仙台市指令青保第123号" in page
    assert 'href="#id_licence_type_0"' in page  # a group's error links to its first option
    assert list(draft.facilities.values_list("name", flat=True)) == ["申請ホテル本館"]
    _saved_data_still_there(client, draft)


def test_facility_entry_edit_and_delete(client, draft):
    entry = draft.facilities.get()
    url = f"/members/applications/{draft.pk}/facilities/{entry.pk}/"
    response = client.post(url, _entry_data(name="申請ホテル本館", capacity="200"))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.capacity == 200
    page = _page(client.get(url + "delete/"))
    assert "「申請ホテル本館」を削除します" in page
    client.post(url + "delete/")
    assert not draft.facilities.exists()


def test_resubmission_after_return(client, member, django_capture_on_commit_callbacks):
    reviewer = UserFactory(role="reviewer")
    application = complete_application(business=member.membership.business)
    services.submit(application, member)
    services.start_review(application, reviewer)
    services.return_for_correction(application, reviewer, "通帳の写しが不鮮明です。撮り直してください。")
    base = f"/members/applications/{application.pk}"

    page = _page(client.get(base + "/"))
    assert "修正をお願いします（差戻し）" in page
    assert "通帳の写しが不鮮明です。撮り直してください。" in page
    assert "振込先口座を編集する" in page
    assert "通帳の写しが不鮮明です" in _page(client.get("/members/"))

    old = application.documents.get(kind="passbook_copy")
    client.post(f"{base}/documents/{old.pk}/delete/")
    page = _page(client.post(base + "/submit/"))
    assert "提出書類「通帳の写し」をアップロードしてください。" in page
    application.refresh_from_db()
    assert application.status == S.RETURNED

    _upload(client, application, "passbook_copy", "tsucho2.png", png_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "/submit/", follow=True)
    assert f"受付番号は R{application.campaign_id}-A00001 です" in _page(response)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED and application.number == 1
    page = _page(client.get(base + "/"))
    assert "修正して再提出しました。" in page and "修正をお願いします（差戻し）" not in page
    # The reviewer sees what was corrected after the return; the applicant's history stays short.
    edits = list(application.events.filter(kind="edit").values_list("note", flat=True))
    assert [note[-9:] for note in edits] == ["」を削除しました。", "をアップロードしました。"[-9:]]
    assert all("通帳の写し" in note for note in edits)
    assert not services.applicant_timeline(application).filter(kind="edit").exists()


def test_no_application_after_the_deadline(client, member):
    closed = CampaignFactory(name="仙台市宿泊促進キャンペーン 締切済み")  # stays already running
    page = _page(client.get("/members/"))
    assert "仙台市宿泊促進キャンペーン 締切済み" in page
    assert "で終了しました。キャンペーン開始後は新規の参加申請を受け付けていません。" in page
    assert f"/members/campaigns/{closed.pk}/apply/" not in page
    response = client.post(f"/members/campaigns/{closed.pk}/apply/", follow=True)
    page = _page(response)
    assert "で終了しました。キャンペーン開始後は新規の参加申請を受け付けていません。" in page
    assert not Application.objects.filter(campaign=closed).exists()


def test_a_draft_left_past_the_deadline_cannot_be_submitted(client, member):
    application = complete_application(business=member.membership.business, campaign=CampaignFactory())
    base = f"/members/applications/{application.pk}"
    assert "で終了しました" in _page(client.get(base + "/"))
    page = _page(client.post(base + "/submit/"))
    assert "提出できませんでした" in page and "で終了しました" in page
    application.refresh_from_db()
    assert (
        application.status == S.DRAFT and application.facilities.exists() and application.bank_code == "0001"
    )


def test_business_is_locked_while_another_application_is_reviewed(client, member):
    business = member.membership.business
    first = complete_application(business=business)
    services.submit(first, member)
    second = ApplicationFactory(business=business)
    response = client.get(f"/members/applications/{second.pk}/business/", follow=True)
    assert "ほかの参加申請の審査中は変更できません" in _page(response)


def test_section_pages_in_english(client, draft):
    page = _page(client.get(f"/en/members/applications/{draft.pk}/bank/"))
    assert '<html lang="en">' in page and 'autocomplete="off"' in page
