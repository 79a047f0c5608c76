"""Each DOMAIN.md role holds exactly what it needs; editors submit, moderators approve (公開前の確認)."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Page, Workflow

from accounts.roles import LEGACY_GROUPS, STAFF_ROLES, WORKFLOW_NAME
from cms.models import SiteAlertSettings, StandardPage

from .factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_group_exists_and_wagtail_sample_groups_are_gone():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(STAFF_ROLES) <= names
    assert not names & set(LEGACY_GROUPS)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_every_staff_role_can_sign_in_to_the_admin(client, role):
    user = UserFactory(role=role)
    assert user.has_perm("wagtailadmin.access_admin")
    client.force_login(user)
    assert client.get("/admin/").status_code == 200


def test_a_user_without_a_role_cannot_use_the_admin(client):
    client.force_login(UserFactory())
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.fixture
def about_page(seeded):
    return StandardPage.objects.get(slug="about", locale__language_code="ja")


@pytest.mark.parametrize(
    ("role", "can_edit", "can_publish"),
    [
        ("editor", True, False),
        ("moderator", True, True),
        ("reviewer", False, False),
        ("accountant", False, False),
        ("operator", False, False),
        ("city", False, False),
        ("admin", False, False),
    ],
)
def test_page_permissions_per_role(about_page, role, can_edit, can_publish):
    perms = about_page.permissions_for_user(UserFactory(role=role))
    assert perms.can_edit() is can_edit
    assert perms.can_publish() is can_publish


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_page_permissions_cover_the_english_site_too(seeded, role):
    english = StandardPage.objects.get(slug="about", locale__language_code="en")
    assert english.permissions_for_user(UserFactory(role=role)).can_edit()


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("editor", True), ("moderator", True), ("admin", False), ("reviewer", False), ("operator", False)],
)
def test_who_may_switch_the_site_alert(client, role, allowed):
    client.force_login(UserFactory(role=role))
    url = reverse("wagtailsettings:edit", args=["cms", "sitealertsettings", SiteAlertSettings.load().pk])
    response = client.get(url)
    assert response.status_code == (200 if allowed else 302)
    if allowed:
        response = client.post(
            url, {"enabled": "on", "level": "warning", "message": "予算の上限に近づいています"}
        )
        assert response.status_code == 302
        assert SiteAlertSettings.load().enabled


def test_editor_edit_goes_live_only_after_moderator_approval(about_page):
    editor = UserFactory(role="editor")
    moderator = UserFactory(role="moderator")
    workflow = about_page.get_workflow()
    assert workflow is not None and workflow.name == WORKFLOW_NAME

    about_page.title = "キャンペーン概要（改訂）"
    revision = about_page.save_revision(user=editor)
    workflow.start(about_page, editor)
    about_page.refresh_from_db()
    live = Page.objects.get(pk=about_page.pk)
    assert live.title == "キャンペーン概要", "submitting does not publish"

    task_state = about_page.current_workflow_task_state
    task = task_state.task.specific
    assert task.get_actions(about_page, editor) == [], "an editor cannot approve"
    assert [name for name, *_ in task.get_actions(about_page, moderator)][:1] == ["reject"] or "approve" in [
        name for name, *_ in task.get_actions(about_page, moderator)
    ]

    task.on_action(task_state, moderator, "approve")
    live = Page.objects.get(pk=about_page.pk)
    assert live.title == "キャンペーン概要（改訂）"
    assert live.live_revision_id == revision.pk


def test_only_one_active_workflow_on_the_whole_tree():
    assert list(Workflow.objects.filter(active=True).values_list("name", flat=True)) == [WORKFLOW_NAME]


def test_site_alert_cannot_be_switched_on_without_a_message(db):
    from django.core.exceptions import ValidationError

    alert = SiteAlertSettings(enabled=True, message="  ")
    with pytest.raises(ValidationError) as excinfo:
        alert.clean()
    assert "message" in excinfo.value.message_dict
