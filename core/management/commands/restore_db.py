"""Restore a backup made by `backup_db` (`make restore FROM=var/backups/<stamp>`).

    TARGET_DATABASE_URL=postgres://... manage.py restore_db DIR [--force] [--yes]

Order of work, so that nothing is changed until everything has been checked:
1. every file's size and SHA-256 must match manifest.json (a damaged or altered backup is refused);
2. the target database (TARGET_DATABASE_URL, else the configured DATABASE_URL) must exist and have no
   tables, and the media roots must be empty, unless --force (FORCE=1);
3. on a terminal, the operator confirms unless --yes (YES=1);
4. pg_restore --no-owner --no-privileges --exit-on-error --single-transaction (with --force also
   --clean --if-exists); SQLite is copied back with the backup API;
5. the media tarballs are unpacked into the configured roots (files not in the backup are left alone);
6. the migration state is compared with this code: what `migrate` would still apply is printed.

The target URL is read from the environment rather than argv so its password stays out of `ps`.
"""

from __future__ import annotations

import json
import os
import sys
import tarfile
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import OperationalError

from ._backup import (
    MANIFEST,
    MANIFEST_FORMAT,
    PG_DUMP_FILE,
    SQLITE_FILE,
    STORAGE_ARCHIVES,
    copy_sqlite,
    describe,
    extra_connection,
    libpq_env,
    local_storages,
    pg_tool,
    run_tool,
    sha256_of,
    truthy,
)


class Command(BaseCommand):
    help = "Verify and restore a backup directory made by backup_db into a database and the media roots."

    def add_arguments(self, parser):
        parser.add_argument("source", help="Backup directory (var/backups/<stamp>) holding manifest.json.")
        parser.add_argument(
            "--force",
            action="store_true",
            default=truthy(os.environ.get("FORCE")),
            help="Overwrite a database that has tables and unpack over non-empty media roots (FORCE=1).",
        )
        parser.add_argument(
            "--yes",
            action="store_true",
            default=truthy(os.environ.get("YES")),
            help="Do not ask for confirmation on a terminal (YES=1).",
        )

    def handle(self, *args: Any, source: str, force: bool, yes: bool, **options: Any) -> None:
        target_url = os.environ.get("TARGET_DATABASE_URL")
        src = Path(source)
        manifest = self._verified_manifest(src)

        if target_url:
            target_settings = dj_database_url.parse(target_url)
        else:
            target_settings = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
        vendor = manifest["database"]["vendor"]
        try:
            with extra_connection(target_settings) as target:
                if target.vendor != vendor:
                    raise CommandError(
                        f"The backup holds a {vendor} database; the target is {target.vendor}. "
                        "Restore into the same kind of database."
                    )
                target_db = dict(target.settings_dict)
                tables = self._tables(target)
        except OperationalError as exc:
            raise CommandError(
                f"Cannot open the target database {target_settings.get('NAME')!r}: {str(exc).strip()}\n"
                "Create it first (e.g. createdb) and check TARGET_DATABASE_URL."
            ) from exc
        where = describe(target_db, vendor)

        busy: list[str] = []
        if tables:
            busy.append(f"{where} has {len(tables)} tables")
        roots = self._storage_roots(manifest)
        busy += [f"{alias} root {root} is not empty" for alias, root in roots.items() if _non_empty(root)]
        if busy and not force:
            raise CommandError(
                f"Refusing to overwrite existing data: {'; '.join(busy)}. Use FORCE=1 (--force) to do it."
            )

        self.stdout.write(
            f"Backup of {manifest['created_at']} ({manifest['database']['name']}, "
            f"commit {manifest['software'].get('git_commit') or 'unknown'}) -> {where}"
            + "".join(f"\n  {alias} files -> {root}" for alias, root in roots.items())
        )
        if not yes and sys.stdin.isatty():
            warning = "EXISTING DATA WILL BE OVERWRITTEN. " if busy else ""
            answer = input(f"Restore now? {warning}[y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                raise CommandError("Restore cancelled; nothing was changed.")

        if vendor == "postgresql":
            argv = [pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
            argv += ["--single-transaction", *(["--clean", "--if-exists"] if force else [])]
            argv += [f"--dbname={target_db['NAME']}", str(src / PG_DUMP_FILE)]
            run_tool(argv, libpq_env(target_db))
        else:
            self._restore_sqlite(src / SQLITE_FILE, Path(target_db["NAME"]))
        self.stdout.write(self.style.SUCCESS(f"Database restored into {where}."))

        for alias, root in roots.items():
            root.mkdir(parents=True, exist_ok=True)
            with tarfile.open(src / STORAGE_ARCHIVES[alias], "r:gz") as tar:
                tar.extractall(root, filter="data")
            self.stdout.write(self.style.SUCCESS(f"{alias} files restored into {root}."))
        for alias, info in manifest["storages"].items():
            if not info.get("included"):
                self.stderr.write(
                    self.style.WARNING(f"Storage {alias!r} ({info.get('backend')}) is not in the backup.")
                )

        self._report_migrations(target_settings)

    def _verified_manifest(self, src: Path) -> dict[str, Any]:
        try:
            manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(
                f"{src / MANIFEST} not found: not a backup directory, or an unfinished one."
            ) from exc
        except ValueError as exc:
            raise CommandError(f"{src / MANIFEST} is not valid JSON: {exc}") from exc
        if manifest.get("format") != MANIFEST_FORMAT:
            raise CommandError(f"Unknown manifest format {manifest.get('format')!r}.")
        needed = {PG_DUMP_FILE if manifest["database"]["vendor"] == "postgresql" else SQLITE_FILE}
        needed |= {info["archive"] for info in manifest["storages"].values() if info.get("included")}
        if missing := needed - set(manifest["files"]):
            raise CommandError(f"The manifest does not list {', '.join(sorted(missing))}; refusing.")
        bad = []
        for name, expected in manifest["files"].items():
            path = src / name
            if Path(name).name != name or not path.is_file():
                bad.append(f"{name}: missing")
            elif path.stat().st_size != expected["size"] or sha256_of(path) != expected["sha256"]:
                bad.append(f"{name}: size or SHA-256 differs from the manifest")
        if bad:
            raise CommandError("The backup does not match its manifest; refusing:\n  " + "\n  ".join(bad))
        self.stdout.write(f"Checked {len(manifest['files'])} files against {src / MANIFEST}: all match.")
        return manifest

    def _tables(self, target) -> list[str]:
        if target.vendor == "sqlite" and not Path(target.settings_dict["NAME"]).exists():
            return []  # connecting would create it; the restore does that
        with target.cursor() as cursor:
            return target.introspection.table_names(cursor)

    def _storage_roots(self, manifest: dict[str, Any]) -> dict[str, Path]:
        here = local_storages()
        roots = {}
        for alias, info in manifest["storages"].items():
            if not info.get("included"):
                continue
            storage = here.get(alias)
            if storage is None or isinstance(storage, str):
                raise CommandError(
                    f"The backup holds files of storage {alias!r}, which is not on local disk here "
                    f"({storage or 'not configured'}); unpack {info['archive']} where it belongs by hand."
                )
            roots[alias] = Path(storage.location)
        return roots

    def _restore_sqlite(self, backup: Path, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        connections.close_all()
        copy_sqlite(backup, target)

    def _report_migrations(self, target_settings: dict[str, Any]) -> None:
        """What `manage.py migrate --check` would say about the restored database, without a second
        process: migrations this code would apply, and applied ones this code does not know."""
        with extra_connection(target_settings) as target:
            executor = MigrationExecutor(target)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            unknown = sorted(set(executor.loader.applied_migrations) - set(executor.loader.disk_migrations))
        if unknown:
            self.stderr.write(
                self.style.WARNING(
                    "The backup has migrations this code does not have (check out the backup's commit): "
                    + ", ".join(f"{app}.{name}" for app, name in unknown)
                )
            )
        if plan:
            self.stderr.write(
                self.style.WARNING(
                    f"{len(plan)} migration(s) pending; run `manage.py migrate` against the target:\n  "
                    + "\n  ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:20])
                    + (f"\n  … and {len(plan) - 20} more" if len(plan) > 20 else "")
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS("Migrations: the restored database matches this code."))


def _non_empty(root: Path) -> bool:
    return root.is_dir() and any(root.iterdir())
