"""Launch-day load test: the production server under 16 concurrent connections, against its own floor.

    make bench-load                                   # = .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py [--duration 10] [--connections 16] [--workers N] [--keep]

Builds its own PostgreSQL database (`sendai_stay_bench_load`): migrate, `seed_demo`, the current
campaign grown to 5,000 facilities with bench/guide.py's generator; collects static files into a
temporary directory; starts the documented production command (gunicorn `config.wsgi`,
`config.settings.production`, Redis db 7 flushed first) and drives it with wrk: first the liveness
probe `/healthz/live` (a trivial view through the same server and middleware: the floor), then each
public page, the uncached facility search, two members-area pages with a hotel user's session, a
weighted mix of public pages, each alone (capacity), then a launch-day run of the mix, unique
searches and both members pages on 16 connections at once (latency), and the floor again. Prints
requests/s, p50/p99, errors, the server's CPU per request and the ratio to the floor, judged against
the issue's targets. The exit status is 0
whether or not the targets are met (a report); non-zero only when it cannot run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, configure_django, database_urls, recreate_database
from bench.guide import CODE_PREFIX, Generator, grow_to, load_average

DEFAULT_DATABASE = "sendai_stay_bench_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/7"
FACILITIES = 5_000
HOTEL_USER = "hotel-approved@example.jp"  # participants/demo.py: the approved business with claims
HIT_HEADER = "x-page-cache"  # core/pagecache.py marks a response served from the page cache
LUA = ROOT / "bench" / "load.lua"
VENV_BIN = Path(sys.executable).parent
# Issue targets on a 2-core machine.
CACHED_MIN_RATIO = 0.30
SEARCH_MIN_RATIO = 0.05
SEARCH_MAX_P99_MS = 150.0
MEMBERS_MAX_P99_MS = 300.0
# The uncached search: a keyword and two filters. `{n}` becomes a number unique to each request (see
# search_path()), so no page cache can answer it.
SEARCH_KEYWORD = "ホテル"
SEARCH_FILTERS = "ward=aoba&feature=wifi"
# The launch-day run's 16 connections: public pages, unique searches, and one each on two members pages.
LAUNCH_PUBLIC, LAUNCH_SEARCH = 12, 2


@dataclass
class Target:
    name: str
    kind: str  # floor, cached, search, info (no target), members, mix
    paths: list[tuple[int, str]]  # (weight, path)
    vary: bool = False
    cookie: str = ""
    connections: int | None = None  # None: --connections


@dataclass
class Result:
    target: Target
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    error_detail: str
    hits: int
    server_cpu_ms: float  # gunicorn master + workers, per request
    database_cpu_ms: float  # PostgreSQL backends of the benchmark database, per request
    wrk_cpu: float  # share of one CPU the load generator used

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def search_path(guide: str) -> str:
    """The uncached facility search. The page cache keys on the whole query string (core/pagecache.py)
    and the search ignores parameters it does not know, so an extra `nocache` parameter with a unique
    value makes every request a miss while the SQL, the results and the HTML stay those of the
    plain search (the table's `hits` column checks that no request was a hit)."""
    return f"{guide}?q={quote(SEARCH_KEYWORD)}&{SEARCH_FILTERS}&nocache={{n}}"


# --- Setting up: wrk, database, static files, server ------------------------------------------------


def ensure_wrk() -> str:
    """wrk (C, light on CPU) from Debian, installed like scripts/install-system-packages.sh does."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        sudo: list[str] = []
    elif shutil.which("sudo"):
        sudo = ["sudo"]
    else:
        raise SystemExit(
            "wrk is not installed; please install the Debian package as root: apt-get install wrk"
        )
    print("Installing the Debian package wrk …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-qq"], env=env, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk could not be installed")
    return found


def prepare_database(bench_url: str, reuse: bool = False) -> dict[str, str]:
    """Migrate, seed, grow to 5,000 facilities; returns the demo URLs and a hotel user's session key.
    With `reuse`, a database already grown (a `--keep` run) is only migrated."""
    configure_django(bench_url)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connection

    from campaigns.models import Campaign
    from cms.models import HomePage, NewsIndexPage, StandardPage
    from facilities.models import FacilityGuidePage, Participation
    from inquiries.models import FAQPage

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    campaign = Campaign.objects.current() if reuse else None
    added = 0
    if campaign is None or Participation.objects.listed(campaign).count() < FACILITIES:
        call_command("seed_demo", stdout=io.StringIO())
        campaign = Campaign.objects.current()
        if campaign is None:
            raise SystemExit("seed_demo created no current campaign")
        added = grow_to(FACILITIES, campaign, Generator())
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    listed = Participation.objects.listed(campaign)
    print(
        f"Migrated, seeded and grown by {added:,} to {listed.count():,} facilities "
        f"({listed.filter(sold_out_at__isnull=False).count():,} sold out) in "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )

    def url_of(model) -> str:
        page = model.objects.live().filter(locale__language_code="ja").order_by("path").first()
        if page is None:
            raise SystemExit(f"seed_demo created no live {model.__name__}")
        return page.url

    guide = url_of(FacilityGuidePage)
    # A demo facility (D001, with its photos and text), not a generated one.
    on_sale = listed.filter(sold_out_at__isnull=True).order_by("facility__code")
    first = on_sale.exclude(facility__code__startswith=CODE_PREFIX).first() or on_sale.first()
    facility = first.facility
    user = get_user_model().objects.get(username=HOTEL_USER)
    # A session made here (same SECRET_KEY as the server) rather than a login POST: production cookies
    # are Secure, so the server would never set them over the benchmark's plain HTTP.
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.AccountBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    connection.close()
    return {
        "home": url_of(HomePage),
        "content": url_of(StandardPage),
        "news": url_of(NewsIndexPage),
        "faq": url_of(FAQPage),
        "guide": guide,
        "facility": f"{guide}{facility.code}/",
        "sold_out": f"{guide}sold-out/",
        "session": session.session_key,
    }


def server_environment(bench_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SETTINGS_MODULE", "DEMO_DATA_ALLOWED", "DEBUG", "REDIS_URL", "DATABASE_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "0",
            "DATABASE_URL": bench_url,
            "REDIS_URL": redis_url,
            "VAR_DIR": str(var_dir),  # STATIC_ROOT (collectstatic) and media, both temporary
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """README "Production": `gunicorn config.wsgi --workers 4 --bind … --access-logfile -`."""
    command = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--access-logfile",
        "-",
    ]
    print("Server:", " ".join(command), flush=True)
    with open(log, "wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(
                f"gunicorn exited with {server.returncode}; see {log}:\n{log.read_text()[-3000:]}"
            )
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2) as response:
                if response.status == 200:
                    return server
        time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


# --- Measuring -----------------------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(base: str, target: Target) -> str:
    """Every path answers 200 (a members page redirecting to the login would look fast and wrong);
    returns the page-cache header of a second request."""
    opener = urllib.request.build_opener(NoRedirect)
    seen = []
    for _, path in target.paths:
        headers = {"Cookie": target.cookie} if target.cookie else {}
        for attempt in range(2):
            url = base + path.replace("{n}", f"check{attempt}x{secrets.token_hex(4)}")
            request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own http:// URL)
            try:
                with opener.open(request, timeout=30) as response:
                    status, header = response.status, response.headers.get(HIT_HEADER, "-")
            except urllib.error.HTTPError as error:
                status, header = error.code, "-"
            if status != 200:
                raise SystemExit(f"GET {path} answered {status}; the load test needs 200 responses.")
        seen.append(header)
    return ", ".join(dict.fromkeys(seen))


def cpu_seconds(master_pid: int, database: str) -> tuple[float, dict[int, float]]:
    """CPU time (user + system) from /proc of the gunicorn master and its workers, and of each
    PostgreSQL backend connected to the benchmark database (its process title names it), by pid."""
    ticks = os.sysconf("SC_CLK_TCK")
    title = f" {database} ".encode()
    app = 0.0
    backends: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            pid = int(stat.parent.name)
            fields = text[text.rindex(")") + 2 :].split()
            seconds = (int(fields[11]) + int(fields[12])) / ticks
            if pid == master_pid or int(fields[1]) == master_pid:
                app += seconds
            elif "postgres" in text[: text.rindex(")")] and title in (stat.parent / "cmdline").read_bytes():
                backends[pid] = seconds
        except (OSError, ValueError):
            continue
    return app, backends


def backends_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends used in between; a backend that exited meanwhile (CONN_MAX_AGE reconnects)
    takes its share with it, so this slightly undercounts."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def settle(master_pid: int, database: str, timeout: float = 120.0) -> None:
    """Wait until the server is idle: requests wrk left queued when it stopped (up to one per
    connection) are still served after it disconnected, and would slow the next row down."""
    deadline = time.monotonic() + timeout
    before = cpu_seconds(master_pid, database)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        after = cpu_seconds(master_pid, database)
        if after[0] - before[0] + backends_delta(before[1], after[1]) < 0.02:
            return
        before = after


def run_together(
    wrk: str,
    base: str,
    targets: list[Target],
    duration: int,
    connections: int,
    threads: int,
    master_pid: int,
    database: str,
    tmp: Path,
) -> list[Result]:
    """One wrk per target, all started at once against the same server, each with its own connections
    (one target: a row alone; the launch-day rows: four); a result per target. The CPU columns are the
    whole run's CPU per request of all targets together: the server cannot tell whose request used it."""
    commands = []
    for target in targets:
        paths_file = tmp / f"paths-{target.name.replace('/', '_')}.txt"
        paths_file.write_text(
            "".join(f"{weight}\t{path}\n" for weight, path in target.paths), encoding="utf-8"
        )
        target_connections = target.connections or connections
        command = [
            wrk,
            f"-t{min(threads, target_connections)}",
            f"-c{target_connections}",
            f"-d{duration}s",
            "--latency",
            "--timeout",
            "10s",
        ]
        if target.cookie:
            command += ["-H", f"Cookie: {target.cookie}"]
        # A tag new to every run: the unique URLs of one run are never those a previous run stored.
        vary = f"vary:{secrets.token_hex(4)}" if target.vary else "same"
        commands.append([*command, "-s", str(LUA), base, "--", str(paths_file), vary, HIT_HEADER])
    settle(master_pid, database)
    app_before, database_before = cpu_seconds(master_pid, database)
    children_before = os.times()
    running = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for command in commands
    ]
    outputs = [process.communicate() for process in running]
    children_after = os.times()
    app_after, database_after = cpu_seconds(master_pid, database)
    data = []
    for target, process, (stdout, stderr) in zip(targets, running, outputs, strict=True):
        match = re.search(r"^BENCH_RESULT (\{.*\})$", stdout, re.MULTILINE)
        if process.returncode != 0 or match is None:
            raise SystemExit(f"wrk failed for {target.name}:\n{stdout}\n{stderr}")
        data.append(json.loads(match.group(1)))
    total_requests = sum(item["requests"] for item in data)
    app_ms = (app_after - app_before) * 1000 / total_requests if total_requests else 0.0
    database_ms = (
        backends_delta(database_before, database_after) * 1000 / total_requests if total_requests else 0.0
    )
    wrk_cpu = (children_after.children_user + children_after.children_system) - (
        children_before.children_user + children_before.children_system
    )
    results = []
    for target, item in zip(targets, data, strict=True):
        socket_errors = {key: item[key] for key in ("connect", "read", "write", "timeout") if item[key]}
        detail = ", ".join(f"{key} {value}" for key, value in socket_errors.items())
        if item["non200"]:
            detail = ", ".join(filter(None, [detail, f"not 200: {item['non200']}"]))
        seconds = item["duration_us"] / 1e6
        results.append(
            Result(
                target=target,
                requests=item["requests"],
                seconds=seconds,
                p50_ms=item["p50_us"] / 1000,
                p99_ms=item["p99_us"] / 1000,
                max_ms=item["max_us"] / 1000,
                errors=sum(socket_errors.values()) + item["non200"],
                error_detail=detail,
                hits=item["hits"],
                server_cpu_ms=app_ms,
                database_cpu_ms=database_ms,
                wrk_cpu=wrk_cpu / seconds if seconds else 0.0,
            )
        )
    return results


def targets_for(urls: dict[str, str]) -> list[list[Target]]:
    """The rows in order; the targets of one inner list run at the same time (`run_together`)."""
    cookie = f"sessionid={urls['session']}"
    guide = urls["guide"]
    cached = [
        ("home /", urls["home"]),
        ("home /en/", "/en/"),
        ("content page", urls["content"]),
        ("news index", urls["news"]),
        ("FAQ", urls["faq"]),
        ("facility guide", guide),
        ("facility detail", urls["facility"]),
        ("sold-out list", urls["sold_out"]),
    ]
    # The mix: what launch-day visitors open, weighted; the guide's popular filters repeat, so the
    # cache answers them too (the unique-keyword search is measured on its own).
    mix = [
        (30, urls["home"]),
        (5, "/en/"),
        (5, urls["content"]),
        (10, urls["news"]),
        (10, urls["faq"]),
        (15, guide),
        (5, f"{guide}?ward=aoba"),
        (5, f"{guide}?area=akiu-onsen&feature=onsen"),
        (10, urls["facility"]),
        (5, urls["sold_out"]),
    ]
    search = [(1, search_path(guide))]
    alone = [
        [Target("floor /healthz/live", "floor", [(1, "/healthz/live")])],
        *([Target(name, "cached", [(1, path)])] for name, path in cached),
        [Target("search (uncached)", "search", search, vary=True)],
        # The same search with two connections: its own time, without waiting behind 15 others.
        [Target("search, 2 connections", "info", search, vary=True, connections=2)],
        [Target("members dashboard", "members", [(1, "/members/")], cookie=cookie)],
        [Target("members claims", "members", [(1, "/members/claims/")], cookie=cookie)],
        [Target("public mix", "mix", mix)],
    ]
    # Launch day: 16 connections at once on one server, as visitors arrive: most open public pages,
    # two keep searching with keywords nobody typed before, two hotels work in the members area.
    launch = [
        Target("launch: public mix", "launch-mix", mix, connections=LAUNCH_PUBLIC),
        Target("launch: search", "launch-search", search, vary=True, connections=LAUNCH_SEARCH),
        Target("launch: dashboard", "launch-members", [(1, "/members/")], cookie=cookie, connections=1),
        Target("launch: claims", "launch-members", [(1, "/members/claims/")], cookie=cookie, connections=1),
    ]
    return [*alone, launch, [Target("floor again", "floor", [(1, "/healthz/live")])]]


# --- Report ----------------------------------------------------------------------------------------


def judge(result: Result, floor_rate: float) -> tuple[str, str]:
    """(target text, PASS/OVER) of one row; every row also needs zero errors."""
    ratio = result.rate / floor_rate if floor_rate else 0.0
    kind = result.target.kind
    checks: list[tuple[str, bool]] = []
    if kind in ("cached", "mix"):
        checks.append((f"≥{CACHED_MIN_RATIO:.0%} floor", ratio >= CACHED_MIN_RATIO))
    elif kind == "search":
        checks.append((f"≥{SEARCH_MIN_RATIO:.0%} floor", ratio >= SEARCH_MIN_RATIO))
        checks.append((f"(p99≤{SEARCH_MAX_P99_MS:.0f}: launch)", True))
    elif kind == "launch-search":
        checks.append((f"p99≤{SEARCH_MAX_P99_MS:.0f}", result.p99_ms <= SEARCH_MAX_P99_MS))
    elif kind in ("info", "launch-mix"):
        checks.append(("no target;", True))
    elif kind == "members":
        checks.append((f"(p99≤{MEMBERS_MAX_P99_MS:.0f}: launch)", True))
    elif kind == "launch-members":
        checks.append((f"p99≤{MEMBERS_MAX_P99_MS:.0f}", result.p99_ms <= MEMBERS_MAX_P99_MS))
    if kind in ("search", "launch-search", "info") and result.hits:
        checks.append(("0 hits", False))
    checks.append(("0 err", result.errors == 0))
    if not result.requests:
        checks.append(("no answer", False))  # nothing finished within --duration
    text = " ".join(label for label, _ in checks)
    return text, "PASS" if all(ok for _, ok in checks) else "OVER"


def print_table(results: list[Result]) -> None:
    floors = [r.rate for r in results if r.target.kind == "floor"]
    floor_rate = sum(floors) / len(floors)
    print()
    print(f"Floor: {floor_rate:,.0f} req/s (mean of {', '.join(f'{r:,.0f}' for r in floors)})")
    header = (
        f"{'page':<22}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}{'hits':>7}"
        f"{'CPU ms':>8}{'DB ms':>7}{'wrk':>5}{'floor':>7}  {'target':<34}"
    )
    print(header)
    print("-" * len(header) + "-----")
    for result in results:
        target_text, verdict = judge(result, floor_rate)
        hits = f"{result.hits / result.requests:.0%}" if result.requests else "-"
        print(
            f"{result.target.name:<22}{result.rate:>8,.0f}{result.p50_ms:>8.1f}{result.p99_ms:>8.1f}"
            f"{result.errors:>7}{hits:>7}{result.server_cpu_ms:>8.2f}{result.database_cpu_ms:>7.2f}{result.wrk_cpu:>5.0%}"
            f"{result.rate / floor_rate:>7.1%}  {target_text:<33} {verdict}"
        )
        if result.error_detail:
            print(f"{'':<22}errors: {result.error_detail}")
    print(
        "\nreq/s over the whole run; p50/p99 from wrk (ms); hits: responses marked by the page cache; "
        "CPU ms: gunicorn's CPU time per request (master + workers); DB ms: that of the PostgreSQL "
        "backends of the benchmark database (Redis not included); "
        "wrk: the load generator's CPU (share of one core); floor: req/s ÷ the floor's. The launch rows "
        "ran at the same time on one server (their CPU columns are the run's, per request of all four)."
    )


# --- Main ------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Launch-day load test of the production server (wrk).")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1),
        help="gunicorn sync workers (default 2 × CPUs, the README's 4 on 2 cores)",
    )
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, help=f"database name (default {DEFAULT_DATABASE})"
    )
    parser.add_argument(
        "--redis-url", default=DEFAULT_REDIS_URL, help=f"flushed first (default {DEFAULT_REDIS_URL})"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (default: drop it)")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database a --keep run left, skipping the seeding"
    )
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or args.workers < 1:
        parser.error("--duration, --connections, --threads and --workers must be positive")
    args.threads = min(args.threads, args.connections)
    return args


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPUs ({model})"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    wrk = ensure_wrk()
    # One secret for this run: the session made in this process must be valid on the server.
    os.environ["SECRET_KEY"] = "bench-load-" + secrets.token_urlsafe(40)
    server_url, bench_url = database_urls(args.database)
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {machine()}", flush=True)
    if not args.reuse:
        print(f"Creating database {args.database} on {urlsplit(server_url).hostname} …", flush=True)
        recreate_database(server_url, args.database)
    server = None
    try:
        urls = prepare_database(bench_url, reuse=args.reuse)
        env = server_environment(bench_url, args.redis_url, tmp)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        print(f"collectstatic (production storage) in {time.perf_counter() - started:.1f} s", flush=True)
        flush_redis(args.redis_url)
        port = free_port()
        server = start_server(env, port, args.workers, tmp / "gunicorn.log")
        base = f"http://127.0.0.1:{port}"
        rows = targets_for(urls)
        targets = [target for row in rows for target in row]
        for target in targets:
            header = check(base, target)
            paths = ", ".join(path for _, path in target.paths)[:90]
            print(f"  {target.name:<22} {paths}  ({HIT_HEADER}: {header})")
        # Warm-up: every worker loads its templates and fills the cache before anything is timed.
        warm = Target(
            "warm-up",
            "mix",
            list(dict.fromkeys((1, path) for t in targets if not t.cookie for _, path in t.paths)),
        )
        warm.vary = True
        run_together(wrk, base, [warm], 3, args.connections, args.threads, server.pid, args.database, tmp)
        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration}s per row, the launch rows "
            f"at once ({LAUNCH_PUBLIC} + {LAUNCH_SEARCH} + 1 + 1 connections); "
            f"gunicorn {args.workers} sync workers; load average before: {load_average()}",
            flush=True,
        )
        results = []
        for row in rows:
            results += run_together(
                wrk, base, row, args.duration, args.connections, args.threads, server.pid, args.database, tmp
            )
            for result in results[-len(row) :]:
                print(f"  {result.target.name:<22} {result.rate:>8,.0f} req/s", flush=True)
        print_table(results)
        print(f"load average after: {load_average()}")
    finally:
        if server is not None:
            stop_server(server)
        from django.db import connections

        connections.close_all()
        if args.keep:
            print(f"\nKept database {args.database} and {tmp} (--keep).")
        else:
            recreate_database(server_url, args.database, drop_only=True)
            shutil.rmtree(tmp, ignore_errors=True)
            print(f"\nDropped database {args.database}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
