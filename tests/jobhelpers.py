"""Downloads that go through a background job (jobs app): POST, follow to the job, fetch the file."""

from __future__ import annotations

from django.urls import resolve, reverse

from jobs.models import Job, JobStatus


def job_of(response) -> Job:
    """The job a screen's POST redirected to."""
    assert response.status_code == 302, response.status_code
    match = resolve(response["Location"])
    assert match.url_name == "jobs_detail", response["Location"]
    return Job.objects.get(pk=match.kwargs["pk"])


def download_via_job(client, url: str, data: dict | None = None):
    """POST the screen's button; with the immediate task backend the job is finished when the redirect
    is followed. Returns the download response (its bytes: `body(response)`)."""
    job = job_of(client.post(url, data or {}))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    page = client.get(reverse("jobs_detail", args=[job.pk]))
    assert page.status_code == 200 and reverse("jobs_download", args=[job.pk]) in page.content.decode()
    return client.get(reverse("jobs_download", args=[job.pk]))


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
