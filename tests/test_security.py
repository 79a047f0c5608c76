"""Leak prevention: security headers and CSP per area, cookie flags in production, formula injection in
every Excel and CSV export, private uploads never under /media/, error reports and e-mails without
personal data."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import ExceptionReporter
from django.views.static import serve
from openpyxl import load_workbook

from core.excel import Column, as_text, new_workbook, to_bytes, write_table
from core.security import SafeCSVWriter, neutralise_csv, starts_like_formula
from surveys.export import write_answers
from surveys.versions import current_version

from .factories import (
    ApplicationFactory,
    FacilityFactory,
    ParticipationFactory,
    SurveyFactory,
    UserFactory,
    complete_application,
    make_member,
)

BASE_DIR = Path(__file__).resolve().parents[1]
DANGEROUS = ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def _assert_common_headers(response) -> None:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()"):
        assert feature in permissions


def _assert_strict_csp(response) -> None:
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"] and csp["base-uri"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert set(csp["img-src"]) == {"'self'", "data:"}
    assert response["X-Frame-Options"] == "DENY"


# --- Headers ---------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/en/", "/facilities/", "/members/login/", "/en/members/signup/"])
def test_public_and_members_pages_have_the_strict_policy(client, seeded, path):
    response = client.get(path)
    assert response.status_code == 200
    _assert_common_headers(response)
    _assert_strict_csp(response)


@pytest.mark.django_db
def test_logged_in_members_page_has_the_strict_policy(client, seeded):
    client.force_login(make_member())
    response = client.get(reverse("members:dashboard"))
    assert response.status_code == 200
    _assert_common_headers(response)
    _assert_strict_csp(response)


@pytest.mark.django_db
def test_survey_page_has_the_strict_policy(client):
    survey = SurveyFactory()
    response = client.get(f"/survey/{survey.slug}/")
    assert response.status_code == 200
    _assert_common_headers(response)
    _assert_strict_csp(response)


@pytest.mark.django_db
def test_not_found_page_has_the_strict_policy(client, seeded):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    _assert_strict_csp(response)


@pytest.mark.django_db
def test_admin_gets_its_own_looser_policy_but_no_eval_or_foreign_origins(client, seeded):
    client.force_login(UserFactory(role="editor"))
    response = client.get("/admin/")
    assert response.status_code == 200
    _assert_common_headers(response)
    csp = _directives(response["Content-Security-Policy"])
    assert set(csp["script-src"]) == {"'self'", "'unsafe-inline'"}
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["frame-ancestors"] == ["'self'"] and csp["object-src"] == ["'none'"]
    assert all(
        source in {"'self'", "'unsafe-inline'", "data:", "blob:", "'none'"}
        for s in csp.values()
        for source in s
    )
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_page_preview_keeps_the_public_policy_but_may_be_framed_by_the_admin(seeded):
    """Wagtail runs a dummy request for the page's own URL through the middleware; the admin shows
    the result in an iframe, which `frame-ancestors 'none'` / `DENY` would block."""
    from wagtail.models import Page

    page = Page.objects.get(url_path="/home/about/").specific
    response = page.make_preview_request(RequestFactory().get("/admin/pages/4/edit/preview/"))
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["frame-ancestors"] == ["'self'"] and csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.django_db
def test_admin_loads_no_gravatar(client, seeded):
    """Gravatar would send a hash of each staff e-mail address to a third party."""
    client.force_login(UserFactory(role="editor"))
    assert "gravatar" not in client.get("/admin/").content.decode()


def test_admin_policy_applies_only_under_the_admin_prefixes():
    from core.security import uses_admin_policy

    assert uses_admin_policy("/admin/pages/3/edit/") and uses_admin_policy("/django-admin/")
    assert not uses_admin_policy("/administration/") and not uses_admin_policy("/members/admin/")
    assert not uses_admin_policy("/en/admin-guide/")


def test_static_card_assets_replace_inline_script_and_style():
    template = (BASE_DIR / "surveys/templates/surveys/survey_card.html").read_text(encoding="utf-8")
    assert "<style" not in template and "onclick" not in template and "<script>" not in template
    assert (BASE_DIR / "static/js/print-button.js").exists() and (
        BASE_DIR / "static/css/survey-card.css"
    ).exists()


# --- Production settings: HSTS, cookies, check --deploy -------------------------------------------------


def _production_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="test-" + "x7Kq9!pZ3#vB2@mW8$eR5^tY1&uI4*oP6(aS0)dF" * 2,
        ALLOWED_HOSTS="stay.example.jp",
    )
    return env


def test_production_settings_pass_check_deploy_with_secure_cookies():
    env = _production_env()
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_HTTPONLY",
        "LANGUAGE_COOKIE_SECURE",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "DEFAULT_EXCEPTION_REPORTER_FILTER",
    ]
    script = (
        "from django.conf import settings; import json; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    shown = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(shown.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert (
        values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"] and values["LANGUAGE_COOKIE_SECURE"]
    )
    assert (
        values["SESSION_COOKIE_HTTPONLY"]
        and values["CSRF_COOKIE_HTTPONLY"]
        and values["LANGUAGE_COOKIE_HTTPONLY"]
    )
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["DEFAULT_EXCEPTION_REPORTER_FILTER"] == "core.security.PersonalDataExceptionReporterFilter"


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_http_only_and_lax(client, seeded):
    response = client.get("/members/login/")
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"
    member = make_member(password="correct-horse-battery")
    response = client.post(
        "/members/login/", {"username": member.username, "password": "correct-horse-battery"}
    )
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"


# --- Formula injection: Excel -------------------------------------------------------------------------


def _reread(data: bytes):
    return load_workbook(io.BytesIO(data))


def test_starts_like_formula_matches_owasps_characters():
    assert all(starts_like_formula(value) for value in DANGEROUS)
    assert not any(starts_like_formula(value) for value in ["仙台", "", " =1", "1-2", None, -1500, 3.5])


def test_write_table_keeps_every_formula_like_text_as_text():
    columns = [
        Column("名前", lambda row: row[0]),
        Column("コード", lambda row: row[1], "code"),
        Column("金額", lambda row: row[2], "yen"),
        Column("=見出し", lambda row: row[0]),
    ]
    rows = [(value, value, -1500) for value in DANGEROUS]
    workbook = new_workbook("試験")
    write_table(workbook.active, columns, rows, title="=タイトル", subtitle="@副題")
    sheet = _reread(to_bytes(workbook)).active
    for cell in (sheet["A1"], sheet["A2"], sheet["D4"]):
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert sheet["A1"].value == "=タイトル"
    for offset, value in enumerate(DANGEROUS, start=5):
        for column in "ABD":
            cell = sheet[f"{column}{offset}"]
            assert cell.data_type != "f"
            assert cell.value in (value, value.replace("\r", "\n"))
            assert cell.quotePrefix, f"{column}{offset}"
        amount = sheet[f"C{offset}"]
        assert amount.value == -1500 and amount.data_type == "n"


def test_as_text_leaves_plain_text_without_a_quote_prefix():
    workbook = new_workbook("試験")
    cell = as_text(workbook.active.cell(row=1, column=1, value="仙台"))
    assert cell.data_type == "s" and not cell.quotePrefix


@pytest.mark.django_db
def test_survey_answers_excel_never_contains_a_formula():
    from surveys.models import Response

    survey = SurveyFactory()
    version = current_version(survey)
    key = next(q["key"] for q in version.schema["questions"] if q["type"] == "free_text")
    for value in DANGEROUS:
        Response.objects.create(
            survey=survey, version=version, answers={key: value}, source="web", language="ja"
        )
    buffer = io.BytesIO()
    assert write_answers(survey, buffer) == len(DANGEROUS)
    workbook = _reread(buffer.getvalue())
    cells = [
        cell for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.value is not None
    ]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell for cell in cells if isinstance(cell.value, str) and starts_like_formula(cell.value)]
    assert len(texts) >= len(DANGEROUS) - 1  # "\r=1" may come back as "\n=1"
    assert all(cell.quotePrefix for cell in texts)


@pytest.mark.django_db
def test_claim_lines_excel_never_contains_a_formula():
    from claims import reports
    from claims.models import Claim, ClaimLine

    participation = ParticipationFactory(facility=FacilityFactory(name="=ホテル"))
    campaign = participation.campaign
    claim = Claim.objects.create(participation=participation, month=campaign.stay_start.replace(day=1))
    for row, value in enumerate(DANGEROUS, start=1):
        ClaimLine.objects.create(
            claim=claim,
            participation=participation,
            row=row,
            reservation_number=value,
            booked_on=campaign.stay_start,
            check_in=campaign.stay_start,
            nights=1,
            guests=1,
            total_charge=10_000,
            discount=2_000,
            channel="@direct",
            prefecture="宮城県",
            counted_nights=1,
            max_discount=2_000,
            reimbursement=2_000,
            excluded_reason="-理由",
        )
    buffer = io.BytesIO()
    assert reports.write_claim_lines(campaign, buffer) == len(DANGEROUS)
    sheet = _reread(buffer.getvalue()).active
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert sheet.cell(row=2, column=2).value == "=ホテル" and sheet.cell(row=2, column=2).quotePrefix


# --- Formula injection: CSV ---------------------------------------------------------------------------


def test_neutralise_csv_prefixes_formulas_and_keeps_numbers():
    for value in DANGEROUS:
        assert neutralise_csv(value) == "'" + value
    for value in ["-1500", "+81", "12.5", "仙台", "", "a=b"]:
        assert neutralise_csv(value) == value
    for value in [-1500, 0, 3.5, None]:
        assert neutralise_csv(value) == value


def test_safe_csv_writer_writes_every_row_neutralised():
    buffer = io.StringIO()
    writer = SafeCSVWriter(buffer, lineterminator="\n")
    writer.writerow(["=1+1", -1500, "-1500", "ホテル"])
    writer.writerows([["@x"], ["ok"]])
    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [
        ["'=1+1", "-1500", "-1500", "ホテル"],
        ["'@x"],
        ["ok"],
    ]


@pytest.mark.django_db
def test_open_data_csv_neutralises_facility_text(client, campaign):
    ParticipationFactory(campaign=campaign, facility=FacilityFactory(code="F1", name='=HYPERLINK("x")'))
    response = client.get("/api/facilities.csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(row for row in csv.DictReader(io.StringIO(content)) if row["code"] == "F1")
    assert row["name"] == '\'=HYPERLINK("x")'


@pytest.mark.django_db
def test_facility_import_template_goes_through_the_safe_writer(monkeypatch):
    from facilities import importing

    written = []
    original = neutralise_csv

    def spy(value):
        written.append(value)
        return original(value)

    monkeypatch.setattr("core.security.neutralise_csv", spy)
    content = importing.template_csv().decode("utf-8-sig")
    assert written and "H0001" in content


def test_every_csv_writer_in_the_project_is_the_safe_one():
    """A new `csv.writer` somewhere must be a deliberate choice: the claim entry file and the demo claim
    files are inputs to the claim parser (round-trip), not exports, and are listed here."""
    allowed = {"claims/entry.py", "claims/demo.py", "core/security.py"}
    found = set()
    for path in BASE_DIR.glob("*/**/*.py"):
        relative = path.relative_to(BASE_DIR).as_posix()
        if relative.startswith((".venv/", "node_modules/", "tests/", "build/")):
            continue
        text = path.read_text(encoding="utf-8")
        if "csv.writer(" in text or "csv.DictWriter(" in text:
            found.add(relative)
    assert found <= allowed, found - allowed


# --- Private uploads ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_application_documents_and_claim_uploads_live_outside_media_root(client):
    from django.core.exceptions import SuspiciousFileOperation
    from django.core.files.storage import storages
    from django.http import Http404

    from members import claim_uploads

    media_root = Path(settings.MEDIA_ROOT).resolve()
    private_root = Path(settings.PRIVATE_MEDIA_ROOT).resolve()
    assert not private_root.is_relative_to(media_root) and not media_root.is_relative_to(private_root)
    assert claim_uploads.STORAGE == "private"

    application = complete_application()
    document = application.documents.get(kind="passbook_copy")
    on_disk = Path(document.file.path).resolve()
    assert on_disk.is_relative_to(private_root) and on_disk.exists()
    assert storages["private"].exists(document.file.name)

    # Neither the /media/ URL (not routed outside development) nor the development media view with the
    # same name, or a path that climbs out of MEDIA_ROOT, reaches the file.
    assert client.get(f"/media/{document.file.name}").status_code == 404
    request = RequestFactory().get("/media/x")
    climbing = os.path.relpath(on_disk, media_root)
    for name in (document.file.name, climbing):
        with pytest.raises((Http404, SuspiciousFileOperation)):  # 404 or 400, never the file
            serve(request, name, document_root=settings.MEDIA_ROOT)


@pytest.mark.django_db
def test_documents_are_served_only_to_their_business(client):
    application = complete_application()
    document = application.documents.get(kind="passbook_copy")
    url = reverse("members:document_download", args=[application.pk, document.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_member())
    assert client.get(url).status_code == 404
    owner = make_member(application.business)
    client.force_login(owner)
    assert client.get(url).status_code == 200


# --- Error reports and e-mails ------------------------------------------------------------------------


def test_error_reports_hide_every_post_value_and_local_variable():
    # Built from pieces so that the report's source excerpts of this test do not contain them.
    account, street, phone = "76543" + "21", "秘密" + "町", "090-1111-" + "2222"
    secret_email = "secret-person" + "@example.jp"
    request = RequestFactory().post(
        "/members/applications/1/bank/", {"account_number": account, "address": street, "phone": phone}
    )
    try:
        raise ValueError(f"boom {len(secret_email)}")
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        text = reporter.get_traceback_text()
        html = reporter.get_traceback_html()
    for report in (text, html):
        for secret in (account, street, phone, secret_email):
            assert secret not in report
        assert "account_number" in report and "secret_email" in report and "boom" in report


def test_error_reports_show_everything_with_debug_on(settings):
    settings.DEBUG = True
    request = RequestFactory().post("/x/", {"account_number": "7654321"})
    try:
        raise ValueError("boom")
    except ValueError:
        text = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "7654321" in text


@pytest.mark.django_db
def test_decision_mail_carries_the_name_and_a_link_but_no_bank_or_contact_data(mailoutbox):
    from participants.models import ApplicationEvent, ApplicationStatus
    from participants.notifications import notify_applicant

    application = ApplicationFactory(account_number="7654321")
    event = ApplicationEvent(application=application, to_status=ApplicationStatus.RETURNED)
    notify_applicant(application, event)
    (mail,) = mailoutbox
    business = application.business
    assert business.name in mail.body and "/members/" in mail.body
    for secret in (application.account_number, business.address, business.phone, business.postal_code):
        assert secret not in mail.body and secret not in mail.subject


# Staff screens (looser admin policy) and documents rendered to PDF by WeasyPrint, not by a browser.
INLINE_ALLOWED = ("/admin/", "/report/", "_report.html", "/pdf/", "/wagtailadmin/")


def test_site_templates_have_no_inline_script_style_or_event_handler():
    """The public site, members area and surveys run under `script-src 'self'; style-src 'self'`."""
    offenders = []
    for path in sorted([*BASE_DIR.glob("templates/**/*.html"), *BASE_DIR.glob("*/templates/**/*.html")]):
        relative = "/" + path.relative_to(BASE_DIR).as_posix()
        if relative.startswith(("/.venv/", "/node_modules/")) or any(
            part in relative for part in INLINE_ALLOWED
        ):
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (
            r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")",
            r"<style",
            r"\son[a-z]+=",
            r"\sstyle=",
        ):
            if re.search(pattern, text):
                offenders.append(f"{relative}: {pattern}")
    assert not offenders, offenders


@pytest.mark.django_db
def test_error_pages_do_not_echo_the_request(client, seeded):
    response = client.get("/no-such-page/taro%40example.jp/?tel=090-1111-2222")
    assert response.status_code == 404
    page = response.content.decode()
    assert "taro" not in page and "090-1111-2222" not in page
    assert "{{" not in (BASE_DIR / "templates/500.html").read_text(encoding="utf-8")
