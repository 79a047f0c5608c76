"""Background jobs (jobs app): the download flow end to end with the immediate task backend, failures,
who may see a job, progress, purging, e-mails after commit, and one run of the real database queue."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task_backends
from openpyxl import load_workbook

from audit.models import AuditAction, AuditEntry
from jobs import registry, services
from jobs.mail import queue_email
from jobs.models import Job, JobStatus
from surveys import export
from surveys.results import Filters

from .factories import CampaignFactory, SurveyFactory, UserFactory
from .jobhelpers import body, download_via_job, job_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_kinds():
    """Two kinds for these tests only: one that reports progress, one that breaks."""

    @registry.register("tests.counting")
    def counting(job, params, progress):
        for done in range(params["total"] + 1):
            progress(done, params["total"])
        return registry.Output(b"1,2,3\n", "count.csv", "text/csv")

    @registry.register("tests.broken")
    def broken(job, params, progress):
        raise RuntimeError("secret /srv/app/path and a row of personal data")

    @registry.register("tests.refused", personal_data=True)
    def refused(job, params, progress):
        raise registry.JobError("対象のデータが見つかりません。")

    yield
    for name in ("tests.counting", "tests.broken", "tests.refused"):
        registry.KINDS.pop(name, None)


def test_survey_excel_from_the_button_is_the_service_output(client):
    survey = SurveyFactory()
    client.force_login(UserFactory(role="city"))
    response = download_via_job(client, reverse("surveys_admin:results_excel", args=[survey.pk]))
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment")
    expected = io.BytesIO()
    export.write_answers(survey, expected, Filters(), language="ja")
    got, want = load_workbook(io.BytesIO(body(response))), load_workbook(expected)
    assert [list(s.values) for s in got] == [list(s.values) for s in want]


def test_job_page_list_and_status_json(client, test_kinds):
    user = UserFactory(role="reviewer")
    client.force_login(user)
    job = services.start(user, "tests.counting", {"total": 4}, label="数えるだけ")
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.progress_done == 4 and job.percent == 100
    status = client.get(reverse("jobs_status", args=[job.pk])).json()
    assert status["status"] == "done" and status["download_url"] == reverse("jobs_download", args=[job.pk])
    listing = client.get(reverse("jobs_list")).content.decode()
    assert "数えるだけ" in listing and "count.csv" in listing
    assert body(client.get(reverse("jobs_download", args=[job.pk]))) == b"1,2,3\n"


def test_a_running_job_shows_a_progress_bar_and_a_reload_link(client, test_kinds):
    user = UserFactory(role="reviewer")
    client.force_login(user)
    job = Job.objects.create(requested_by=user, kind="tests.counting", label="途中", progress_total=10)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, progress_done=3)
    page = client.get(reverse("jobs_detail", args=[job.pk])).content.decode()
    assert '<progress data-job-bar max="100" value="30"' in page and "30%" in page
    assert "再読み込み" in page and "jobs/job-status.js" in page and "<script>" not in page
    assert (
        client.get(reverse("jobs_download", args=[job.pk])).status_code == 302
    )  # not ready: back to the page


def test_a_failing_builder_fails_the_job_in_japanese_without_leaking(client, test_kinds, caplog):
    user = UserFactory(role="reviewer")
    client.force_login(user)
    job = services.start(user, "tests.broken", {})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file and job.finished_at
    assert "ファイルを作成できませんでした" in job.error and str(job.pk) in job.error
    page = client.get(reverse("jobs_detail", args=[job.pk])).content.decode()
    assert "ファイルを作成できませんでした" in page
    assert "secret" not in page and "Traceback" not in page and "RuntimeError" not in page
    assert "secret" not in client.get(reverse("jobs_status", args=[job.pk])).content.decode()
    assert any("RuntimeError" in (record.exc_text or "") for record in caplog.records)  # the log has it
    refused = services.start(user, "tests.refused", {})
    refused.refresh_from_db()
    assert refused.error == "対象のデータが見つかりません。"
    assert Job.objects.filter(requested_by=user).count() == 2  # nothing lost


def test_a_job_is_its_requesters_alone(client, test_kinds):
    owner = UserFactory(role="reviewer")
    job = services.start(owner, "tests.counting", {"total": 1})
    for role in ("reviewer", "admin"):
        client.force_login(UserFactory(role=role))
        for name in ("jobs_detail", "jobs_status", "jobs_download"):
            assert client.get(reverse(name, args=[job.pk])).status_code == 404, (role, name)
        assert "count.csv" not in client.get(reverse("jobs_list")).content.decode()
    client.logout()
    assert client.get(reverse("jobs_download", args=[job.pk])).status_code == 302  # to the login


def test_downloading_personal_data_is_audited(client):
    campaign = CampaignFactory(slug="jobs-export")
    accountant = UserFactory(role="accountant")
    client.force_login(accountant)
    response = download_via_job(client, reverse("participants_export"), {"campaign": campaign.slug})
    assert response.status_code == 200
    job = Job.objects.get(requested_by=accountant)
    assert job.personal_data
    entries = AuditEntry.objects.filter(object_type="jobs.job", object_id=str(job.pk))
    assert entries.filter(action=AuditAction.PII_EXPORT, actor=accountant).count() == 1


def test_the_button_wants_post(client):
    survey = SurveyFactory()
    client.force_login(UserFactory(role="city"))
    assert client.get(reverse("surveys_admin:results_pdf", args=[survey.pk])).status_code == 405
    assert not Job.objects.exists()


def test_expired_jobs_and_their_files_are_purged(test_kinds):
    user = UserFactory(role="reviewer")
    old = services.start(user, "tests.counting", {"total": 1})
    fresh = services.start(user, "tests.counting", {"total": 1})
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    out = io.StringIO()
    call_command("purge_jobs", stdout=out)
    assert "1 expired job(s) deleted." in out.getvalue()
    assert not storage.exists(name) and not Job.objects.filter(pk=old.pk).exists()
    assert Job.objects.filter(pk=fresh.pk).exists()


@override_settings(JOBS_ENQUEUE_ON_COMMIT=True)
def test_e_mail_is_sent_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with transaction.atomic():
            queue_email("件名", "本文", ["hotel@example.jp"])
            assert not mail.outbox
    assert len(callbacks) == 1
    assert (
        len(mail.outbox) == 1
        and mail.outbox[0].subject == "件名"
        and mail.outbox[0].to == ["hotel@example.jp"]
    )


def _mail_log(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "jobs.tasks"]


def test_the_worker_says_an_e_mail_kept_in_memory_was_not_sent(caplog):
    """The test settings (and seed_demo) use the locmem backend: the log must not claim a delivery."""
    with caplog.at_level("INFO", logger="jobs.tasks"):
        queue_email("件名", "本文", ["hotel@example.jp", "office@example.jp"])
    assert len(mail.outbox) == 1
    assert _mail_log(caplog) == ["e-mail kept in memory (locmem backend), not sent, 2 recipient(s)"]


@pytest.mark.parametrize(
    ("backend", "expected"),
    [
        (
            "django.core.mail.backends.console.EmailBackend",
            "e-mail written to the console (console backend), not sent",
        ),
        ("django.core.mail.backends.dummy.EmailBackend", "e-mail discarded (dummy backend), not sent"),
    ],
)
def test_the_worker_names_a_backend_that_does_not_send(caplog, capsys, backend, expected):
    with override_settings(EMAIL_BACKEND=backend), caplog.at_level("INFO", logger="jobs.tasks"):
        queue_email("件名", "本文", ["hotel@example.jp"])
    assert _mail_log(caplog) == [f"{expected}, 1 recipient(s)"]
    assert not any("e-mail sent" in line for line in _mail_log(caplog))


def test_the_worker_names_the_file_backend_path(caplog, tmp_path):
    backend = "django.core.mail.backends.filebased.EmailBackend"
    with override_settings(EMAIL_BACKEND=backend, EMAIL_FILE_PATH=tmp_path), caplog.at_level("INFO"):
        queue_email("件名", "本文", ["hotel@example.jp"])
    assert len(list(tmp_path.iterdir())) == 1
    assert _mail_log(caplog) == [
        f"e-mail written to a file in {tmp_path} (file backend), not sent, 1 recipient(s)"
    ]


def test_only_smtp_is_reported_as_sent():
    from django.core.mail import get_connection

    from jobs.tasks import delivery

    smtp = get_connection("django.core.mail.backends.smtp.EmailBackend", host="mail.example.jp", port=587)
    assert delivery(smtp) == "e-mail sent by SMTP to mail.example.jp:587"
    custom = get_connection("tests.test_jobs.OtherBackend")
    assert delivery(custom) == "e-mail handed to tests.test_jobs.OtherBackend"


class OtherBackend(BaseEmailBackend):
    """A backend this project does not know (a provider's API): named, not claimed to be SMTP."""

    def send_messages(self, email_messages) -> int:
        return len(email_messages)


@override_settings(JOBS_ENQUEUE_ON_COMMIT=True)
def test_nothing_is_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks, test_kinds):
    user = UserFactory(role="reviewer")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue_email("件名", "本文", ["hotel@example.jp"])
                services.start(user, "tests.counting", {"total": 1})
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == [] and not mail.outbox and not Job.objects.exists()


def test_the_database_queue_runs_a_job_with_the_worker(test_kinds):
    """The production path: the job waits in the database until `db_worker` takes it."""
    database_queue = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
        "inline": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    user = UserFactory(role="reviewer")
    with override_settings(TASKS=database_queue):
        job = services.start(user, "tests.counting", {"total": 2})
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.task_result_id
        result = task_backends["default"].get_result(job.task_result_id)
        assert result.status == "READY"
        # One task, then the worker returns (before it would recycle the test's database connection).
        call_command("db_worker", batch=True, max_tasks=1, reload=False, startup_delay=False, verbosity=0)
        job.refresh_from_db()
        assert job.status == JobStatus.DONE
        with job.file.open("rb") as handle:
            assert handle.read() == b"1,2,3\n"
        assert task_backends["default"].get_result(job.task_result_id).status == "SUCCESSFUL"


def test_wagtail_tasks_stay_inline():
    from modelsearch.tasks import insert_or_update_object_task
    from wagtail.tasks import update_reference_index_task

    assert update_reference_index_task.backend == "inline"
    assert insert_or_update_object_task.backend == "inline"


def test_post_redirects_to_the_job(client):
    survey = SurveyFactory()
    client.force_login(UserFactory(role="city"))
    job = job_of(client.post(reverse("surveys_admin:results_pdf", args=[survey.pk]), {}))
    assert job.kind == "surveys.report_pdf" and job.params == {"survey": survey.pk, "language": "ja"}


def test_the_answers_excel_reports_its_rows(monkeypatch):
    from surveys.models import Response
    from surveys.versions import current_version

    monkeypatch.setattr(export, "PROGRESS_EVERY", 2)
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 0)
    survey = SurveyFactory()
    version = current_version(survey)
    for _n in range(5):
        Response.objects.create(survey=survey, version=version, answers={})
    seen = []
    export.write_answers(
        survey, io.BytesIO(), Filters(), progress=lambda done, total: seen.append((done, total))
    )
    assert seen == [(2, 5), (4, 5)]
