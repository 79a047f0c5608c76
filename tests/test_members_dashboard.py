"""The members dashboard: applications with their history and the reviewers' messages, approved
facilities, notices (live, for the business's rounds) and the manual, with empty states."""

from __future__ import annotations

import datetime

import pytest

from participants import services
from participants.models import ParticipantNotice

from .factories import (
    BusinessFactory,
    CampaignFactory,
    UserFactory,
    complete_application,
    make_member,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    user = make_member(BusinessFactory(name="株式会社泉ホテル"))
    client.force_login(user)
    return user


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_empty_dashboard(client, member):
    ParticipantNotice.objects.all().delete()
    page = _page(client, "/members/")
    assert "株式会社泉ホテル" in page
    assert "登録決定した施設はまだありません。" in page
    assert "お知らせはありません。" in page
    assert "参加事業者マニュアルは準備中です。" in page
    assert "お知らせはありません。" in _page(client, "/members/notices/")
    assert "参加事業者マニュアルは準備中です。" in _page(client, "/members/manual/")


def test_history_messages_and_approved_facilities(client, member):
    reviewer = UserFactory(role="reviewer")
    application = complete_application(business=member.membership.business)
    services.submit(application, member)
    services.start_review(application, reviewer)
    services.add_comment(application, reviewer, "内部メモ: 許可証の番号を保健所に確認")
    services.save_checklist(application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True))
    services.approve(
        application, reviewer, approved_on=datetime.date(2025, 5, 1), note="ご参加ありがとうございます。"
    )
    page = _page(client, "/members/")
    assert "登録決定" in page and f"R{application.campaign_id}-A00001" in page
    assert "事務局からのメッセージ" in page and "ご参加ありがとうございます。" in page
    assert "参加申請を提出しました。" in page and "審査を開始しました。" in page
    assert "内部メモ" not in page  # staff notes never reach the applicant
    facility = application.facilities.get().facility
    assert f'href="/members/facilities/{facility.pk}/"' in page
    page = _page(client, f"/members/facilities/{facility.pk}/")
    assert facility.name in page and facility.code in page and facility.code.endswith("-A00001-1")
    assert "2025年5月1日" in page and "販売中" in page
    assert "内部メモ" not in _page(client, f"/members/applications/{application.pk}/")


def test_notices_live_for_the_business_rounds_with_pagination(client, member):
    ParticipantNotice.objects.all().delete()
    applied = complete_application(business=member.membership.business).campaign
    other_round = CampaignFactory()
    for number in range(25):
        ParticipantNotice.objects.create(
            title=f"全体のお知らせ{number:02d}",
            body="<p>本文</p>",
            live=True,
            posted_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=number),
        )
    mine = ParticipantNotice.objects.create(
        title="申請した回のお知らせ", body="<p>申請した回の案内です。</p>", campaign=applied, live=True
    )
    ParticipantNotice.objects.create(
        title="別の回のお知らせ", body="<p>別</p>", campaign=other_round, live=True
    )
    draft = ParticipantNotice.objects.create(title="下書きのお知らせ", body="<p>下書き</p>", live=False)
    ParticipantNotice.objects.create(
        title="実績報告の手順", body="<h3>手順</h3><p>毎月10日まで</p>", live=True, is_manual=True
    )

    first = _page(client, "/members/notices/")
    second = _page(client, "/members/notices/?page=2")
    both = first + second
    assert "全体のお知らせ24" in first and "全体のお知らせ00" in second and "2ページ中1ページ目" in first
    assert "申請した回のお知らせ" in both
    assert "別の回のお知らせ" not in both and "下書きのお知らせ" not in both and "実績報告の手順" not in both
    assert "<p>申請した回の案内です。</p>" in _page(client, f"/members/notices/{mine.pk}/")
    assert client.get(f"/members/notices/{draft.pk}/").status_code == 404

    manual = _page(client, "/members/manual/")
    assert "実績報告の手順" in manual and "毎月10日まで" in manual and "全体のお知らせ" not in manual
    assert "参加事業者マニュアルを見る" in _page(client, "/members/")
