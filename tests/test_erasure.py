"""Erasing a campaign's personal data (`erase_personal_data`) and the データ消去報告書.

One ended round with every kind of personal data (bank accounts, documents, hotel users, claim files,
payments and their Zengin file, lottery entries, callers), a business shared with a running round, and
the running round itself: the erasure takes exactly the ended round's data, keeps every figure, and
reports it.
"""

from __future__ import annotations

import datetime
import io
import re
import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.files.storage import storages
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from audit.models import AuditEntry
from claims import budget, payments, services
from claims.claim_file import COLUMNS
from claims.models import Claim, ClaimStatus, LedgerEntry, Payment, PaymentBatch, TransferSettings
from core.formatting import format_wareki
from inquiries.business_days import add_business_days
from inquiries.models import Inquiry, InquiryCategory
from members import claim_uploads
from participants import services as application_services
from participants.models import Application, ApplicationDocument, ApplicationEvent, Business
from privacy import erasure, report
from privacy.management.commands import erase_personal_data
from privacy.models import ErasureRun
from surveys.models import LotteryEntry, Response
from surveys.results import survey_results
from surveys.versions import current_version

from .factories import (
    ApplicationFacilityFactory,
    ApplicationFactory,
    BusinessFactory,
    CampaignFactory,
    SurveyFactory,
    UserFactory,
    attach_documents,
    make_member,
)

pytestmark = pytest.mark.django_db
D = datetime.date
PASSWORD = "correct-horse-battery"


def _entry(survey, number: int, name: str) -> LotteryEntry:
    email = f"entrant{number}-{survey.pk}@example.jp"
    return LotteryEntry.objects.create(
        survey=survey,
        number=number,
        name=name,
        postal_code="980-0811",
        address="仙台市青葉区一番町1-1",
        phone="090-1111-2222",
        email=email,
        email_key=email,
    )


def _survey_with_answers(campaign):
    survey = SurveyFactory(campaign=campaign)
    version = current_version(survey)
    rating = next(q for q in version.schema["questions"] if q["type"] == "rating")
    for value in (5, 4, 4):
        Response.objects.create(survey=survey, version=version, answers={rating["key"]: value})
    return survey


def _figures(survey) -> tuple:
    results = survey_results(survey)
    return results.total, [
        (q.key, q.answered, [(o.key, o.count) for o in q.options]) for q in results.questions
    ]


def _transfer_settings() -> None:
    settings = TransferSettings.load()
    settings.remitter_code = "1234567890"
    settings.remitter_name = "ｾﾝﾀﾞｲｼ"
    settings.bank_code, settings.bank_name = "0001", "ミズホ"
    settings.branch_code, settings.branch_name = "100", "センダイ"
    settings.account_type, settings.account_number = "1", "7654321"
    settings.save()


@pytest.fixture
def rounds(tmp_path, settings):
    """An ended round full of personal data, a running round, and a business taking part in both."""
    settings.VAR_DIR = tmp_path / "var"
    ended = CampaignFactory(
        slug="erase-2024",
        stay_start=D(2024, 6, 1),
        stay_end=D(2024, 7, 31),
        application_start=D(2024, 4, 1),
        application_end=D(2024, 5, 20),
    )
    running = CampaignFactory(slug="running-now")
    reviewer = UserFactory(role="reviewer")
    accountant = UserFactory(role="accountant")

    # A business only in the ended round: approved, two claims paid through a batch.
    application = ApplicationFactory(campaign=ended)
    ApplicationFacilityFactory(application=application)
    attach_documents(application)
    application_services.submit(application, None, today=D(2024, 4, 10))
    application_services.start_review(application, reviewer)
    application_services.save_checklist(
        application, reviewer, dict.fromkeys(application.CHECKLIST_FIELDS, True)
    )
    application_services.approve(application, reviewer, approved_on=D(2024, 5, 1))
    owner = make_member(application.business, email="owner@hotel.example.jp", password=PASSWORD)
    participation = application.facilities.get().facility.participations.get(campaign=ended)
    budget.set_allocation(participation, 50_000)
    claims = []
    for index, month in enumerate((D(2024, 6, 1), D(2024, 7, 1))):
        data = (",".join(COLUMNS) + f"\r\nR-{index},2024-05-10,{month},2,2,40000,8000,,\r\n").encode()
        outcome = services.upload(participation, month, data, "stays.csv", owner, claim_date=D(2024, 8, 5))
        claim_uploads.keep(outcome.claim, data, "stays.csv", D(2024, 8, 5))
        claims.append(services.approve(services.submit(outcome.claim, owner), accountant))
    _transfer_settings()
    batch = payments.create_batch(ended, timezone.localdate(), accountant)
    payments.confirm_batch(batch, accountant)

    # A business in both rounds: its contacts and users stay while the running round needs them.
    shared = BusinessFactory(contact_person="共有 担当")
    ApplicationFactory(campaign=ended, business=shared)
    ApplicationFactory(campaign=running, business=shared)
    shared_user = make_member(shared, email="shared@hotel.example.jp", password=PASSWORD)

    # The running round's own business, documents and user.
    running_application = ApplicationFactory(campaign=running)
    attach_documents(running_application)
    running_user = make_member(running_application.business, email="running@hotel.example.jp")

    ended_survey = _survey_with_answers(ended)
    running_survey = _survey_with_answers(running)
    for number in (1, 2, 3):
        _entry(ended_survey, number, f"応募 太郎{number}")
    _entry(running_survey, 1, "実施中 花子")

    category = InquiryCategory.objects.first()
    ended_inquiry = Inquiry.objects.create(
        received_at=timezone.make_aware(datetime.datetime(2024, 6, 10, 10, 0)),
        category=category,
        question="割引の対象を知りたい",
        caller_name="問合 一郎",
        caller_phone="090-3333-4444",
    )
    running_inquiry = Inquiry.objects.create(
        category=category, question="予約方法", caller_name="問合 二郎", caller_phone="090-5555-6666"
    )
    staff = UserFactory(role="admin")  # an admin role user (group), not is_staff
    return {
        "ended": ended,
        "running": running,
        "application": application,
        "owner": owner,
        "claims": claims,
        "batch": batch,
        "shared": shared,
        "shared_user": shared_user,
        "running_application": running_application,
        "running_user": running_user,
        "ended_survey": ended_survey,
        "running_survey": running_survey,
        "ended_inquiry": ended_inquiry,
        "running_inquiry": running_inquiry,
        "staff": staff,
    }


def _private_files() -> set[str]:
    """Every file in private storage (the folder is shared by the whole test run)."""
    root = Path(storages["private"].location)
    return (
        {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}
        if root.exists()
        else set()
    )


def _snapshot(r) -> dict:
    ended = r["ended"]
    return {
        "ledger": list(LedgerEntry.objects.filter(campaign=ended).values_list("pk", "kind", "amount")),
        "balances": budget.ledger_balances(ended)[0],
        "account": budget.campaign_account(ended).paid,
        "claims": list(
            Claim.objects.filter(participation__campaign=ended).values_list("pk", "status", "approved_amount")
        ),
        "payments": sorted(Payment.objects.filter(batch__campaign=ended).values_list("amount", flat=True)),
        "batch": PaymentBatch.objects.filter(pk=r["batch"].pk).values_list("total", "count").get(),
        "survey": _figures(r["ended_survey"]),
        "inquiries_by_category": list(
            Inquiry.objects.values("category_id")
            .order_by("category_id")
            .values_list("category_id", flat=True)
        ),
    }


def _run(*args: str, out: io.StringIO | None = None) -> str:
    """The command's output so far; pass `out` to read what the after-commit step prints later."""
    out = out or io.StringIO()
    call_command("erase_personal_data", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_dry_run_counts_everything_and_changes_nothing(rounds):
    r = rounds
    files_before = _private_files()
    before = _snapshot(r)
    output = _run("--campaign", "erase-2024", "--dry-run")
    assert "振込先口座（参加申請）: 2 件" in output  # the approved and the shared business's draft
    assert "提出書類（営業許可証・通帳の写し）: 2 件、ファイル 2 件" in output
    assert "実績報告の提出ファイル: 0 件、ファイル 2 件" in output
    assert "抽選応募者の氏名・住所・電話番号・メールアドレス: 3 件" in output
    assert "参加事業者の利用者アカウント: 1 件" in output and "（1 件は残します）" in output
    assert "ドライランのため、何も変更していません。" in output
    assert _snapshot(r) == before and _private_files() == files_before
    application = Application.objects.get(pk=r["application"].pk)
    assert application.account_number == "1234567"
    assert LotteryEntry.objects.filter(survey=r["ended_survey"]).count() == 3
    assert get_user_model().objects.get(pk=r["owner"].pk).is_active
    assert not ErasureRun.objects.exists()
    assert not AuditEntry.objects.filter(action="erasure").exists()


def test_erasure_takes_that_campaigns_personal_data_and_keeps_the_figures(
    rounds, django_capture_on_commit_callbacks
):
    r = rounds
    ended = r["ended"]
    document_files = set(
        ApplicationDocument.objects.filter(application=r["application"]).values_list("file", flat=True)
    )
    running_files = set(
        ApplicationDocument.objects.filter(application=r["running_application"]).values_list(
            "file", flat=True
        )
    )
    folders = tuple(f"claim-uploads/{claim.pk}/" for claim in r["claims"])
    upload_files = {name for name in _private_files() if name.startswith(folders)}
    assert len(document_files) == 2 and len(upload_files) == 2 and document_files <= _private_files()
    before = _snapshot(r)
    audit_before = AuditEntry.objects.count()

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", r["staff"].username, out=out)
    output = out.getvalue()

    # Bank accounts: blank on the round's applications, in its payments and its Zengin file.
    for application in Application.objects.filter(campaign=ended):
        assert all(getattr(application, name) == "" for name in Application.BANK_FIELDS)
    assert not Payment.objects.filter(batch__campaign=ended).exclude(account_number="").exists()
    assert not Payment.objects.filter(batch__campaign=ended).exclude(account_holder="").exists()
    assert bytes(PaymentBatch.objects.get(pk=r["batch"].pk).zengin_file) == b""
    # Documents and claim files: rows and files gone, the running round's untouched.
    assert not ApplicationDocument.objects.filter(application__campaign=ended).exists()
    remaining = _private_files()
    assert not (document_files | upload_files) & remaining
    assert running_files <= remaining
    assert ApplicationDocument.objects.filter(application=r["running_application"]).count() == 2
    assert not ApplicationEvent.objects.filter(application__campaign=ended).exclude(note="").exists()
    # Hotel users: anonymised, inactive, cannot log in; the shared and running ones untouched.
    owner = get_user_model().objects.get(pk=r["owner"].pk)
    assert owner.username == owner.email == f"erased-{owner.pk}@invalid"
    assert not owner.is_active and not owner.has_usable_password() and owner.first_name == ""
    assert not owner.check_password(PASSWORD)
    for username in ("owner@hotel.example.jp", owner.username):
        assert ModelBackend().authenticate(None, username=username, password=PASSWORD) is None
    assert get_user_model().objects.get(pk=r["shared_user"].pk).username == "shared@hotel.example.jp"
    assert ModelBackend().authenticate(None, username="shared@hotel.example.jp", password=PASSWORD)
    assert get_user_model().objects.get(pk=r["running_user"].pk).is_active
    business = Business.objects.get(pk=r["application"].business_id)
    assert (business.representative, business.contact_person, business.phone, business.email) == (
        "",
        "",
        "",
        "",
    )
    assert business.name and business.address  # the business itself stays for the figures
    assert Business.objects.get(pk=r["shared"].pk).contact_person == "共有 担当"
    # The running round's bank account, lottery and callers are untouched.
    assert Application.objects.get(pk=r["running_application"].pk).account_number == "1234567"
    assert not LotteryEntry.objects.filter(survey=r["ended_survey"]).exists()
    assert LotteryEntry.objects.filter(survey=r["running_survey"]).count() == 1
    ended_inquiry = Inquiry.objects.get(pk=r["ended_inquiry"].pk)
    assert (ended_inquiry.caller_name, ended_inquiry.caller_phone) == ("", "")
    assert ended_inquiry.question == "割引の対象を知りたい"
    assert Inquiry.objects.get(pk=r["running_inquiry"].pk).caller_name == "問合 二郎"

    # Every figure stays: ledger rows and totals, claims, payment amounts, survey results, inquiry counts.
    assert _snapshot(r) == before
    assert budget.verify_ledger(ended) == []
    assert before["account"] == 16_000

    # The run, its report and the audit trail.
    run = ErasureRun.objects.get(campaign=ended)
    assert (
        run.actor == r["staff"]
        and run.files_planned == 4
        and run.files_deleted == 4
        and run.file_failures == []
    )
    path = Path(run.report_path)
    assert path.parent == Path(report.report_dir()) and path.name.startswith("erase-2024-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (
        f"データ消去報告書: {path}" in output
        and "消去しました: レコード 17 件、ファイル 4 / 4 件を削除。" in output
    )
    text = re.sub(r"\s+", "", pdf_text(path))
    assert "データ消去報告書" in text and "erase-2024" in text and "発注者確認欄" in text
    assert "振込先口座（参加申請）" in text and "空欄化" in text and "匿名化・無効化" in text
    assert "ファイル削除（OSのファイル削除）" in text and "レコード削除" in text
    assert "抽選応募者" in text and "3件" in text and "4件（削除対象4件）" in text
    deadline = add_business_days(timezone.localdate(), 5)
    # 和暦, as the city's documents are dated: the deadline, the day it was made and when it was erased.
    assert format_wareki(deadline) in text and f"作成日:{format_wareki(timezone.localdate())}" in text
    assert f"消去実施日時{format_wareki(run.started_at)}" in text and "令和" in text
    assert "問合" not in text and "owner@hotel" not in text and "1234567" not in text
    entries = AuditEntry.objects.filter(action="erasure", sequence__gt=0).order_by("sequence")
    assert AuditEntry.objects.count() > audit_before
    main = entries.filter(object_type="campaigns.campaign", summary="キャンペーンの個人情報を消去").get()
    assert main.actor_id == r["staff"].pk
    assert main.detail["records"]["lottery_entries"] == 3 and main.detail["files_planned"] == 4
    assert "owner@hotel.example.jp" not in str(main.detail) and "1234567" not in str(main.detail)
    done = entries.filter(summary="データ消去報告書を作成").get()
    assert done.detail == {"run": run.pk, "files_deleted": 4, "file_failures": 0, "report": path.name}


def test_a_second_run_finds_nothing_left(rounds, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", rounds["staff"].username)
    output = _run("--campaign", "erase-2024", "--dry-run")
    assert "合計: レコード 0 件、ファイル 0 件" in output


def test_shared_business_goes_with_the_last_round_that_needs_it(rounds, django_capture_on_commit_callbacks):
    r = rounds
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", r["staff"].username)
    running = r["running"]
    running.stay_start, running.stay_end = D(2024, 9, 1), D(2024, 9, 30)
    running.application_start, running.application_end = D(2024, 8, 1), D(2024, 8, 20)
    running.save()
    Inquiry.objects.filter(pk=r["running_inquiry"].pk).update(
        received_at=timezone.make_aware(datetime.datetime(2024, 9, 5, 9, 0))
    )
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "running-now", "--yes", "--user", r["staff"].username)
    shared_user = get_user_model().objects.get(pk=r["shared_user"].pk)
    assert shared_user.username == f"erased-{shared_user.pk}@invalid" and not shared_user.is_active
    assert Business.objects.get(pk=r["shared"].pk).contact_person == ""
    assert Inquiry.objects.get(pk=r["running_inquiry"].pk).caller_name == ""


def test_inquiries_in_overlapping_rounds_wait_for_the_other_round(rounds, django_capture_on_commit_callbacks):
    r = rounds
    CampaignFactory(
        slug="overlapping",
        stay_start=D(2024, 7, 1),
        stay_end=D(2024, 8, 31),
        application_start=D(2024, 5, 1),
        application_end=D(2024, 6, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        output = _run("--campaign", "erase-2024", "--yes", "--user", r["staff"].username)
    assert "問い合わせ者の氏名・電話番号（応対記録）: 0 件、ファイル 0 件" in output
    assert Inquiry.objects.get(pk=r["ended_inquiry"].pk).caller_name == "問合 一郎"


def test_a_running_campaign_is_refused_without_force_and_reason(rounds):
    r = rounds
    with pytest.raises(CommandError, match="まだ終了していない"):
        _run("--campaign", "running-now", "--yes", "--user", r["staff"].username)
    with pytest.raises(CommandError, match="--reason"):
        _run("--campaign", "running-now", "--yes", "--force", "--user", r["staff"].username)
    assert erasure.blockers(r["running"]) and not ErasureRun.objects.exists()
    assert Application.objects.get(pk=r["running_application"].pk).account_number == "1234567"
    # Claims still in the workflow also hold an ended round back.
    Claim.objects.filter(pk=r["claims"][0].pk).update(status=ClaimStatus.IN_REVIEW)
    assert any("実績報告" in reason for reason in erasure.blockers(r["ended"]))


def test_force_with_a_reason_erases_and_says_so_in_the_report(
    rounds, django_capture_on_commit_callbacks, tmp_path
):
    r = rounds
    out = tmp_path / "custom" / "report.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        _run(
            "--campaign", "running-now", "--yes", "--force", "--reason", "契約解除のため",
            "--user", r["staff"].username, "--out", str(out),
        )  # fmt: skip
    run = ErasureRun.objects.get(campaign=r["running"])
    assert run.forced and run.force_reason == "契約解除のため" and run.report_path == str(out)
    assert "契約解除のため" in re.sub(r"\s+", "", pdf_text(out))
    assert Application.objects.get(pk=r["running_application"].pk).account_number == ""


def test_the_confirmation_must_be_the_slug(rounds, monkeypatch):
    r = rounds
    monkeypatch.setattr(erase_personal_data, "is_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": "erase-2025")
    with pytest.raises(CommandError, match="一致しない"):
        _run("--campaign", "erase-2024", "--user", r["staff"].username)
    assert not ErasureRun.objects.exists()
    assert Application.objects.get(pk=r["application"].pk).account_number == "1234567"
    assert LotteryEntry.objects.filter(survey=r["ended_survey"]).count() == 3


def test_the_right_answer_erases(rounds, monkeypatch, django_capture_on_commit_callbacks):
    r = rounds
    answers = iter([r["staff"].username, "erase-2024"])
    prompts = []
    monkeypatch.setattr(erase_personal_data, "is_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or next(answers))
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024")
    assert "実施者" in prompts[0] and "キャンペーンの識別子（erase-2024）" in prompts[1]
    assert ErasureRun.objects.get().actor == r["staff"]


def test_without_a_terminal_user_and_yes_are_required(rounds):
    r = rounds
    with pytest.raises(CommandError, match="--user"):
        _run("--campaign", "erase-2024", "--yes")
    with pytest.raises(CommandError, match="--yes"):
        _run("--campaign", "erase-2024", "--user", r["staff"].username)
    hotel = r["owner"]
    with pytest.raises(CommandError, match="職員"):
        _run("--campaign", "erase-2024", "--yes", "--user", hotel.username)
    with pytest.raises(CommandError, match="登録済み"):
        _run("--campaign", "no-such-round", "--dry-run")
    assert not ErasureRun.objects.exists()


def test_a_file_that_cannot_be_deleted_is_reported(rounds, monkeypatch, django_capture_on_commit_callbacks):
    r = rounds
    storage = storages["private"]
    original = type(storage).delete

    def refuse_claim_uploads(self, name):
        if name.startswith("claim-uploads/"):
            raise PermissionError(name)
        return original(self, name)

    monkeypatch.setattr(type(storage), "delete", refuse_claim_uploads)
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", r["staff"].username)
    run = ErasureRun.objects.get()
    assert run.files_deleted == 2 and len(run.file_failures) == 2
    assert {failure["error"] for failure in run.file_failures} == {"PermissionError"}
    text = re.sub(r"\s+", "", pdf_text(Path(run.report_path)))
    assert "2件のファイルを削除できませんでした" in text and "claim-uploads/" in text


def test_backups_made_before_the_erasure_are_listed(rounds, django_capture_on_commit_callbacks, settings):
    backup = Path(settings.VAR_DIR) / "backups" / "20240901T000000Z"
    backup.mkdir(parents=True)
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", rounds["staff"].username)
    text = re.sub(r"\s+", "", pdf_text(Path(ErasureRun.objects.get().report_path)))
    assert "20240901T000000Z" in text and "別に削除" in text


def test_missing_font_stops_before_anything_is_erased(rounds, monkeypatch):
    from core import pdf

    monkeypatch.setattr(pdf, "fonts_installed", lambda: False)
    with pytest.raises(CommandError, match="fonts-noto-cjk"):
        _run("--campaign", "erase-2024", "--yes", "--user", rounds["staff"].username)
    assert not ErasureRun.objects.exists()
    assert LotteryEntry.objects.filter(survey=rounds["ended_survey"]).count() == 3


def test_sign_in_records_of_erased_users_go_too(rounds, django_capture_on_commit_callbacks):
    from django.apps import apps

    if not apps.is_installed("axes"):
        pytest.skip("django-axes is not installed")
    from axes.models import AccessAttempt, AccessLog

    common = {"user_agent": "test", "ip_address": "192.0.2.1", "http_accept": "*/*", "path_info": "/"}
    AccessLog.objects.create(username="owner@hotel.example.jp", **common)
    AccessAttempt.objects.create(
        username="owner@hotel.example.jp", get_data="", post_data="", failures_since_start=2, **common
    )
    AccessLog.objects.create(username="shared@hotel.example.jp", **common)
    assert "利用者のログイン記録（ユーザー名・IP アドレス）: 2 件" in _run(
        "--campaign", "erase-2024", "--dry-run"
    )
    with django_capture_on_commit_callbacks(execute=True):
        _run("--campaign", "erase-2024", "--yes", "--user", rounds["staff"].username)
    assert not AccessLog.objects.filter(username="owner@hotel.example.jp").exists()
    assert not AccessAttempt.objects.filter(username="owner@hotel.example.jp").exists()
    assert AccessLog.objects.filter(username="shared@hotel.example.jp").count() == 1
