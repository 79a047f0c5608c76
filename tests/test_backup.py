"""`make backup` / `make restore` (core/management/commands/backup_db.py, restore_db.py) on real PostgreSQL:
a backup of the test database restored into a brand-new database still holds the rows and the
uploaded files; a backup that does not match its manifest, or a target that already has data, is refused.
"""

from __future__ import annotations

import io
import json
import stat
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings

from campaigns.demo import DEMO_SLUG
from campaigns.models import Campaign

PRIVATE_BYTES = b"%PDF-1.4 \xe5\x96\xb6\xe6\xa5\xad\xe8\xa8\xb1\xe5\x8f\xaf\xe8\xa8\xbc test document"


def _connect_kwargs(dbname: str) -> dict:
    db = connection.settings_dict
    kwargs = {"dbname": dbname, "host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"]}
    return {k: v for k, v in {**kwargs, "password": db["PASSWORD"] or None}.items() if v is not None}


def _url(dbname: str) -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{dbname}"


@pytest.fixture
def fresh_database():
    """An empty database with a unique name, dropped afterwards."""
    name = f"restore_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**_connect_kwargs("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(**_connect_kwargs("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _storages_at(tmp: Path) -> dict:
    """STORAGES with both file roots under tmp: where a restore on another machine would unpack."""
    return {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp / "media")},
        },
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp / "private"), "base_url": None},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _restore(source: Path, **options) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("restore_db", str(source), yes=True, stdout=out, stderr=err, **options)
    return out.getvalue() + err.getvalue()


@pytest.mark.django_db
def test_backup_restores_into_a_new_database_with_rows_and_files(tmp_path, fresh_database, monkeypatch):
    # pg_dump runs in its own session and sees only committed rows: the demo round seeded (and
    # committed) once per test run. A transactional test would flush the migrations' data (roles,
    # taxonomy) that later transactional tests of other apps need.
    campaign = Campaign.objects.get(slug=DEMO_SLUG)
    private_name = storages["private"].save("participants/documents/permit.pdf", ContentFile(PRIVATE_BYTES))
    public_name = default_storage.save("banners/backup-check.txt", ContentFile(b"public banner"))

    backup = tmp_path / "backup"
    call_command("backup_db", output=str(backup), stdout=io.StringIO())

    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert {p.name for p in backup.iterdir()} == {
        "db.dump",
        "media.tar.gz",
        "private.tar.gz",
        "manifest.json",
    }
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in backup.iterdir())
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["name"] == connection.settings_dict["NAME"]  # test_<name>
    assert "password" not in {key.lower() for key in manifest["database"]}
    assert manifest["migrations"]["applied"]["campaigns"]["count"] >= 1
    assert manifest["migrations"]["pending_in_this_code"] == []
    assert set(manifest["files"]) == {"db.dump", "media.tar.gz", "private.tar.gz"}
    assert manifest["storages"]["private"]["file_count"] >= 1
    assert (backup / "db.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    monkeypatch.setenv("TARGET_DATABASE_URL", _url(fresh_database))
    elsewhere = tmp_path / "elsewhere"
    with override_settings(STORAGES=_storages_at(elsewhere)):
        report = _restore(backup, force=False)
        assert "all match" in report
        assert "matches this code" in report  # the migration check after the restore

        with psycopg.connect(**_connect_kwargs(fresh_database)) as restored:
            row = restored.execute(
                "SELECT id, name FROM campaigns_campaign WHERE slug = %s", [DEMO_SLUG]
            ).fetchone()
        assert row == (campaign.pk, campaign.name)
        assert (elsewhere / "private" / private_name).read_bytes() == PRIVATE_BYTES
        assert (elsewhere / "media" / public_name).read_bytes() == b"public banner"

        # Restoring again would overwrite: refused without FORCE, done with it.
        with pytest.raises(CommandError, match="Refusing to overwrite existing data") as refused:
            _restore(backup, force=False)
        assert "tables" in str(refused.value) and "private root" in str(refused.value)
        assert "all match" in _restore(backup, force=True)

    with psycopg.connect(**_connect_kwargs(fresh_database)) as restored:
        assert restored.execute(
            "SELECT count(*) FROM campaigns_campaign WHERE slug = %s", [DEMO_SLUG]
        ).fetchone() == (1,)


@pytest.mark.django_db
def test_restore_refuses_a_backup_that_does_not_match_its_manifest(tmp_path, fresh_database, monkeypatch):
    backup = tmp_path / "backup"
    call_command("backup_db", output=str(backup), stdout=io.StringIO())
    monkeypatch.setenv("TARGET_DATABASE_URL", _url(fresh_database))

    dump = backup / "db.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one byte changed
    dump.write_bytes(bytes(data))
    with override_settings(STORAGES=_storages_at(tmp_path / "elsewhere")):
        with pytest.raises(CommandError, match=r"does not match its manifest[\s\S]*db\.dump"):
            _restore(backup, force=True)
        (backup / "manifest.json").unlink()
        with pytest.raises(CommandError, match=r"manifest\.json not found"):
            _restore(backup, force=True)

    with psycopg.connect(**_connect_kwargs(fresh_database)) as target:  # nothing was restored
        tables = target.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
    assert tables == (0,)
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.django_db
def test_backup_refuses_a_directory_that_already_holds_files(tmp_path):
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(CommandError, match="not an empty directory"):
        call_command("backup_db", output=str(tmp_path), stdout=io.StringIO())
    assert (tmp_path / "old.txt").read_text() == "keep me"
