"""Shared pieces of `backup_db` and `restore_db` (the leading underscore keeps Django from listing
this module as a command).

A backup is one directory holding the database (`db.dump`, pg_dump's custom format, or `db.sqlite3`
for the local SQLite default), one tarball per file storage that lives on local disk (`media.tar.gz`
for public media, `private.tar.gz` for application documents and claim uploads) and `manifest.json`,
which records what was backed up and the size and SHA-256 of every other file in the directory.

Connection details always come from the parsed settings dictionary (what dj-database-url made of
DATABASE_URL) and reach pg_dump/pg_restore through libpq's PG* environment variables: the password
never appears in argv (which other users can read in `ps`) nor in anything printed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.files.storage import FileSystemStorage, InvalidStorageError, storages
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
PG_DUMP_FILE = "db.dump"
SQLITE_FILE = "db.sqlite3"
# Storage alias -> archive name. Both are FileSystemStorage by default (MEDIA_ROOT, PRIVATE_MEDIA_ROOT).
STORAGE_ARCHIVES = {"default": "media.tar.gz", "private": "private.tar.gz"}

# libpq reads these; anything the caller's environment already sets is dropped first so that only
# the configured database is ever reached.
_LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
_LIBPQ_CLEARED = (
    "PGHOST",
    "PGHOSTADDR",
    "PGPORT",
    "PGUSER",
    "PGPASSWORD",
    "PGPASSFILE",
    "PGDATABASE",
    "PGSERVICE",
    *_LIBPQ_OPTIONS.values(),
)


def truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in {"1", "true", "yes", "on"}


def sha256_of(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def describe(settings_dict: dict[str, Any], vendor: str) -> str:
    """Where a database is, for messages: never the password."""
    if vendor == "sqlite":
        return f"SQLite {settings_dict['NAME']}"
    host = settings_dict.get("HOST") or "local socket"
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    user = f" as {settings_dict['USER']}" if settings_dict.get("USER") else ""
    return f"PostgreSQL database {settings_dict['NAME']!r} on {host}{port}{user}"


@contextmanager
def extra_connection(
    settings_dict: dict[str, Any], alias: str = "restore_target"
) -> Iterator[BaseDatabaseWrapper]:
    """A connection to a database that settings do not name (the restore target), registered under its
    own alias while it is needed: the migration recorder looks connections up by alias. It connects
    before it is registered, as a dynamically created connection, which Django's test isolation allows."""
    if alias in connections.settings:
        raise CommandError(f"A database alias {alias!r} is already configured.")
    filled = connections.configure_settings({DEFAULT_DB_ALIAS: dict(settings_dict)})[DEFAULT_DB_ALIAS]
    connection = load_backend(filled["ENGINE"]).DatabaseWrapper(filled, alias)
    try:
        if connection.vendor != "sqlite" or Path(filled["NAME"]).exists():  # SQLite would create the file
            connection.ensure_connection()
        connections.settings[alias] = filled
        connections[alias] = connection
        yield connection
    finally:
        connection.close()
        if alias in connections.settings:
            del connections[alias]
            del connections.settings[alias]


def libpq_env(settings_dict: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _LIBPQ_CLEARED}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = str(settings_dict["NAME"])
    for option, var in _LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[var] = str(value)
    return env


def pg_tool(name: str) -> str:
    """pg_dump/pg_restore from PG_BIN if set (e.g. /usr/lib/postgresql/16/bin when the server is newer
    than the client on PATH: pg_dump refuses servers of a later major version), else from PATH."""
    pg_bin = os.environ.get("PG_BIN")
    path = str(Path(pg_bin) / name) if pg_bin else shutil.which(name)
    if not path or not Path(path).exists():
        raise CommandError(f"{name} not found (install postgresql-client, or set PG_BIN to its directory).")
    return path


def run_tool(argv: list[str], env: dict[str, str]) -> str:
    # argv is built here from a resolved tool path and our own options; no shell, no user input.
    result = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # libpq never echoes the password; argv carries none.
        detail = (result.stderr or result.stdout).strip()
        raise CommandError(f"{Path(argv[0]).name} failed (exit {result.returncode}):\n{detail}")
    return result.stdout


def copy_sqlite(source: Path | str, target: Path) -> None:
    """Copy a SQLite database with SQLite's backup API (safe while `make run` is serving it); the
    source is opened read-only."""
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    writer = sqlite3.connect(target)
    try:
        with writer:
            reader.backup(writer)
    finally:
        reader.close()
        writer.close()


def local_storages() -> dict[str, FileSystemStorage | str]:
    """Storage alias -> the storage when it keeps files on local disk, else its backend's dotted path
    (an S3 bucket, say, is backed up by its provider's versioning, not by this command)."""
    found: dict[str, FileSystemStorage | str] = {}
    for alias in STORAGE_ARCHIVES:
        try:
            storage = storages[alias]
        except InvalidStorageError:  # alias not configured in STORAGES
            continue
        if isinstance(storage, FileSystemStorage):
            found[alias] = storage
        else:
            found[alias] = f"{type(storage).__module__}.{type(storage).__qualname__}"
    return found
