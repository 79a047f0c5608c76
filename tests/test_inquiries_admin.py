"""Call center staff screens: the inquiry form, quick tallies with undo, the list with its filters, the
queue, detail and edit, who sees the caller's details, and what an operator may not open."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from inquiries.models import Inquiry, InquiryCategory, InquiryStatus, QuickTally
from inquiries.wagtail_hooks import register_inquiries_menu

from .factories import FacilityFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
STAFF = ["operator", "city", "admin", "reviewer", "accountant", "editor", "moderator"]
READERS = {"operator", "city", "admin"}


@pytest.fixture
def category():
    return InquiryCategory.objects.get(slug="overview")


@pytest.fixture
def operator():
    return UserFactory(role="operator")


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


def make_inquiry(category, **kwargs):
    values = {
        "category": category,
        "question": "割引の上限はいくらですか",
        "received_at": timezone.now(),
        "caller_name": "仙台 花子",
        "caller_phone": "022-123-9876",
    }
    values.update(kwargs)
    return Inquiry.objects.create(**values)


def form_data(category, **overrides):
    data = {
        "received_at": "2025-07-18T10:15",
        "channel": "phone",
        "caller_type": "traveller",
        "category": str(category.pk),
        "facility_text": "",
        "question": "秋保温泉で使える施設はありますか",
        "answer": "施設案内ページをご案内しました。",
        "status": "done",
        "duration_minutes": "6",
        "caller_name": "",
        "caller_phone": "",
    }
    data.update(overrides)
    return data


# --- who may open what ------------------------------------------------------------------------------

SCREENS = {
    "inquiries_list": READERS,
    "inquiries_queue": READERS,
    "inquiries_new": {"operator"},
    "inquiries_reports": READERS,
}


@pytest.mark.parametrize("role", STAFF)
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_each_screen_opens_for_its_roles_only(client, name, role):
    client.force_login(UserFactory(role=role))
    response = client.get(reverse(name))
    if role in SCREENS[name]:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)


@pytest.mark.parametrize(
    "name",
    [
        "claims_list",
        "claims_dashboard",
        "claims_allocations",
        "claims_months",
        "claims_payments",
        "claims_upload",
        "participants_queue",
        "participants_export",
        "participants_escalations",
    ],
)
def test_an_operator_cannot_open_back_office_money_screens(operator_client, name):
    response = operator_client.get(reverse(name))
    assert response.status_code in (302, 403)
    assert response.status_code != 200


@pytest.mark.parametrize(
    ("role", "labels"),
    [
        ("operator", ["応対記録の入力", "応対記録", "折り返し・エスカレーション", "集計報告"]),
        ("city", ["応対記録", "折り返し・エスカレーション", "集計報告"]),
        ("admin", ["応対記録", "折り返し・エスカレーション", "集計報告"]),
        ("reviewer", []),
        ("editor", []),
    ],
)
def test_the_menu_group_shows_what_each_role_may_open(role, labels):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(role=role)
    group = register_inquiries_menu()
    assert [str(item.label) for item in group.menu.menu_items_for_request(request)] == labels
    assert group.is_shown(request) is bool(labels)


def test_city_and_admin_read_but_cannot_write(client, category):
    inquiry = make_inquiry(category)
    for role in ("city", "admin"):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("inquiries_detail", args=[inquiry.pk])).status_code == 200
        assert client.get(reverse("inquiries_edit", args=[inquiry.pk])).status_code in (302, 403)
        response = client.post(reverse("inquiries_new"), form_data(category))
        assert response.status_code in (302, 403)
        assert not Inquiry.objects.filter(question="秋保温泉で使える施設はありますか").exists()


# --- the form ---------------------------------------------------------------------------------------


def test_the_form_defaults_to_now_has_labels_autofocus_and_the_facility_list(operator_client):
    FacilityFactory(code="Z901", name="杜の湯ホテル", is_published=True)
    before = timezone.localtime().replace(second=0, microsecond=0)
    response = operator_client.get(reverse("inquiries_new"))
    form = response.context["form"]
    assert before <= form.initial["received_at"] <= timezone.localtime()
    html = response.content.decode()
    assert "autofocus" in html
    assert 'for="id_question"' in html and 'for="id_caller_phone"' in html
    assert 'list="facility-options"' in html and 'value="Z901 杜の湯ホテル"' in html


def test_saving_an_inquiry_records_the_operator_and_resolves_the_facility_code(
    operator_client, operator, category
):
    facility = FacilityFactory(code="Z902")
    response = operator_client.post(
        reverse("inquiries_new"),
        form_data(
            category,
            facility_text="z902 どこかのホテル",
            caller_name="青葉 一郎",
            caller_phone="090-0000-1111",
        ),
    )
    assert response.status_code == 302 and response["Location"] == reverse("inquiries_new")
    inquiry = Inquiry.objects.get(question="秋保温泉で使える施設はありますか")
    assert inquiry.operator == operator
    assert inquiry.facility == facility
    assert inquiry.received_at == datetime.datetime(2025, 7, 18, 10, 15, tzinfo=TOKYO)
    assert (inquiry.caller_name, inquiry.caller_phone, inquiry.duration_minutes) == (
        "青葉 一郎",
        "090-0000-1111",
        6,
    )


def test_an_unknown_facility_or_missing_question_is_refused_with_the_reason(operator_client, category):
    response = operator_client.post(reverse("inquiries_new"), form_data(category, facility_text="NOPE99"))
    assert response.status_code == 200
    assert "「NOPE99」に当たる施設が見つかりません" in response.content.decode()
    response = operator_client.post(reverse("inquiries_new"), form_data(category, question=""))
    assert response.status_code == 200 and "question" in response.context["form"].errors
    assert not Inquiry.objects.filter(answer="施設案内ページをご案内しました。").exists()


def test_a_retired_category_cannot_be_chosen_for_new_records(operator_client, category):
    category.is_active = False
    category.save()
    response = operator_client.post(reverse("inquiries_new"), form_data(category))
    assert response.status_code == 200 and "category" in response.context["form"].errors


def test_edit_keeps_a_retired_category_and_changes_the_status(operator_client, category):
    inquiry = make_inquiry(category, status=InquiryStatus.CALLBACK)
    category.is_active = False
    category.save()
    response = operator_client.post(
        reverse("inquiries_edit", args=[inquiry.pk]), form_data(category, status="done", question="更新後")
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.question) == ("done", "更新後")


# --- quick tally ----------------------------------------------------------------------------------------


def test_one_post_per_click_counts_one_and_undo_removes_it(operator_client, operator, category):
    url = reverse("inquiries_quick_tally")
    operator_client.post(url, {"cell": f"{category.pk}:business", "channel": "email"})
    operator_client.post(url, {"cell": f"{category.pk}:traveller", "channel": "phone"})
    tallies = QuickTally.objects.filter(operator=operator)
    assert sorted(tallies.values_list("caller_type", "channel")) == [
        ("business", "email"),
        ("traveller", "phone"),
    ]

    page = operator_client.get(reverse("inquiries_new")).content.decode()
    assert "最後の1件を取り消す" in page

    response = operator_client.post(reverse("inquiries_quick_tally_undo"))
    assert response.status_code == 302
    assert list(tallies.values_list("caller_type", flat=True)) == ["business"]


def test_a_bad_click_counts_nothing(operator_client, operator, category):
    url = reverse("inquiries_quick_tally")
    for data in (
        {"cell": f"{category.pk}:alien", "channel": "phone"},
        {"cell": "abc:traveller", "channel": "phone"},
        {"cell": f"{category.pk}:traveller", "channel": "fax"},
        {},
    ):
        operator_client.post(url, data)
    assert not QuickTally.objects.filter(operator=operator).exists()
    assert operator_client.get(url).status_code == 405


def test_city_cannot_count_or_undo(client, operator, category):
    QuickTally.objects.create(operator=operator, category=category, caller_type="traveller")
    before = QuickTally.objects.count()
    client.force_login(UserFactory(role="city"))
    response = client.post(
        reverse("inquiries_quick_tally"), {"cell": f"{category.pk}:traveller", "channel": "phone"}
    )
    assert response.status_code in (302, 403) and response.get("Location") != reverse("inquiries_new")
    client.post(reverse("inquiries_quick_tally_undo"))
    assert QuickTally.objects.count() == before


# --- list, queue, detail ----------------------------------------------------------------------------------


def test_list_search_is_normalised_and_filters_combine(operator_client, category):
    Inquiry.objects.all().delete()  # only this test's records: the demo's call center asks about 秋保 too
    other = InquiryCategory.objects.get(slug="other")
    day = datetime.datetime(2025, 7, 18, 10, 0, tzinfo=TOKYO)
    onsen = make_inquiry(category, question="アキウ温泉の施設を知りたい", received_at=day, channel="email")
    make_inquiry(other, question="あきう温泉への行き方", received_at=day, status="callback")
    make_inquiry(category, question="予算の残りは", received_at=day - datetime.timedelta(days=1))
    url = reverse("inquiries_list")

    found = operator_client.get(url, {"q": "ｱｷｳ"}).context["page_obj"].object_list
    assert len(found) == 2
    found = operator_client.get(url, {"q": "あきう", "category": category.pk}).context["page_obj"].object_list
    assert list(found) == [onsen]
    found = operator_client.get(url, {"date": "2025-07-18", "status": "callback"}).context["page_obj"]
    assert [i.question for i in found] == ["あきう温泉への行き方"]
    found = operator_client.get(url, {"date": "2025-07-18", "channel": "email"}).context["page_obj"]
    assert list(found) == [onsen]
    found = operator_client.get(url, {"date": "2025-07-17"}).context["page_obj"]
    assert [i.question for i in found] == ["予算の残りは"]


def test_callers_phone_is_searchable_only_by_those_who_see_it(client, operator_client, category):
    make_inquiry(category, question="折り返し希望", caller_phone="022-123-9876")
    assert (
        operator_client.get(reverse("inquiries_list"), {"q": "1239876"}).context["page_obj"].paginator.count
        == 1
    )
    reader = UserFactory()
    reader.is_staff = True
    reader.user_permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_inquiry")
    )
    reader.save()
    client.force_login(reader)
    assert client.get(reverse("inquiries_list"), {"q": "1239876"}).context["page_obj"].paginator.count == 0


def test_the_queue_lists_only_callbacks_and_escalations_oldest_first(operator_client, category):
    now = timezone.now()
    make_inquiry(category, question="完了済み", status="done")
    late = make_inquiry(category, question="エスカレ", status="escalated", received_at=now)
    early = make_inquiry(
        category, question="折り返し", status="callback", received_at=now - datetime.timedelta(hours=2)
    )
    page = operator_client.get(reverse("inquiries_queue")).context["page_obj"]
    assert [i.pk for i in page if i.pk in (early.pk, late.pk)] == [early.pk, late.pk]
    assert all(i.status in ("callback", "escalated") for i in page)


@pytest.mark.parametrize("role", sorted(READERS))
def test_caller_details_are_shown_to_call_center_and_supervisors(client, category, role):
    inquiry = make_inquiry(category)
    client.force_login(UserFactory(role=role))
    html = client.get(reverse("inquiries_detail", args=[inquiry.pk])).content.decode()
    assert "仙台 花子" in html and "022-123-9876" in html


def test_caller_details_are_hidden_from_a_reader_without_the_right(client, category):
    inquiry = make_inquiry(category)
    reader = UserFactory()
    reader.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_inquiry"),
        Permission.objects.get(codename="change_inquiry"),
    )
    client.force_login(reader)
    html = client.get(reverse("inquiries_detail", args=[inquiry.pk])).content.decode()
    assert "割引の上限はいくらですか" in html
    assert "仙台 花子" not in html and "022-123-9876" not in html
    edit = client.get(reverse("inquiries_edit", args=[inquiry.pk]))
    assert "caller_name" not in edit.context["form"].fields
    # Saving without the fields keeps what the operator recorded.
    client.post(reverse("inquiries_edit", args=[inquiry.pk]), form_data(category, question="変更"))
    inquiry.refresh_from_db()
    assert (inquiry.question, inquiry.caller_name) == ("変更", "仙台 花子")
