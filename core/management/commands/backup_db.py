"""Back up the database and the uploaded files into one directory (`make backup`).

    manage.py backup_db [--output DIR]      (DIR defaults to $BACKUP_DIR, else var/backups/<UTC stamp>)

PostgreSQL is dumped with pg_dump's custom format (`--no-owner --no-privileges`, so it restores into
any database whatever its owner is called); the local SQLite default is copied with SQLite's online
backup API, which is safe while the development server is running. Every file is created 0600 inside
a 0700 directory: the dump and the private tarball hold personal data (applicants, bank details).
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder

from ._backup import (
    MANIFEST,
    MANIFEST_FORMAT,
    PG_DUMP_FILE,
    SQLITE_FILE,
    STORAGE_ARCHIVES,
    copy_sqlite,
    describe,
    libpq_env,
    local_storages,
    pg_tool,
    run_tool,
    sha256_of,
)


class Command(BaseCommand):
    help = "Back up the database (pg_dump custom format, or SQLite's backup API) and the media files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=os.environ.get("BACKUP_DIR") or None,
            help="Directory to create (must not exist or be empty). Default: $BACKUP_DIR, "
            "else var/backups/<UTC timestamp>.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias to back up.")

    def handle(self, *args: Any, **options: Any) -> None:
        now = datetime.datetime.now(datetime.UTC)
        out = Path(options["output"] or Path(settings.VAR_DIR) / "backups" / now.strftime("%Y%m%dT%H%M%SZ"))
        connection = connections[options["database"]]
        if connection.vendor not in {"postgresql", "sqlite"}:
            raise CommandError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise CommandError(f"{out} already exists and is not an empty directory; choose another.")

        old_umask = os.umask(0o077)  # everything below is created 0600 / 0700
        created = not out.exists()
        try:
            out.mkdir(parents=True, exist_ok=True)
            out.chmod(0o700)
            manifest = self._backup(connection, out, now)
        except BaseException:
            if created:  # a half-written backup must not look like a backup
                shutil.rmtree(out, ignore_errors=True)
            raise
        finally:
            os.umask(old_umask)

        total = sum(f["size"] for f in manifest["files"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Backed up {describe(connection.settings_dict, connection.vendor)}")
            + f" and {len(manifest['storages'])} file storage(s) into {out} ({total / 1_048_576:.1f} MiB)."
        )

    def _backup(self, connection, out: Path, now: datetime.datetime) -> dict[str, Any]:
        db = connection.settings_dict
        manifest: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "created_at": now.isoformat(timespec="seconds").replace("+00:00", "Z"),
            "database": {
                "vendor": connection.vendor,
                "name": str(db["NAME"]),
                "host": db.get("HOST") or "",
                "port": str(db.get("PORT") or ""),
                "user": db.get("USER") or "",
            },
            "software": {"django": django.get_version(), "git_commit": _git_commit()},
            "migrations": _migration_summary(connection),
            "storages": {},
            "files": {},
        }

        if connection.vendor == "postgresql":
            connection.ensure_connection()
            manifest["database"]["server_version"] = connection.connection.info.server_version
            pg_dump = pg_tool("pg_dump")
            manifest["software"]["pg_dump"] = run_tool([pg_dump, "--version"], os.environ.copy()).strip()
            run_tool(
                [pg_dump, "--format=custom", "--no-owner", "--no-privileges", f"--file={out / PG_DUMP_FILE}"],
                libpq_env(db),
            )
            dump = out / PG_DUMP_FILE
        else:
            dump = out / SQLITE_FILE
            copy_sqlite(db["NAME"], dump)
        dump.chmod(0o600)

        for alias, storage in local_storages().items():
            if isinstance(storage, str):
                manifest["storages"][alias] = {"backend": storage, "included": False}
                self.stderr.write(
                    self.style.WARNING(
                        f"Storage {alias!r} ({storage}) is not on local disk and is NOT in this backup; "
                        "back it up where it lives (e.g. bucket versioning)."
                    )
                )
                continue
            root = Path(storage.location)
            archive = out / STORAGE_ARCHIVES[alias]
            count = 0
            with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
                if root.is_dir():
                    for path in sorted(root.rglob("*")):
                        tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
                        count += path.is_file()
            archive.chmod(0o600)
            manifest["storages"][alias] = {
                "included": True,
                "archive": archive.name,
                "root": str(root),
                "file_count": count,
            }

        for path in sorted(out.iterdir()):
            manifest["files"][path.name] = {"size": path.stat().st_size, "sha256": sha256_of(path)}
        manifest_path = out / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        manifest_path.chmod(0o600)
        return manifest


def _migration_summary(connection) -> dict[str, Any]:
    """The latest applied migration per app, and what this code would still apply to the database."""
    recorder = MigrationRecorder(connection)
    latest: dict[str, dict[str, Any]] = {}
    if recorder.has_table():
        for app, name in recorder.migration_qs.order_by("applied", "id").values_list("app", "name"):
            entry = latest.setdefault(app, {"latest": name, "count": 0})
            entry["latest"] = name
            entry["count"] += 1
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {
        "applied": dict(sorted(latest.items())),
        "pending_in_this_code": [f"{m.app_label}.{m.name}" for m, _ in plan],
    }


def _git_commit() -> str:
    git = shutil.which("git")
    if git is None:
        return ""
    try:
        result = subprocess.run(  # noqa: S603 - git from PATH with constant arguments, no shell
            [git, "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""
