"""The prize lottery: the canonical list and its hash, duplicates, the commit–reveal draw, verification
from files and from the database, redraws, shipping statuses, the mailing list, who sees names, and
what still works once an entry's personal data is erased."""

from __future__ import annotations

import datetime
import hashlib
import io
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from surveys import lottery
from surveys.models import (
    DrawKind,
    DrawState,
    LotteryDraw,
    LotteryEntry,
    LotteryEvent,
    LotteryWinner,
    ShippingStatus,
)
from surveys.wagtail_hooks import register_surveys_menu

from .factories import SurveyFactory, UserFactory
from .jobhelpers import body, download_via_job

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[1]
SEED = "ab" * 32
S = ShippingStatus


def add_entry(survey, number: int, **values) -> LotteryEntry:
    data = {
        "name": f"仙台 太郎{number}",
        "postal_code": f"980-{number:04d}",
        "address": f"宮城県仙台市青葉区国分町{number}-1",
        "phone": f"022-000-{number:04d}",
        "email": f"entrant{number}@example.jp",
        "created_at": timezone.now() + datetime.timedelta(seconds=number),
    }
    data.update(values)
    data.setdefault("email_key", data["email"].lower())
    return LotteryEntry.objects.create(survey=survey, number=number, **data)


def add_entries(survey, numbers) -> list[LotteryEntry]:
    return [add_entry(survey, n) for n in numbers]


@pytest.fixture
def survey():
    return SurveyFactory()


@pytest.fixture
def runner():
    return UserFactory(role="reviewer")


@pytest.fixture
def run_client(client, runner):
    client.force_login(runner)
    return client


@pytest.fixture
def fixed_seed(monkeypatch):
    monkeypatch.setattr(lottery, "new_seed", lambda: SEED)
    return SEED


def drawn(survey, runner, winners=3, witness="立会人 2025-08-01", count=10):
    add_entries(survey, range(1, count + 1))
    draw = lottery.freeze(survey, runner, winners)
    return lottery.draw(draw, runner, witness)


def ids(draw: LotteryDraw) -> list[str]:
    return [
        lottery.public_id(n) for n in draw.winners.order_by("rank").values_list("entry_number", flat=True)
    ]


# --- the algorithm ----------------------------------------------------------------------------------


def test_the_canonical_list_is_sorted_ids_one_per_line_and_its_hash_is_sha256_of_the_bytes(survey, runner):
    add_entries(survey, [12, 3, 7])
    draw = lottery.freeze(survey, runner, 1)
    assert draw.entry_list == "E000003\nE000007\nE000012\n"
    assert draw.list_count == 3
    assert draw.list_sha256 == hashlib.sha256(b"E000003\nE000007\nE000012\n").hexdigest()
    assert "仙台" not in draw.entry_list and "980" not in draw.entry_list
    assert lottery.canonical_list(["E000010", "E000002", "E000010"]) == "E000002\nE000010\n"


def test_the_same_person_entered_twice_is_kept_once_earliest_first_and_the_event_says_so(survey, runner):
    add_entry(survey, 1, name="青葉 花子", postal_code="9800811", phone="022-111-2222")
    add_entry(survey, 2)
    add_entry(
        survey, 3, name="青葉　花子", postal_code="９８０－０８１１", phone="(022)111-2222", email="b@x.jp"
    )
    draw = lottery.freeze(survey, runner, 1)
    assert draw.entry_list == "E000001\nE000002\n"
    event = LotteryEvent.objects.get(draw=draw, action="freeze")
    assert event.actor == runner
    assert "重複として除外" in event.detail and ": 1件" in event.detail
    assert "E000003（E000001 と同一）" in event.detail
    assert "花子" not in event.detail


def test_the_same_seed_witness_and_list_give_the_same_winners_and_another_witness_others():
    entry_ids = [lottery.public_id(n) for n in range(1, 201)]
    first = lottery.rank_entries(entry_ids, SEED, "W", 10)
    assert first == lottery.rank_entries(list(reversed(entry_ids)), SEED, "W", 10)
    assert first != lottery.rank_entries(entry_ids, SEED, "X", 10)
    expected = sorted(entry_ids, key=lambda i: hashlib.sha256(f"{SEED}\nW\n{i}".encode()).hexdigest())[:10]
    assert [entry_id for entry_id, _score in first] == expected


def test_the_draw_does_not_depend_on_the_order_rows_were_stored_in(runner, fixed_seed):
    one, two = SurveyFactory(), SurveyFactory()
    add_entries(one, range(1, 31))
    add_entries(two, reversed(range(1, 31)))
    draws = [lottery.draw(lottery.freeze(s, runner, 5), runner, "W") for s in (one, two)]
    assert draws[0].list_sha256 == draws[1].list_sha256
    assert ids(draws[0]) == ids(draws[1])


def test_more_winners_than_entries_is_refused_clearly(survey, runner):
    add_entries(survey, range(1, 4))
    with pytest.raises(lottery.LotteryError, match="名簿の件数（3）を超えています"):
        lottery.freeze(survey, runner, 4)
    with pytest.raises(lottery.LotteryError):
        lottery.rank_entries(["E000001"], SEED, "", 2)
    assert not LotteryDraw.objects.filter(survey=survey).exists()


def test_the_commitment_is_recorded_at_freeze_and_the_seed_shown_only_after_the_draw(
    survey, runner, run_client
):
    add_entries(survey, range(1, 6))
    draw = lottery.freeze(survey, runner, 2)
    assert draw.state == DrawState.FROZEN
    assert draw.seed_commitment == hashlib.sha256(draw.seed.encode("ascii")).hexdigest()
    assert len(draw.seed) == 64
    page = run_client.get(reverse("surveys_admin:lottery_draw", args=[draw.pk])).content.decode()
    assert draw.seed_commitment in page and draw.list_sha256 in page
    assert draw.seed not in page
    assert (
        draw.seed
        not in run_client.get(reverse("surveys_admin:lottery_survey", args=[survey.pk])).content.decode()
    )
    lottery.draw(draw, runner, "")
    page = run_client.get(reverse("surveys_admin:lottery_draw", args=[draw.pk])).content.decode()
    assert draw.seed in page
    assert "lottery_verify" in page


def test_a_draw_happens_once(survey, runner, run_client):
    draw = drawn(survey, runner)
    with pytest.raises(lottery.LotteryError):
        lottery.draw(draw, runner, "again")
    response = run_client.post(reverse("surveys_admin:lottery_run", args=[draw.pk]), {"witness": "again"})
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.witness == "立会人 2025-08-01"
    assert draw.winners.count() == 3


def test_a_frozen_draw_can_be_cancelled_and_a_drawn_one_cannot(survey, runner, run_client):
    add_entries(survey, range(1, 6))
    draw = lottery.freeze(survey, runner, 4)
    with pytest.raises(lottery.LotteryError, match="抽選前の確定名簿があります"):
        lottery.freeze(survey, runner, 1)
    url = reverse("surveys_admin:lottery_cancel", args=[draw.pk])
    assert "取り消しますか" in run_client.get(url).content.decode()
    response = run_client.post(url, {"reason": "当選者数の誤り"})
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.state == DrawState.CANCELLED
    event = LotteryEvent.objects.get(draw=draw, action="cancel")
    assert event.actor == runner and "当選者数の誤り" in event.detail and draw.seed in event.detail
    second = lottery.draw(lottery.freeze(survey, runner, 2), runner, "")
    assert second.number == 2
    with pytest.raises(lottery.LotteryError):
        lottery.cancel(second, runner, "後から")
    assert call_command("lottery_verify", survey=survey.slug, draw=1, stdout=io.StringIO()) is None


# --- verification -----------------------------------------------------------------------------------


def _files(tmp_path, draw):
    path = tmp_path / "list.txt"
    path.write_bytes(draw.entry_list.encode())
    return str(path)


def test_verify_from_files_recomputes_the_winners(survey, runner, tmp_path):
    draw = drawn(survey, runner)
    out = io.StringIO()
    call_command(
        "lottery_verify",
        list=_files(tmp_path, draw),
        seed=draw.seed,
        witness=draw.witness,
        winners=3,
        list_sha256=draw.list_sha256,
        commitment=draw.seed_commitment,
        stdout=out,
    )
    text = out.getvalue()
    assert draw.list_sha256 in text and "一致しました" in text
    positions = [text.index(entry_id) for entry_id in ids(draw)]
    assert positions == sorted(positions)


@pytest.mark.parametrize("wrong", ["seed", "list_sha256", "commitment"])
def test_verify_from_files_fails_on_any_mismatch(survey, runner, tmp_path, wrong):
    draw = drawn(survey, runner)
    options = {
        "list": _files(tmp_path, draw),
        "seed": draw.seed,
        "witness": draw.witness,
        "winners": 3,
        "list_sha256": draw.list_sha256,
        "commitment": draw.seed_commitment,
    }
    options[wrong] = {"seed": "cd" * 32, "list_sha256": "0" * 64, "commitment": "f" * 64}[wrong]
    with pytest.raises(CommandError, match="一致しません"):
        call_command("lottery_verify", stdout=io.StringIO(), stderr=io.StringIO(), **options)


def test_verify_from_files_needs_no_database_and_exits_non_zero(survey, runner, tmp_path):
    draw = drawn(survey, runner)
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"}  # nothing listens there
    base = [sys.executable, "manage.py", "lottery_verify", "--list", _files(tmp_path, draw), "--winners", "3"]
    ok = subprocess.run(
        [*base, "--seed", draw.seed, "--witness", draw.witness, "--commitment", draw.seed_commitment],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ids(draw)[0] in ok.stdout
    bad = subprocess.run(
        [*base, "--seed", "cd" * 32, "--witness", draw.witness, "--commitment", draw.seed_commitment],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0


def test_a_list_file_saved_with_windows_line_ends_is_reported(survey, runner, tmp_path):
    draw = drawn(survey, runner)
    path = tmp_path / "crlf.txt"
    path.write_bytes(draw.entry_list.replace("\n", "\r\n").encode())
    with pytest.raises(CommandError):
        call_command("lottery_verify", list=str(path), seed=draw.seed, winners=3, stdout=io.StringIO())


def test_verify_from_the_database_checks_hashes_commitment_and_recorded_winners(survey, runner):
    draw = drawn(survey, runner)
    out = io.StringIO()
    call_command("lottery_verify", survey=survey.slug, draw=draw.number, stdout=out)
    assert "一致しました" in out.getvalue() and draw.seed in out.getvalue()
    winner = draw.winners.get(rank=1)
    LotteryDraw.objects.filter(pk=draw.pk).update(witness="別の入力")
    with pytest.raises(CommandError, match="一致しません"):
        call_command("lottery_verify", survey=survey.slug, draw=draw.number, stdout=io.StringIO())
    LotteryDraw.objects.filter(pk=draw.pk).update(witness=draw.witness)
    LotteryWinner.objects.filter(pk=winner.pk).update(entry_number=999)
    with pytest.raises(CommandError, match="一致しません"):
        call_command("lottery_verify", survey=survey.slug, draw=draw.number, stdout=io.StringIO())


def test_the_list_downloads_as_the_hashed_bytes_for_auditors_and_is_logged(client, survey, runner, tmp_path):
    draw = drawn(survey, runner)
    city = UserFactory(role="city")
    client.force_login(city)
    response = client.get(reverse("surveys_admin:lottery_list", args=[draw.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == draw.list_sha256
    assert LotteryEvent.objects.filter(draw=draw, action="list_download", actor=city).exists()
    out_file = tmp_path / "out.txt"
    call_command(
        "lottery_list", survey=survey.slug, draw=draw.number, out=str(out_file), stdout=io.StringIO()
    )
    assert out_file.read_bytes() == response.content


# --- redraws and shipping ---------------------------------------------------------------------------


def test_a_redraw_leaves_out_every_earlier_winner_and_marks_whom_it_replaces(survey, runner):
    first = drawn(survey, runner, winners=3, count=8)
    declined, undelivered, kept = first.winners.order_by("rank")
    lottery.change_status(survey, [declined.pk], S.DECLINED, runner, "電話で辞退")
    lottery.change_status(survey, [undelivered.pk], S.SHIPPED, runner, shipped_on=datetime.date(2025, 8, 1))
    lottery.change_status(survey, [undelivered.pk], S.UNDELIVERED, runner, "宛先不明")
    with pytest.raises(lottery.LotteryError, match="再抽選の対象にできない"):
        lottery.request_redraw(survey, [kept.pk], runner)
    redraw = lottery.request_redraw(survey, [declined.pk, undelivered.pk], runner, "市と協議済み")
    assert redraw.kind == DrawKind.REDRAW and redraw.winners_wanted == 2 and redraw.list_count == 5
    for winner in (declined, undelivered, kept):
        assert lottery.public_id(winner.entry_number) not in redraw.entry_list
    assert set(LotteryWinner.objects.filter(replaced_by=redraw)) == {declined, undelivered}
    assert LotteryEvent.objects.filter(draw=redraw, action="redraw", actor=runner).exists()
    lottery.draw(redraw, runner, "")
    assert not set(ids(redraw)) & set(ids(first))
    with pytest.raises(lottery.LotteryError):
        lottery.request_redraw(survey, [declined.pk], runner)
    call_command("lottery_verify", survey=survey.slug, draw=redraw.number, stdout=io.StringIO())


def test_status_changes_follow_the_rules_and_are_recorded_with_the_actor(survey, runner):
    draw = drawn(survey, runner)
    one, two, _three = draw.winners.order_by("rank")
    with pytest.raises(lottery.LotteryError, match="発送日"):
        lottery.change_status(survey, [one.pk, two.pk], S.SHIPPED, runner)
    with pytest.raises(lottery.LotteryError, match="「再送」にできない"):
        lottery.change_status(survey, [one.pk], S.RESENT, runner)
    lottery.change_status(
        survey, [one.pk, two.pk], S.SHIPPED, runner, "ゆうパック", datetime.date(2025, 8, 2)
    )
    one.refresh_from_db()
    assert one.status == S.SHIPPED and one.shipped_on == datetime.date(2025, 8, 2)
    event = LotteryEvent.objects.get(winner=one, action="status")
    assert event.actor == runner and "未発送 → 発送済" in event.detail and "ゆうパック" in event.detail
    other = SurveyFactory()
    with pytest.raises(lottery.LotteryError):
        lottery.change_status(other, [one.pk], S.UNDELIVERED, runner)


def test_bulk_status_change_asks_for_confirmation_with_date_and_note(run_client, survey, runner):
    draw = drawn(survey, runner)
    one, two, three = draw.winners.order_by("rank")
    url = reverse("surveys_admin:lottery_status", args=[survey.pk])
    page = run_client.post(url, {"winners": [one.pk, two.pk], "status": S.SHIPPED})
    assert page.status_code == 200
    assert "発送日" in page.content.decode() and one.entry.name in page.content.decode()
    assert LotteryWinner.objects.get(pk=one.pk).status == S.PENDING
    data = {"winners": [one.pk, two.pk], "status": S.SHIPPED, "confirmed": "1", "note": "第1便"}
    assert run_client.post(url, {**data, "shipped_on": ""}).status_code == 200  # the date is required
    response = run_client.post(url, {**data, "shipped_on": "2025-08-03"})
    assert response.status_code == 302
    assert set(LotteryWinner.objects.filter(status=S.SHIPPED).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }
    assert LotteryWinner.objects.get(pk=three.pk).status == S.PENDING
    assert LotteryEvent.objects.filter(action="status", actor=runner).count() == 2


def test_redraw_from_the_winners_table_goes_through_a_confirmation(run_client, survey, runner):
    draw = drawn(survey, runner)
    one = draw.winners.get(rank=1)
    lottery.change_status(survey, [one.pk], S.INELIGIBLE, runner)
    url = reverse("surveys_admin:lottery_redraw", args=[survey.pk])
    assert "再抽選しますか" in run_client.post(url, {"winners": [one.pk]}).content.decode()
    assert not LotteryDraw.objects.filter(kind=DrawKind.REDRAW).exists()
    response = run_client.post(url, {"winners": [one.pk], "confirmed": "1", "note": ""})
    redraw = LotteryDraw.objects.get(kind=DrawKind.REDRAW)
    assert response.url == reverse("surveys_admin:lottery_draw", args=[redraw.pk])
    response = run_client.post(reverse("surveys_admin:lottery_run", args=[redraw.pk]), {"witness": "42"})
    redraw.refresh_from_db()
    assert redraw.state == DrawState.DRAWN and redraw.witness == "42" and redraw.drawn_by == runner


def test_the_mailing_list_has_label_columns_only_prizes_to_send_and_is_logged(run_client, survey, runner):
    draw = drawn(survey, runner, winners=4)
    one, two, three, four = draw.winners.order_by("rank")
    LotteryEntry.objects.filter(pk=one.entry_id).update(postal_code="９８００８１１")
    lottery.change_status(survey, [two.pk], S.SHIPPED, runner, shipped_on=datetime.date(2025, 8, 1))
    lottery.change_status(survey, [three.pk], S.SHIPPED, runner, shipped_on=datetime.date(2025, 8, 1))
    lottery.change_status(survey, [three.pk], S.UNDELIVERED, runner)
    lottery.change_status(survey, [three.pk], S.RESENT, runner)
    lottery.change_status(survey, [four.pk], S.DECLINED, runner)
    response = download_via_job(run_client, reverse("surveys_admin:lottery_mailing", args=[survey.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(body(response))).active
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[0] == ("郵便番号", "住所", "氏名", "電話番号", "応募番号", "景品", "当選回")
    one.refresh_from_db()
    three.refresh_from_db()
    assert [row[4] for row in rows[1:]] == [f"E{one.entry_number:06d}", f"E{three.entry_number:06d}"]
    assert rows[1][0] == "〒980-0811"
    assert rows[1][2] == f"{one.entry.name} 様"
    assert rows[1][5] == survey.prize_description and rows[1][6] == "第1回"
    assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$4:$4"
    assert LotteryEvent.objects.filter(action="mailing_download", actor=runner, detail__contains="2").exists()


# --- screens and who sees what ----------------------------------------------------------------------


def test_the_admin_flow_freeze_then_draw_with_a_witness(run_client, survey, runner):
    add_entries(survey, range(1, 11))
    page = run_client.get(reverse("surveys_admin:lottery_freeze", args=[survey.pk])).content.decode()
    assert "名簿を確定" in page
    response = run_client.post(
        reverse("surveys_admin:lottery_freeze", args=[survey.pk]), {"winners_wanted": "11"}
    )
    assert "超えています" in response.content.decode()
    response = run_client.post(
        reverse("surveys_admin:lottery_freeze", args=[survey.pk]), {"winners_wanted": "3"}
    )
    draw = LotteryDraw.objects.get(survey=survey)
    assert response.url == reverse("surveys_admin:lottery_draw", args=[draw.pk])
    run_url = reverse("surveys_admin:lottery_run", args=[draw.pk])
    confirm = run_client.get(run_url).content.decode()
    assert "立会人の入力" in confirm and draw.seed_commitment in confirm
    run_client.post(run_url, {"witness": "河北新報 一面見出し"})
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN and draw.witness == "河北新報 一面見出し"
    assert ids(draw) == [
        i for i, _s in lottery.rank_entries(lottery.parse_list(draw.entry_list), draw.seed, draw.witness, 3)
    ]
    survey_page = run_client.get(reverse("surveys_admin:lottery_survey", args=[survey.pk])).content.decode()
    assert draw.winners.get(rank=1).entry.name in survey_page


def test_the_entry_list_is_searchable_and_each_look_is_logged(run_client, survey, runner):
    add_entries(survey, range(1, 4))
    add_entry(survey, 77, name="宮城 花子")
    url = reverse("surveys_admin:lottery_entries", args=[survey.pk])
    page = run_client.get(url, {"q": "E000077"}).content.decode()
    assert "宮城 花子" in page and "仙台 太郎1" not in page
    assert "宮城 花子" in run_client.get(url, {"q": "宮城"}).content.decode()
    assert LotteryEvent.objects.filter(action="entries_view", actor=runner).count() == 2
    url = reverse("surveys_admin:lottery_entries_download", args=[survey.pk])
    assert run_client.get(url).status_code == 405  # a download is asked for with POST (a job)
    workbook = load_workbook(io.BytesIO(body(download_via_job(run_client, url))))
    names = [row[1] for row in workbook.active.iter_rows(values_only=True)]
    assert "宮城 花子" in names and "仙台 太郎1" in names
    assert LotteryEvent.objects.filter(action="entries_download", actor=runner).exists()


@pytest.mark.parametrize("role", ["city", "admin"])
def test_auditors_see_draws_by_entry_number_but_never_names(client, survey, runner, role):
    draw = drawn(survey, runner)
    name = draw.winners.get(rank=1).entry.name
    client.force_login(UserFactory(role=role))
    for url in (
        reverse("surveys_admin:lottery_index"),
        reverse("surveys_admin:lottery_survey", args=[survey.pk]),
        reverse("surveys_admin:lottery_draw", args=[draw.pk]),
        reverse("surveys_admin:lottery_events", args=[survey.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert name not in page and "国分町" not in page
    page = client.get(reverse("surveys_admin:lottery_draw", args=[draw.pk])).content.decode()
    assert ids(draw)[0] in page and draw.seed in page and draw.seed_commitment in page
    for name_ in ("lottery_entries", "lottery_mailing", "lottery_freeze"):
        assert client.get(reverse(f"surveys_admin:{name_}", args=[survey.pk])).status_code == 302
    assert client.post(reverse("surveys_admin:lottery_run", args=[draw.pk])).status_code == 302


def test_an_operator_is_denied_and_an_anonymous_visitor_sent_to_log_in(client, survey):
    url = reverse("surveys_admin:lottery_survey", args=[survey.pk])
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    client.force_login(UserFactory(role="operator"))
    response = client.get(url)
    assert response.status_code in (302, 403) and "login" not in response.get("Location", "")
    assert client.get(reverse("surveys_admin:lottery_index")).status_code in (302, 403)


@pytest.mark.parametrize(
    ("role", "shown"), [("reviewer", True), ("city", True), ("admin", True), ("operator", False)]
)
def test_the_menu_shows_the_lottery_to_those_who_run_or_audit_it(role, shown):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(role=role)
    labels = [str(item.label) for item in register_surveys_menu().menu.menu_items_for_request(request)]
    assert ("景品の抽選" in labels) is shown


def test_screens_still_work_after_an_entrys_personal_data_is_erased(run_client, client, survey, runner):
    draw = drawn(survey, runner)
    winner = draw.winners.get(rank=2)
    LotteryEntry.objects.filter(pk=winner.entry_id).delete()
    winner.refresh_from_db()
    assert winner.entry is None
    for url in (
        reverse("surveys_admin:lottery_survey", args=[survey.pk]),
        reverse("surveys_admin:lottery_draw", args=[draw.pk]),
    ):
        page = run_client.get(url).content.decode()
        assert f"E{winner.entry_number:06d}" in page and "削除済み" in page
    sheet = load_workbook(
        io.BytesIO(
            body(download_via_job(run_client, reverse("surveys_admin:lottery_mailing", args=[survey.pk])))
        )
    ).active
    assert f"E{winner.entry_number:06d}" not in [
        row[4] for row in sheet.iter_rows(min_row=5, values_only=True)
    ]
    lottery.change_status(survey, [winner.pk], S.INELIGIBLE, runner, "個人情報削除済み")
    call_command("lottery_verify", survey=survey.slug, draw=draw.number, stdout=io.StringIO())
    redraw = lottery.request_redraw(survey, [winner.pk], runner)
    assert f"E{winner.entry_number:06d}" not in redraw.entry_list


# --- two staff at once ------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_two_staff_drawing_at_once_make_one_draw():
    """Transactional: commits for real, so each thread's own connection sees the rows (see
    test_claims_race for what that costs later tests)."""
    from wagtail.models import Locale

    Locale.objects.get_or_create(language_code="ja")
    survey = SurveyFactory()
    add_entries(survey, range(1, 21))
    frozen = lottery.freeze(survey, None, 3)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(kind: str) -> None:
        try:
            barrier.wait()
            if kind == "draw":
                lottery.draw(LotteryDraw.objects.get(pk=frozen.pk), None, "W")
            else:
                lottery.freeze(survey, None, 2)
            outcomes.append("ok")
        except lottery.LotteryError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=("draw",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert LotteryWinner.objects.filter(draw=frozen).count() == 3

    outcomes.clear()
    threads = [threading.Thread(target=act, args=("freeze",)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert LotteryDraw.objects.filter(survey=survey, state=DrawState.FROZEN).count() == 1


def test_looking_at_and_exporting_entrants_data_is_in_the_audit_trail(client):
    from audit.models import AuditEntry

    survey = SurveyFactory()
    LotteryEntry.objects.create(
        survey=survey,
        number=1,
        name="監査 太郎",
        postal_code="980-0001",
        address="仙台市青葉区",
        phone="09012345678",
        email="audit@example.jp",
        email_key="audit@example.jp",
    )
    reviewer = UserFactory(role="reviewer")
    client.force_login(reviewer)
    client.get(reverse("surveys_admin:lottery_entries", args=[survey.pk]))
    client.post(reverse("surveys_admin:lottery_entries_download", args=[survey.pk]))  # job not fetched
    client.post(reverse("surveys_admin:lottery_mailing", args=[survey.pk]))  # the download job is not fetched
    entries = AuditEntry.objects.filter(object_type="surveys.survey", object_id=str(survey.pk)).order_by(
        "sequence"
    )
    assert [(entry.action, entry.actor_id) for entry in entries] == [
        ("pii_view", reviewer.pk),
        ("pii_export", reviewer.pk),
        ("pii_export", reviewer.pk),
    ]
    assert all("監査" not in entry.summary and "audit@" not in str(entry.detail) for entry in entries)
