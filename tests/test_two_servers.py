"""Two app servers, one PostgreSQL and one Redis: nothing a request needs is kept on one server.

Two gunicorn processes run the production settings against a copy of the seeded test database, the
same Redis database and the same media directories (standing in for shared object storage). A page
cached through server A is invalidated by a change made over HTTP through server B; a session from
signing in on A works on B; a file uploaded through A downloads through B. The static files are
collected with the production storage first (hashed and compressed), which is also what the static
file test checks.

Skipped, with the reason, when gunicorn, Redis or PostgreSQL is not there; CI has all three.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connections

from .factories import png_bytes

BASE_DIR = Path(settings.BASE_DIR)
GUNICORN = BASE_DIR / ".venv" / "bin" / "gunicorn"
REDIS_URL = os.environ.get("TWO_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/5")
HOTEL_PASSWORD = "hotel-demo-2025"
HOTEL_USERS = ["hotel-approved@example.jp", "hotel-draft@example.jp"]


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:  # any failure means "not available"
        return False


def _gunicorn() -> str | None:
    if GUNICORN.exists():
        return str(GUNICORN)
    return shutil.which("gunicorn")


# Asks pytest-django for the (seeded) test database, which the servers get a copy of.
pytestmark = pytest.mark.django_db

needs_servers = pytest.mark.skipif(
    _gunicorn() is None
    or not _redis_answers()
    or settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason=f"needs gunicorn, Redis at {REDIS_URL} and PostgreSQL (CI has all three)",
)


# --- A tiny HTTP client with its own cookie jar (the production cookies are Secure-only) -----------


class Browser:
    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def request(self, base: str, method: str, path: str, body: bytes | None = None, headers=None):
        host, port = base.split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        # Both servers are asked for the same site, as behind a load balancer.
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        connection.close()
        return response, content

    def get(self, base: str, path: str, **headers):
        return self.request(base, "GET", path, headers=headers)

    def post(self, base: str, path: str, fields: dict[str, str], files=None):
        if files:
            boundary = uuid.uuid4().hex
            parts = []
            for name, value in fields.items():
                disposition = f'Content-Disposition: form-data; name="{name}"'
                parts.append(f"--{boundary}\r\n{disposition}\r\n\r\n{value}\r\n".encode())
            for name, (filename, data, content_type) in files.items():
                disposition = f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'
                parts.append(
                    f"--{boundary}\r\n{disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
                    + data
                    + b"\r\n"
                )
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self.request(base, "POST", path, body=body, headers={"Content-Type": content_type})


def csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1).decode()


def sign_in(browser: Browser, base: str, email: str) -> None:
    _response, page = browser.get(base, "/members/login/")
    response, _ = browser.post(
        base,
        "/members/login/",
        {"csrfmiddlewaretoken": csrf_token(page), "username": email, "password": HOTEL_PASSWORD},
    )
    assert response.status == 302, f"sign-in failed ({response.status})"
    assert "sessionid" in browser.cookies


# --- The database copy, the static files and the two servers ---------------------------------------


def _admin_dsn(url: str) -> str:
    return url.rsplit("/", 1)[0] + "/postgres"


@pytest.fixture(scope="module")
def database_url(django_db_setup, django_db_blocker):
    """A copy of the seeded test database (CREATE DATABASE … TEMPLATE: seconds, not minutes)."""
    import psycopg

    source = connections["default"].settings_dict
    source_name = source["NAME"]
    base_url = f"postgres://{source['USER']}@{source['HOST'] or '127.0.0.1'}:{source['PORT'] or 5432}"
    if source.get("PASSWORD"):
        base_url = base_url.replace("@", f":{source['PASSWORD']}@", 1)
    name = f"sendai_stay_twoproc_{uuid.uuid4().hex[:10]}"
    with django_db_blocker.unblock():
        connections.close_all()  # a template database must have no other connection
    with psycopg.connect(_admin_dsn(f"{base_url}/x"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source_name}"')
    url = f"{base_url}/{name}"
    try:
        with psycopg.connect(url) as copy:
            seeded = copy.execute("SELECT count(*) FROM cms_homepage").fetchone()[0]
        if not seeded:  # a transactional test flushed the test database earlier in this run
            _manage(url, "seed_demo")
        # The test database stores passwords with the test settings' fast MD5 hasher, which production
        # does not accept: give the demo hotel users their password again, hashed the production way.
        _manage(url, "shell", "-c", _RESET_PASSWORDS)
        yield url
    finally:
        with psycopg.connect(_admin_dsn(url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_RESET_PASSWORDS = f"""
from django.contrib.auth import get_user_model
for user in get_user_model().objects.filter(username__in={HOTEL_USERS!r}):
    user.set_password({HOTEL_PASSWORD!r})
    user.save(update_fields=["password"])
"""


def _manage(database_url: str, *args: str) -> None:
    env = {**_server_env(database_url, Path(tempfile.gettempdir())), "DEMO_DATA_ALLOWED": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.fixture(scope="module")
def shared_dir():
    path = Path(tempfile.mkdtemp(prefix="sendai-twoproc-"))
    (path / "media").mkdir()
    (path / "private").mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _server_env(database_url: str, shared: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "two-servers-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"twoproc-{shared.name}",
        "VAR_DIR": str(shared),
        "MEDIA_ROOT": str(shared / "media"),
        "PRIVATE_MEDIA_ROOT": str(shared / "private"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture(scope="module")
def static_root(shared_dir):
    """`collectstatic` with the production storage (whitenoise: hashed names, .gz and .br copies)."""
    env = _server_env("postgres://unused@127.0.0.1/unused", shared_dir)
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return shared_dir / "static"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server {base} exited:\n{log.read_text()[-3000:]}")
        try:
            response, _ = Browser().get(base, "/healthz")
            if response.status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"server {base} did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def servers(database_url, shared_dir, static_root):
    env = _server_env(database_url, shared_dir)
    started = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            log = shared_dir / f"gunicorn-{name}.log"
            process = subprocess.Popen(
                [_gunicorn(), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
                cwd=BASE_DIR,
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            started.append((f"127.0.0.1:{port}", process, log))
        for base, process, log in started:
            _wait_until_up(base, process, log)
        yield [base for base, _process, _log in started]
    finally:
        for _base, process, _log in started:
            process.terminate()
        for _base, process, _log in started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def _query(database_url: str, sql: str, *params):
    import psycopg

    with psycopg.connect(database_url) as connection:
        return connection.execute(sql, params).fetchall()


# --- The tests -----------------------------------------------------------------------------------------


@needs_servers
def test_a_change_through_one_server_reaches_the_other_servers_cache(servers, database_url):
    a, b = servers
    [(participation_id, facility_name)] = _query(
        database_url,
        """SELECT p.id, f.name FROM facilities_participation p
           JOIN facilities_facility f ON f.id = p.facility_id
           JOIN campaigns_campaign c ON c.id = p.campaign_id
           WHERE c.slug = 'demo-current' AND f.code IN ('D001', 'D002') AND p.sold_out_at IS NULL
           ORDER BY f.code LIMIT 1""",
    )
    visitor = Browser()
    response, page = visitor.get(a, "/facilities/sold-out/")
    assert response.status == 200 and facility_name not in page.decode()
    response, _ = visitor.get(a, "/facilities/sold-out/")
    assert response.headers["X-Page-Cache"] == "hit"
    response, _ = visitor.get(b, "/facilities/sold-out/")
    assert response.headers["X-Page-Cache"] == "hit", "B reads the page A stored: one shared cache"

    # The hotel signs in on A; its session works on B, where it ends sales (販売終了).
    hotel = Browser()
    sign_in(hotel, a, "hotel-approved@example.jp")
    response, dashboard = hotel.get(b, "/members/")
    assert response.status == 200, "the session made on A is valid on B"
    assert "株式会社杜の都ホテルズ" in dashboard.decode()
    _response, form = hotel.get(b, f"/members/participations/{participation_id}/sold-out/")
    response, _ = hotel.post(
        b, f"/members/participations/{participation_id}/sold-out/", {"csrfmiddlewaretoken": csrf_token(form)}
    )
    assert response.status == 302

    # The anonymous visitor on A sees it at once: A's cached page was invalidated by B's change.
    response, page = visitor.get(a, "/facilities/sold-out/")
    assert response.headers.get("X-Page-Cache") != "hit"
    assert facility_name in page.decode()
    response, page = visitor.get(b, "/facilities/sold-out/")
    assert facility_name in page.decode()


@needs_servers
def test_a_file_uploaded_through_one_server_downloads_through_the_other(servers):
    a, b = servers
    hotel = Browser()
    sign_in(hotel, a, "hotel-draft@example.jp")
    _response, dashboard = hotel.get(a, "/members/")
    match = re.search(rb'href="/members/applications/([0-9a-f-]{36})/"', dashboard)
    assert match, "the draft application is on the dashboard"
    application = match.group(1).decode()
    documents = f"/members/applications/{application}/documents/"
    _response, form = hotel.get(a, documents)
    upload = png_bytes()
    response, _ = hotel.post(
        a,
        documents,
        {"csrfmiddlewaretoken": csrf_token(form), "kind": "licence_copy"},
        files={"licence_copy-file": ("two-servers.png", upload, "image/png")},
    )
    assert response.status == 302, "the upload was accepted"

    _response, listing = hotel.get(b, documents)
    links = re.findall(rb'href="(/members/applications/[0-9a-f-]{36}/documents/[0-9a-f-]{36}/)"', listing)
    assert links, "B lists the document uploaded through A"
    downloads = [hotel.get(b, link.decode()) for link in links]
    assert any(response.status == 200 and body == upload for response, body in downloads)


@needs_servers
def test_static_files_are_hashed_compressed_and_cached_forever(servers, static_root):
    a, b = servers
    hashed = [
        path
        for path in (static_root / "css").glob("site.*.css")
        if re.fullmatch(r"site\.[0-9a-f]{12}\.css", path.name)
    ]
    assert hashed, "collectstatic wrote a hashed site.css"
    css = hashed[0]
    assert css.with_name(css.name + ".gz").exists() and css.with_name(css.name + ".br").exists()

    _response, page = Browser().get(a, "/")
    assert f"/static/css/{css.name}".encode() in page, "pages link the hashed name"
    response, _body = Browser().get(b, f"/static/css/{css.name}", **{"Accept-Encoding": "br, gzip"})
    assert response.status == 200
    assert response.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response.headers["Content-Encoding"] == "br"
    response, _ = Browser().get(b, "/static/css/site.css")
    assert "immutable" not in response.headers.get("Cache-Control", "")


# --- Uploads in S3-compatible object storage (configuration only: no object store runs here) ----------

_S3_PROBE = """
import json
import django
django.setup()
from django.core.files.storage import storages
public, private = storages["default"], storages["private"]
print(json.dumps({
    "backends": [type(public).__name__, type(private).__name__],
    "buckets": [public.bucket_name, private.bucket_name],
    "public_url": public.url("images/a.png"),
    "private_url": private.url("documents/b.pdf"),
}))
"""


def _s3_env(**extra: str) -> dict[str, str]:
    env = _server_env("postgres://unused@127.0.0.1/unused", Path(tempfile.gettempdir()))
    return {
        **env,
        "AWS_STORAGE_BUCKET_NAME": "sendai-public",
        "AWS_PRIVATE_STORAGE_BUCKET_NAME": "sendai-private",
        "AWS_S3_ENDPOINT_URL": "https://objects.example.jp",
        "AWS_S3_REGION_NAME": "jp-north-1",
        "AWS_ACCESS_KEY_ID": "test-key-id",
        "AWS_SECRET_ACCESS_KEY": "test-secret",
        **extra,
    }


def test_uploads_can_live_in_s3_compatible_storage_with_a_private_bucket():
    import json

    result = subprocess.run(
        [sys.executable, "-c", _S3_PROBE], cwd=BASE_DIR, env=_s3_env(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["backends"] == ["S3Storage", "S3Storage"]
    assert probe["buckets"] == ["sendai-public", "sendai-private"]
    assert probe["public_url"] == "https://objects.example.jp/sendai-public/images/a.png"
    private = probe["private_url"]
    assert private.startswith("https://objects.example.jp/sendai-private/documents/b.pdf?")
    assert "X-Amz-Signature=" in private and "X-Amz-Expires=300" in private


def test_s3_without_a_private_bucket_refuses_to_start():
    env = _s3_env()
    del env["AWS_PRIVATE_STORAGE_BUCKET_NAME"]
    result = subprocess.run(
        [sys.executable, "-c", _S3_PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "AWS_PRIVATE_STORAGE_BUCKET_NAME" in result.stderr
