"""Browser suite: a real server with demo data, driven in headless Chromium by Playwright.

The server runs in its own process against its own fresh database (a `<name>_browser` database
next to DATABASE_URL's on PostgreSQL, a temporary file on SQLite), migrated and filled by
`seed_demo` exactly as a newcomer's `make run` does. Tests only talk HTTP to it, so they see what
a visitor sees. Later features add their pages to `PUBLIC_PAGES` or write their own tests here.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
AXE_JS = BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The live server's environment (its database, VAR_DIR), for tests that prepare data in it with
# `run_manage` (for example a hotel user for the members area).
LIVE_SITE_ENV: dict[str, str] = {}


def run_manage(*args: str) -> str:
    """Run a management command against the live server's database; return its output."""
    assert LIVE_SITE_ENV, "use the live_site fixture first"
    result = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=LIVE_SITE_ENV,
        cwd=BASE_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _browser_database_url(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sendai_stay")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'browser.sqlite3'}"
    import psycopg

    base, _, name = url.rpartition("/")
    browser_name = f"{name.split('?')[0]}_browser"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{browser_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{browser_name}"')
    return f"{base}/{browser_name}"


def _drop_browser_database(url: str) -> None:
    """The run leaves no database behind (a SQLite file goes with the temporary folder)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def live_site() -> Iterator[str]:
    """Base URL of a server with migrated demo data, for the whole session; afterwards its database
    and temporary folder are removed."""
    tmp = Path(tempfile.mkdtemp(prefix="browser-site-"))
    database_url = _browser_database_url(tmp)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp),
        "DEMO_DATA_ALLOWED": "1",
        "DEBUG": "0",  # the real 404 and 500 pages, as in production
    }
    env.pop("REDIS_URL", None)
    LIVE_SITE_ENV.update(env)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    server = None
    log = None
    try:
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            subprocess.run([*manage, *command], env=env, cwd=BASE_DIR, check=True, capture_output=True)
        port = _free_port()
        log = (tmp / "server.log").open("w")
        server = subprocess.Popen(
            [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=BASE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"test server did not start:\n{(tmp / 'server.log').read_text()}")
            time.sleep(0.25)
        yield base_url
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        if log is not None:
            log.close()
        _drop_browser_database(database_url)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/install-system-packages.sh")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # axe-core is injected as an inline script, which the site's CSP refuses: these pages check
    # accessibility, and test_public_pages.py checks the CSP in contexts of its own without bypass.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core with the WCAG 2.0/2.1 A and AA rules; return the violations."""
    page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {node['failureSummary']}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert not violations, (
        f"axe found accessibility violations on {page.url}:\n{format_violations(violations)}"
    )
