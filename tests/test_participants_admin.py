"""Staff side of participant recruitment: the review queue, the review screen and its actions, the
city's escalations, documents, and the notices snippet."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import rich_text

from campaigns.models import Campaign
from facilities.models import Facility, Participation
from participants import services
from participants.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    EventKind,
    ParticipantNotice,
)

from .factories import (
    PDF_BYTES,
    ApplicationFacilityFactory,
    ApplicationFactory,
    OpenCampaignFactory,
    UserFactory,
    attach_documents,
    complete_application,
    make_member,
)

S = ApplicationStatus
pytestmark = pytest.mark.django_db

ALL_CHECKED = {f"checklist-{name}": "on" for name in Application.CHECKLIST_FIELDS}


def detail_url(application):
    return reverse("participants_application", args=[application.pk])


def action_url(application, action):
    return reverse("participants_application_action", args=[application.pk, action])


def submitted(campaign=None, **kwargs):
    application = complete_application(**({"campaign": campaign} if campaign else {}), **kwargs)
    member = make_member(application.business)
    services.submit(application, member, today=application.campaign.application_start)
    application.refresh_from_db()
    return application


def in_review(reviewer, **kwargs):
    application = submitted(**kwargs)
    services.start_review(application, reviewer)
    application.refresh_from_db()
    return application


@pytest.fixture
def reviewer():
    return UserFactory(role="reviewer")


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


def events_of(application):
    return list(ApplicationEvent.objects.filter(application=application).values_list("pk", flat=True))


# --- the whole review, as a reviewer does it ----------------------------------------------------


def test_reviewer_returns_then_approves_and_the_facility_is_in_the_guide(
    client, seeded, reviewer, django_capture_on_commit_callbacks
):
    campaign = Campaign.objects.current()
    application = ApplicationFactory(campaign=campaign, business__name="株式会社杜の宿")
    ApplicationFacilityFactory(application=application, name="杜の宿ホテル本館", kana="モリノヤドホテル")
    attach_documents(application)
    member = make_member(application.business, email="owner@hotel.example.jp")
    services.submit(application, member, today=campaign.application_start)
    application.refresh_from_db()
    client.force_login(reviewer)

    # The queue opens on the current campaign and lists the application among those waiting (the demo
    # round's hundred decided ones come first, oldest submission first).
    queue = client.get(reverse("participants_queue"), {"status": S.SUBMITTED})
    assert queue.status_code == 200
    assert "株式会社杜の宿" in queue.content.decode() and application.reference in queue.content.decode()

    page = client.get(detail_url(application)).content.decode()
    assert "審査を開始する" in page and "杜の宿ホテル本館" in page
    assert "登録決定する" not in page  # not in review yet

    assert client.post(action_url(application, "start_review")).status_code == 302
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and application.reviewer == reviewer

    response = client.post(action_url(application, "checklist"), ALL_CHECKED)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.checklist_complete

    # 差戻し asks for confirmation first; only the confirmed POST changes anything.
    reasons = {"return-reasons": "営業許可証の写しが不鮮明です。"}
    confirm = client.post(action_url(application, "return"), reasons)
    assert confirm.status_code == 200
    assert "営業許可証の写しが不鮮明です。" in confirm.content.decode()
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(application, "return"), {**reasons, "confirmed": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.RETURNED
    returned = application.events.get(to_status=S.RETURNED)
    assert returned.visible_to_applicant and returned.actor == reviewer
    assert "差戻し" in mail.outbox[-1].subject and "owner@hotel.example.jp" in mail.outbox[-1].to

    # The applicant corrects and resubmits; the reviewer starts again and approves.
    services.submit(application, member)
    client.post(action_url(application, "start_review"))
    entry = application.facilities.get(name="杜の宿ホテル本館")
    approve = {
        "approve-approved_on": "2025-05-01",
        "approve-note": "",
        f"approve-allocation_{entry.pk}": "1200000",
    }
    confirm = client.post(action_url(application, "approve"), approve)
    assert confirm.status_code == 200 and "2025年5月1日" in confirm.content.decode()
    assert "1,200,000円" in confirm.content.decode()
    assert not Facility.objects.filter(name="杜の宿ホテル本館").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action_url(application, "approve"), {**approve, "confirmed": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.APPROVED and application.approved_on == datetime.date(2025, 5, 1)
    assert "登録決定" in mail.outbox[-1].subject

    facility = Facility.objects.get(name="杜の宿ホテル本館")
    participation = Participation.objects.get(facility=facility, campaign=campaign)
    assert participation.approved_on == datetime.date(2025, 5, 1)
    assert participation.budget.limit == 1_200_000  # 配分額 set with the approval
    guide = client.get("/facilities/?q=杜の宿ホテル本館")
    assert guide.status_code == 200 and "杜の宿ホテル本館" in guide.content.decode()

    # The timeline shows every move with who did it and whether the applicant sees it.
    page = client.get(detail_url(application)).content.decode()
    assert "営業許可証の写しが不鮮明です。" in page
    assert "事務局内のみ" in page  # the checklist note
    assert "登録決定済み" in page


def test_reject_needs_a_reason_then_a_confirmation(
    reviewer_client, reviewer, django_capture_on_commit_callbacks
):
    application = in_review(reviewer)
    before = events_of(application)
    response = reviewer_client.post(action_url(application, "reject"), {"reject-reason": "  "})
    assert response.status_code == 200
    assert "不承認の理由を入力してください。申請者に表示されます。" in response.content.decode()
    assert events_of(application) == before

    data = {"reject-reason": "市外の施設のため対象外です。"}
    confirm = reviewer_client.post(action_url(application, "reject"), data)
    assert "元に戻せません" in confirm.content.decode()
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(action_url(application, "reject"), {**data, "confirmed": "1"})
    application.refresh_from_db()
    assert application.status == S.REJECTED
    assert application.events.get(to_status=S.REJECTED).note == "市外の施設のため対象外です。"
    assert "審査結果" in mail.outbox[-1].subject
    page = reviewer_client.get(detail_url(application)).content.decode()
    assert "不承認で確定しています。" in page and "不承認にする" not in page


# --- the city: escalated cases ------------------------------------------------------------------


def test_escalation_reaches_the_city_who_decides_and_returns_it(client, reviewer):
    application = in_review(reviewer)
    client.force_login(reviewer)
    response = client.post(
        action_url(application, "escalate"), {"escalate-question": "許可番号の形式が通常と異なります。"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.ESCALATED
    # The reviewer has no city menu.
    assert (
        reverse("participants_escalations") not in client.get(reverse("wagtailadmin_home")).content.decode()
    )

    city = UserFactory(role="city")
    client.force_login(city)
    assert reverse("participants_escalations") in client.get(reverse("wagtailadmin_home")).content.decode()
    listing = client.get(reverse("participants_escalations")).content.decode()
    assert application.reference in listing and "許可番号の形式が通常と異なります。" in listing

    page = client.get(detail_url(application)).content.decode()
    assert "判断を登録する" in page
    assert "登録決定する" not in page and "差戻す" not in page

    missing = client.post(action_url(application, "decide"), {"decide-decision": ""})
    assert "判断の内容を入力してください。" in missing.content.decode()
    application.refresh_from_db()
    assert application.status == S.ESCALATED

    response = client.post(
        action_url(application, "decide"), {"decide-decision": "原本確認のうえ承認して差し支えない。"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW
    decision = application.events.get(kind=EventKind.CITY_DECISION)
    assert decision.actor == city and not decision.visible_to_applicant
    assert application.reference not in client.get(reverse("participants_escalations")).content.decode()

    # Back with the reviewer, who reads the answer above the review actions.
    client.force_login(reviewer)
    page = client.get(detail_url(application)).content.decode()
    assert "原本確認のうえ承認して差し支えない。" in page and "登録決定する" in page


@pytest.mark.parametrize("action", ["approve", "reject", "return", "start_review", "checklist", "escalate"])
def test_city_cannot_do_reviewer_actions(client, reviewer, action):
    # Each request would succeed for a reviewer (see the tests above): only the permission stops it.
    if action == "start_review":
        application = submitted()
    else:
        application = in_review(reviewer)
        services.save_checklist(application, reviewer, dict.fromkeys(Application.CHECKLIST_FIELDS, True))
    status = application.status
    before = events_of(application)
    client.force_login(UserFactory(role="city"))
    data = {
        "approve-approved_on": "2025-05-01",
        "reject-reason": "x",
        "return-reasons": "x",
        "escalate-question": "x",
        "confirmed": "1",
    }  # and an empty checklist, which would untick every item
    response = client.post(action_url(application, action), data)
    assert response.status_code in (302, 403)  # Wagtail turns PermissionDenied into a redirect home
    application.refresh_from_db()
    assert application.status == status and events_of(application) == before
    assert action == "start_review" or application.checklist_complete


def test_escalation_list_is_for_the_city_only(client):
    client.force_login(UserFactory(role="reviewer"))
    assert client.get(reverse("participants_escalations")).status_code == 302


# --- who may open the screens --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("reviewer", True),
        ("accountant", True),
        ("city", True),
        ("admin", True),
        ("operator", False),
        ("editor", False),
    ],
)
def test_queue_permissions(client, role, allowed):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse("participants_queue"))
    assert (response.status_code == 200) is allowed
    if not allowed:
        assert response.status_code in (302, 403)


def test_hotel_users_never_reach_the_staff_screens(client, reviewer):
    application = submitted()
    client.force_login(make_member(application.business))
    for url in (reverse("participants_queue"), detail_url(application)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_account_number_is_masked_unless_the_user_may_see_it(client, reviewer):
    application = submitted(account_number="7654321")
    client.force_login(reviewer)
    page = client.get(detail_url(application)).content.decode()
    assert "****321" in page and "7654321" not in page
    client.force_login(UserFactory(role="accountant"))
    page = client.get(detail_url(application)).content.decode()
    assert "7654321" in page


def test_documents_download_for_staff_with_permission_only(client, reviewer):
    application = submitted()
    document = application.documents.get(kind="licence_copy")
    url = reverse("participants_document", args=[document.pk])
    client.force_login(reviewer)
    assert url in client.get(detail_url(application)).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "no-store" in response["Cache-Control"]

    for user in (UserFactory(role="operator"), UserFactory(role="editor"), make_member(application.business)):
        client.force_login(user)
        refused = client.get(url)
        assert refused.status_code in (302, 403)
        assert not getattr(refused, "streaming", False)
    client.logout()
    assert client.get(url).status_code == 302


# --- bad requests change nothing ----------------------------------------------------------------


def test_return_without_reasons_shows_the_message(reviewer_client, reviewer):
    application = in_review(reviewer)
    before = events_of(application)
    for data in ({"return-reasons": ""}, {"return-reasons": "", "confirmed": "1"}):
        response = reviewer_client.post(action_url(application, "return"), data)
        assert response.status_code == 200
        assert "差戻しの理由を入力してください。申請者に表示されます。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and events_of(application) == before


def test_approve_with_an_incomplete_checklist_is_refused(reviewer_client, reviewer):
    application = in_review(reviewer)
    services.save_checklist(application, reviewer, {"check_licence": True})
    page = reviewer_client.get(detail_url(application)).content.decode()
    assert 'disabled aria-describedby="approve-disabled"' in page
    assert "審査チェックリストのすべての項目を確認して保存すると、登録決定できます。" in page
    before = events_of(application)
    message = "審査チェックリストのすべての項目を確認してから登録決定してください。"
    for extra in ({}, {"confirmed": "1"}):
        response = reviewer_client.post(
            action_url(application, "approve"), {"approve-approved_on": "2025-05-01", **extra}
        )
        assert response.status_code == 200 and message in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.IN_REVIEW and application.approved_on is None
    assert events_of(application) == before
    assert not Facility.objects.filter(business=application.business).exists()


def test_acting_on_a_stale_state_shows_the_message(reviewer_client, reviewer):
    application = in_review(reviewer)
    services.return_for_correction(application, reviewer, "書類の再提出をお願いします。")
    before = events_of(application)
    # A second reviewer's screen still shows 審査中 and sends its forms.
    escalate = reviewer_client.post(action_url(application, "escalate"), {"escalate-question": "確認"})
    reject = reviewer_client.post(
        action_url(application, "reject"), {"reject-reason": "対象外", "confirmed": "1"}
    )
    start = reviewer_client.post(action_url(application, "start_review"))
    for response in (escalate, reject, start):
        assert response.status_code == 200
        assert "この操作は現在の状態（差戻し）ではできません。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == S.RETURNED and events_of(application) == before


def test_unknown_action_is_404_and_get_is_not_allowed(reviewer_client, reviewer):
    application = in_review(reviewer)
    assert reviewer_client.post(action_url(application, "publish")).status_code == 404
    assert reviewer_client.get(action_url(application, "approve")).status_code == 405


def test_internal_comment_stays_with_staff(reviewer_client, reviewer):
    application = in_review(reviewer)
    empty = reviewer_client.post(action_url(application, "comment"), {"comment-note": " "})
    assert "メモを入力してください。" in empty.content.decode()
    reviewer_client.post(action_url(application, "comment"), {"comment-note": "電話で書類の件を確認済み。"})
    note = application.events.get(kind=EventKind.COMMENT, note="電話で書類の件を確認済み。")
    assert note.actor == reviewer and not note.visible_to_applicant
    assert note not in services.applicant_timeline(application)
    assert "電話で書類の件を確認済み。" in reviewer_client.get(detail_url(application)).content.decode()


# --- the queue ------------------------------------------------------------------------------------


def test_queue_filters_search_counts_and_order(reviewer_client):
    campaign = OpenCampaignFactory()
    now = timezone.now()
    first = ApplicationFactory(
        campaign=campaign,
        business__name="青葉旅館",
        status=S.IN_REVIEW,
        number=1,
        submitted_at=now - datetime.timedelta(days=2),
    )
    ApplicationFacilityFactory(application=first)
    second = ApplicationFactory(
        campaign=campaign,
        business__name="泉ホテル",
        status=S.SUBMITTED,
        number=2,
        submitted_at=now - datetime.timedelta(days=3),
    )
    ApplicationFacilityFactory(application=second, ward=_ward("izumi"))
    ApplicationFactory(campaign=campaign, business__name="下書きの宿")  # drafts are not in the queue
    url = reverse("participants_queue")

    page = reviewer_client.get(url, {"campaign": campaign.slug}).content.decode()
    assert "下書きの宿" not in page
    assert page.index("泉ホテル") < page.index("青葉旅館"), "oldest submission first"

    def names(**params):
        response = reviewer_client.get(url, {"campaign": campaign.slug, **params})
        return [a.business.name for a in response.context["page_obj"].object_list]

    assert names(status="in_review") == ["青葉旅館"]
    assert names(ward="izumi") == ["泉ホテル"]
    assert names(q="A00002") == ["泉ホテル"]
    assert names(q="ａ００００１") == ["青葉旅館"]  # full-width typing works
    # The printed 受付番号 carries the round; the number alone (the old short form) still finds it.
    assert names(q=f"R{campaign.pk}-A00002") == ["泉ホテル"]
    assert names(q=f" r{campaign.pk} - a2 ") == ["泉ホテル"]
    assert names(q=f"Ｒ{campaign.pk}－Ａ００００１") == ["青葉旅館"]
    assert names(q=f"R{campaign.pk + 1000}-A00002") == []  # another round's A00002
    assert names(q="泉") == ["泉ホテル"]
    assert names(ward="no-such-ward") == ["泉ホテル", "青葉旅館"]  # a stale bookmark is ignored
    counts = {
        item["value"]: item["count"]
        for item in reviewer_client.get(url, {"campaign": campaign.slug}).context["status_counts"]
    }
    assert counts[S.IN_REVIEW] == 1 and counts[S.SUBMITTED] == 1 and counts[S.APPROVED] == 0

    empty = reviewer_client.get(url, {"campaign": campaign.slug, "q": "該当なし"}).content.decode()
    assert "条件に合う参加申請はありません。" in empty


def _ward(slug):
    from facilities.models import Ward

    return Ward.objects.get(slug=slug)


def test_queue_pages_by_fifty_and_has_an_empty_state(reviewer_client):
    campaign = OpenCampaignFactory()
    url = reverse("participants_queue")
    assert (
        "まだ提出された参加申請がありません"
        in reviewer_client.get(url, {"campaign": campaign.slug}).content.decode()
    )
    now = timezone.now()
    for number in range(1, 52):
        ApplicationFactory(
            campaign=campaign,
            status=S.SUBMITTED,
            number=number,
            submitted_at=now + datetime.timedelta(minutes=number),
        )
    first = reviewer_client.get(url, {"campaign": campaign.slug})
    assert len(first.context["page_obj"].object_list) == 50
    second = reviewer_client.get(url, {"campaign": campaign.slug, "page": 2})
    assert [a.reference for a in second.context["page_obj"].object_list] == [f"R{campaign.pk}-A00051"]


# --- notices for hotel users ---------------------------------------------------------------------


def test_editor_publishes_a_participant_notice(client):
    client.force_login(UserFactory(role="editor"))
    add = reverse("wagtailsnippets_participants_participantnotice:add")
    assert client.get(add).status_code == 200
    response = client.post(
        add,
        {
            "title": "実績報告の締切について",
            "posted_on": "2025-06-01",
            "campaign": "",
            "is_manual": "",
            "body": rich_text("<p>毎月5日までに報告してください。</p>"),
            "action-publish": "publish",
        },
    )
    assert response.status_code == 302
    notice = ParticipantNotice.objects.get(title="実績報告の締切について")
    assert notice.live and notice.latest_revision is not None


def test_operator_cannot_manage_notices(client):
    client.force_login(UserFactory(role="operator"))
    response = client.get(reverse("wagtailsnippets_participants_participantnotice:list"))
    assert response.status_code in (302, 403)
