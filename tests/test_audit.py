"""The audit log (issue 8): appends chained by SHA-256, refused UPDATE/DELETE, `audit_verify` finding
altered, deleted and reordered entries, sign-in and role-change receivers, the 監査ログ screen and its
Excel export, and appends from several threads keeping one chain."""

from __future__ import annotations

import io
import threading

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from audit.log import AuditContextMiddleware, client_ip, record
from audit.models import GENESIS_HASH, AuditAction, AuditEntry
from audit.wagtail_hooks import register_audit_menu

from .factories import UserFactory
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db
POSTGRES = pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
PASSWORD = "correct-horse-battery"


def newest(action: str | None = None, **filters) -> AuditEntry:
    entries = AuditEntry.objects.filter(**filters)
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-sequence").first()


def verify(*anchors: str) -> str:
    out = io.StringIO()
    call_command("audit_verify", *[f"--anchor={a}" for a in anchors], stdout=out)
    return out.getvalue()


def tamper(sql: str, params: list) -> None:
    """What someone with database access would do: switch the trigger off for this (rolled-back) test."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")


def three_entries() -> list[AuditEntry]:
    return [
        record(
            AuditAction.PII_VIEW,
            object_type="participants.application",
            object_id=n,
            summary="口座情報を表示",
        )
        for n in (1, 2, 3)
    ]


# --- the chain -------------------------------------------------------------------------------------------


def test_entries_link_to_the_previous_one_and_survive_the_database_round_trip():
    user = UserFactory(role="accountant")
    request = RequestFactory().get("/", REMOTE_ADDR="2001:DB8:0:0::1")
    request.user = user
    first = record(
        AuditAction.PII_VIEW,
        request=request,
        obj=user,
        summary="口座情報を表示",
        detail={"fields": ["account_number"], "count": 1},
    )
    second = record(AuditAction.ERASURE, summary="データを消去")

    assert second.sequence == first.sequence + 1 and second.prev_hash == first.hash
    assert (first.actor_id, first.actor_label, first.ip) == (user.pk, user.username, "2001:db8::1")
    assert (first.object_type, first.object_id) == ("auth.user", str(user.pk))
    assert second.actor_id is None and second.ip is None
    for entry in (first, second):
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert stored.compute_hash() == stored.hash == entry.hash  # inet, jsonb, timestamptz round trip
    assert AuditEntry.objects.filter(sequence=1).values_list("prev_hash", flat=True).get() == GENESIS_HASH


def test_summary_is_stored_in_japanese_and_floats_are_refused():
    from django.utils.translation import gettext_lazy

    with translation.override("en"):
        entry = record(AuditAction.LOGOUT, summary=gettext_lazy("ログアウトしました"))
    assert entry.summary == "ログアウトしました"
    with pytest.raises(TypeError):
        record(AuditAction.ERASURE, detail={"ratio": 0.5})


def test_verify_says_ok_on_an_intact_chain():
    three_entries()
    out = verify()
    last = newest()
    assert "OK" in out and f"{last.sequence}:{last.hash}" in out
    assert f"記録 {AuditEntry.objects.count()}件" in out


@POSTGRES
def test_verify_finds_an_altered_summary():
    _, middle, _ = three_entries()
    tamper("UPDATE audit_auditentry SET summary = %s WHERE id = %s", ["閲覧なし", middle.pk])
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert excinfo.value.returncode == 1
    assert f"連番 {middle.sequence}: 内容がハッシュと一致しません" in str(excinfo.value)


@POSTGRES
def test_verify_finds_a_deleted_middle_entry():
    _, middle, last = three_entries()
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [middle.pk])
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"連番 {middle.sequence} から {last.sequence} の前までの記録がありません" in str(excinfo.value)


@POSTGRES
def test_verify_finds_an_entry_rewritten_with_a_fresh_hash():
    """Whoever knows the algorithm can recompute the altered entry's hash; the next entry still points at
    the old one."""
    _, middle, last = three_entries()
    middle.summary = "閲覧なし"
    tamper(
        "UPDATE audit_auditentry SET summary = %s, hash = %s WHERE id = %s",
        [middle.summary, middle.compute_hash(), middle.pk],
    )
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"連番 {last.sequence}: 直前の記録とのつながり" in str(excinfo.value)


@POSTGRES
def test_verify_finds_reordered_entries():
    first, middle, _ = three_entries()
    for pk, sequence in ((first.pk, 10**12), (middle.pk, first.sequence), (first.pk, middle.sequence)):
        tamper("UPDATE audit_auditentry SET sequence = %s WHERE id = %s", [sequence, pk])
    with pytest.raises(CommandError) as excinfo:
        verify()
    assert f"連番 {first.sequence}:" in str(excinfo.value)


@POSTGRES
def test_an_anchor_catches_the_newest_entries_removed():
    *_, last = three_entries()
    anchor = f"{last.sequence}:{last.hash}"
    assert "OK" in verify(anchor)
    tamper("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    assert "OK" in verify()  # the chain alone cannot see a cut tail…
    with pytest.raises(CommandError) as excinfo:
        verify(anchor)  # …the anchor kept outside the system does
    assert f"控えの連番 {last.sequence} の記録がありません" in str(excinfo.value)
    with pytest.raises(CommandError):
        verify("12:abc")


@POSTGRES
def test_the_trigger_refuses_update_and_delete():
    entry = record(AuditAction.ERASURE, summary="データを消去")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).summary == "データを消去"


def test_deleting_a_user_keeps_their_entries():
    user = UserFactory()
    entry = record(AuditAction.PII_EXPORT, actor=user, summary="参加事業者データを出力")
    user.delete()
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.actor_id, stored.actor_label) == (entry.actor_id, entry.actor_label)
    assert "OK" in verify()


# --- client address ----------------------------------------------------------------------------------------


def test_client_ip_trusts_only_the_configured_proxy_header(settings):
    factory = RequestFactory()
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.9")
    settings.RATELIMIT_IP_META_KEY = None
    assert client_ip(spoofed) == "10.0.0.5"
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    chained = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert client_ip(chained) == "198.51.100.7"  # the address the proxy appended, not the client's claim
    assert client_ip(factory.get("/", REMOTE_ADDR="10.0.0.5")) == "10.0.0.5"
    assert client_ip(factory.get("/", REMOTE_ADDR="not-an-ip")) is None


# --- sign-in -----------------------------------------------------------------------------------------------


def test_login_failure_and_logout_are_recorded_with_the_address(client):
    user = UserFactory(role="editor")
    login_url = reverse("wagtailadmin_login")

    client.post(login_url, {"username": user.username, "password": "wrong"}, REMOTE_ADDR="198.51.100.20")
    failed = newest(AuditAction.LOGIN_FAILED)
    assert (failed.actor_id, failed.actor_label, failed.ip) == (None, user.username, "198.51.100.20")
    assert "wrong" not in str(failed.detail) and "wrong" not in failed.summary

    client.post(login_url, {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.21")
    login = newest(AuditAction.LOGIN)
    assert (login.actor_id, login.ip, login.object_id) == (user.pk, "198.51.100.21", str(user.pk))

    client.post(reverse("wagtailadmin_logout"), REMOTE_ADDR="198.51.100.22")
    logout = newest(AuditAction.LOGOUT)
    assert (logout.actor_id, logout.ip) == (user.pk, "198.51.100.22")
    assert "OK" in verify()


# --- roles and permissions ---------------------------------------------------------------------------------


def test_group_membership_changes_are_recorded_from_both_sides():
    user = UserFactory()
    city, editor = Group.objects.get(name="city"), Group.objects.get(name="editor")

    user.groups.add(city, editor)
    added = newest(AuditAction.ROLE_CHANGE, object_type="auth.user", object_id=str(user.pk))
    assert added.detail == {"added": ["city", "editor"]} and added.summary == "ロールを付与しました"

    editor.user_set.remove(user)
    assert newest(AuditAction.ROLE_CHANGE).detail == {"removed": ["editor"]}

    user.groups.clear()
    assert newest(AuditAction.ROLE_CHANGE).detail == {"removed": ["city"]}

    before = AuditEntry.objects.count()
    user.groups.clear()  # nothing to remove, nothing to record
    assert AuditEntry.objects.count() == before


def test_permission_changes_of_groups_and_users_are_recorded():
    group = Group.objects.get(name="operator")
    permission = Permission.objects.get(content_type__app_label="audit", codename="view_auditentry")

    group.permissions.add(permission)
    entry = newest(AuditAction.PERMISSION_CHANGE)
    assert (entry.object_type, entry.object_id) == ("auth.group", str(group.pk))
    assert entry.detail == {"group": "operator", "added": ["audit.view_auditentry"]}

    permission.group_set.remove(group)
    assert newest(AuditAction.PERMISSION_CHANGE).detail == {
        "group": "operator",
        "removed": ["audit.view_auditentry"],
    }

    user = UserFactory()
    user.user_permissions.add(permission)
    entry = newest(AuditAction.PERMISSION_CHANGE)
    assert (entry.object_id, entry.detail) == (str(user.pk), {"added": ["audit.view_auditentry"]})


def test_superuser_and_staff_flags_are_recorded_and_last_login_costs_nothing():
    user = UserFactory()
    user.is_superuser = True
    user.save()
    entry = newest(AuditAction.ROLE_CHANGE, object_id=str(user.pk))
    assert entry.detail == {"is_superuser": {"from": False, "to": True}, "created": False}

    before = AuditEntry.objects.count()
    user.first_name = "変更"
    user.save()
    user.save(update_fields=["last_login"])
    assert AuditEntry.objects.count() == before


def test_the_middleware_tells_model_signals_who_acted_and_from_where():
    admin = UserFactory(role="admin")
    target = UserFactory()
    request = RequestFactory().post("/admin/users/", REMOTE_ADDR="192.0.2.44")
    request.user = admin

    def view(request):
        target.groups.add(Group.objects.get(name="reviewer"))
        return HttpResponse("ok")

    AuditContextMiddleware(view)(request)
    entry = newest(AuditAction.ROLE_CHANGE, object_id=str(target.pk))
    assert (entry.actor_id, entry.actor_label, entry.ip) == (admin.pk, admin.username, "192.0.2.44")

    target.groups.clear()  # outside a request: no actor
    assert newest(AuditAction.ROLE_CHANGE, object_id=str(target.pk)).actor_id is None


# --- the 監査ログ screen ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "city"])
def test_admin_and_city_browse_filter_and_export(client, role):
    reader = UserFactory(role=role)
    client.force_login(reader)
    record(AuditAction.LOGIN_FAILED, actor_label='=HYPERLINK("http://x")', summary="ログインに失敗しました")
    view = record(
        AuditAction.PII_VIEW, object_type="participants.application", object_id="77", summary="口座情報を表示"
    )

    page = client.get(reverse("audit_list"))
    assert page.status_code == 200
    assert page.context["page_obj"][0].sequence == view.sequence  # newest first

    filtered = client.get(reverse("audit_list"), {"action": "pii_view", "object_id": "77"})
    assert [e.pk for e in filtered.context["page_obj"]] == [view.pk]
    assert "口座情報を表示" in filtered.content.decode()

    before = newest().sequence
    response = download_via_job(client, reverse("audit_export") + "?action=login_failed&actor=hyperlink")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(body(response))).active
    assert sheet["A4"].value == "連番"
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0] is not None]
    assert len(rows) == 1 and rows[0][0] == before - 1 and rows[0][2] == "ログイン失敗"
    assert sheet["D5"].data_type == "s" and sheet["D5"].value.startswith("=")  # text, never a formula
    assert rows[0][11] == AuditEntry.objects.get(sequence=rows[0][0]).hash

    export = newest(AuditAction.AUDIT_EXPORT)
    assert export.sequence == before + 1 and export.actor_id == reader.pk
    assert export.detail["rows"] == 1 and export.detail["filters"] == {
        "action": "login_failed",
        "actor": "hyperlink",
    }


def test_the_list_pages_by_fifty(client):
    client.force_login(UserFactory(role="city"))
    for n in range(51):
        record(AuditAction.ERASURE, object_type="test.thing", object_id=n, summary="データを消去")
    page = client.get(reverse("audit_list"), {"object_type": "test.thing"}).context["page_obj"]
    assert page.paginator.count == 51 and len(page.object_list) == 50


@pytest.mark.parametrize("role", ["operator", "reviewer", "accountant", "editor"])
def test_other_roles_are_denied(client, role):
    client.force_login(UserFactory(role=role))
    before = AuditEntry.objects.count()
    for name in ("audit_list", "audit_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    assert not AuditEntry.objects.filter(action=AuditAction.AUDIT_EXPORT, sequence__gt=before).exists()


def test_anonymous_is_sent_to_the_login(client):
    response = client.get(reverse("audit_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_login"))


def test_menu_item_and_roles():
    request = RequestFactory().get("/admin/")
    item = register_audit_menu()
    for role in ("admin", "city"):
        request.user = UserFactory(role=role)
        assert item.is_shown(request) and request.user.has_perm("audit.view_auditentry")
    for role in ("operator", "reviewer", "accountant", "editor", "moderator"):
        request.user = UserFactory(role=role)
        assert not item.is_shown(request)


# --- concurrency -------------------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the advisory lock is PostgreSQL's")
def test_appends_from_several_threads_keep_one_chain():
    """Each thread has its own connection and commits, as several app servers would; without the advisory
    lock two of them read the same newest entry and the unique sequence makes one fail.

    Not a transactional test on purpose: those flush every table afterwards (the migrations' roles and
    taxonomy too), which later transactional tests of other apps rely on. The threads' committed
    entries stay in the test database; they are valid links of the chain. The test's own connection
    writes nothing before the threads finish, or its uncommitted entry would block theirs.
    """
    threads, per_thread = 6, 15
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    start = AuditEntry.objects.count()

    def work(n: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with transaction.atomic():  # inside a caller's transaction, as views will call it
                    record(AuditAction.PII_VIEW, object_type="test.thread", object_id=f"{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors
    assert AuditEntry.objects.count() == start + threads * per_thread
    assert "OK" in verify()
