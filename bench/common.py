"""What every benchmark needs: its own PostgreSQL database and Django configured against it."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sendai_stay"


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_urls(name: str) -> tuple[str, str]:
    """(server URL, benchmark database URL): only the server is taken from DATABASE_URL, so a
    developer's own database is never touched; a non-PostgreSQL URL falls back to the local server."""
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not server_url.startswith(("postgres://", "postgresql://")):
        server_url = DEFAULT_DATABASE_URL
    return server_url, with_database(server_url, name)


def recreate_database(server_url: str, name: str, drop_only: bool = False) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not drop_only:
            connection.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8'").format(sql.Identifier(name)))


def configure_django(bench_url: str) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            "DEMO_DATA_ALLOWED": "1",
            "DATABASE_URL": bench_url,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver,localhost",
            "LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("REDIS_URL", None)  # the per-process cache: a benchmark touches no shared service
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
