"""`safeguarding backup` and `restore`: a data folder destroyed and restored serves the same pages and
passes `audit verify`; damaged backups and non-empty targets are refused; PostgreSQL round trip."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from cli_runner import run_cli

from safeguarding.config import Settings
from safeguarding.recovery import appdb
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.snapshot import store
from safeguarding.web import create_app
from web.portal_client import STRONG, Portal, TestClient

CSRF = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def _csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def _add_user(settings: Settings, username: str = "alice") -> str:
    factory = open_app_db(settings)
    try:
        _info, one_time = users.add_user(factory, username, ("analyst",), "Alice Analyst")
    finally:
        factory.kw["bind"].dispose()
    return one_time


def _pages(settings: Settings, password: str, first_time: bool) -> dict[str, str]:
    """The home page and the alerts queue as Alice sees them (CSRF tokens blanked)."""
    with TestClient(create_app(settings)) as client:
        portal = Portal(client=client, settings=settings, csrf_from=_csrf_from)
        if first_time:
            portal.sign_in_ready("alice", password)
        else:
            assert portal.login("alice", STRONG).status_code == 303
        pages = {path: client.get(path) for path in ("/home", "/alerts")}
    assert all(p.status_code == 200 for p in pages.values())
    return {path: CSRF.sub(r"\1-\2", p.text) for path, p in pages.items()}


@pytest.fixture
def settings_with_files(pipeline_settings: Settings, tmp_path: Path) -> Settings:
    """A copy of a pipeline-run data folder, with Gold Group evidence and a photograph in it."""
    data = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, data)
    settings = replace(pipeline_settings, data_dir=data)
    (data / "evidence").mkdir(exist_ok=True)
    (data / "evidence" / secrets.token_hex(16)).write_bytes(b"%PDF-1.4 action plan evidence")
    (data / "photos").mkdir(exist_ok=True)
    (data / "photos" / secrets.token_hex(16)).write_bytes(b"\x89PNG\r\n\x1a\n a child's photograph")
    return settings


def _contents(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and p.name != ".lock" and "app.sqlite3" not in p.name
    }


@pytest.mark.slow
def test_a_destroyed_data_folder_is_restored_and_serves_the_same_pages(
    settings_with_files: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_with_files
    data = settings.data_dir
    before_pages = _pages(settings, _add_user(settings), first_time=True)
    # A backup takes the published snapshot only (docs/deployment.md): older ones are not expected back.
    current = store.current(settings.snapshot_dir).path.name
    before_files = {
        k: v for k, v in _contents(data).items()
        if not (k.startswith("snapshots/snapshot-") and not k.startswith(f"snapshots/{current}"))
    }  # fmt: skip
    code, out, err = run_cli(["backup", str(tmp_path / "backup")], data, capsys, monkeypatch)
    assert code == 0, err
    manifest = json.loads((tmp_path / "backup" / "MANIFEST.json").read_text())
    assert manifest["snapshot"] == store.current(settings.snapshot_dir).path.name
    assert any(rel.startswith("data/evidence/") for rel in manifest["files"])
    assert any(rel.startswith("data/photos/") for rel in manifest["files"])
    assert "data/models/linkage-model.json" in manifest["files"]
    assert "data/stages/linkage/mentions.parquet" in manifest["files"]

    shutil.rmtree(data)  # the disaster
    code, out, err = run_cli(["restore", str(tmp_path / "backup")], data, capsys, monkeypatch)
    assert code == 0, err
    assert "audit chain intact" in out
    assert _contents(data) == before_files  # lake, CURRENT, snapshot, model, stage files, evidence, photo
    code, out, err = run_cli(["audit", "verify"], data, capsys, monkeypatch)
    assert code == 0 and out.startswith("OK:"), err
    assert _pages(settings, "", first_time=False) == before_pages


def test_a_restore_refuses_a_folder_that_is_not_empty_unless_forced(
    settings_with_files: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = settings_with_files.data_dir
    assert run_cli(["backup", str(tmp_path / "backup")], data, capsys, monkeypatch)[0] == 0
    code, _out, err = run_cli(["backup", str(tmp_path / "backup")], data, capsys, monkeypatch)
    assert code == 1 and "is not empty" in err
    code, _out, err = run_cli(["restore", str(tmp_path / "backup")], data, capsys, monkeypatch)
    assert code == 1 and "is not empty" in err and "--force" in err
    (data / "stray-file").write_text("made after the backup")
    code, _out, err = run_cli(["restore", "--force", str(tmp_path / "backup")], data, capsys, monkeypatch)
    assert code == 0, err
    assert not (data / "stray-file").exists()


@pytest.mark.parametrize("damage", ["flip", "delete"])
def test_a_damaged_backup_is_refused_before_anything_is_written(
    settings_with_files: Settings, tmp_path: Path, damage: str,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    backup = tmp_path / "backup"
    assert run_cli(["backup", str(backup)], settings_with_files.data_dir, capsys, monkeypatch)[0] == 0
    victim = sorted((backup / "data" / "lake").rglob("*.parquet"))[0]
    if damage == "flip":
        raw = bytearray(victim.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        victim.write_bytes(bytes(raw))
    else:
        victim.unlink()
    target = tmp_path / "new-data"
    code, _out, err = run_cli(["restore", str(backup)], target, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err
    assert "the backup in" in err and "is damaged" in err and str(victim.relative_to(backup)) in err
    assert not target.exists()


def test_a_backup_without_its_manifest_is_not_restored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "half" / "data").mkdir(parents=True)
    code, _out, err = run_cli(["restore", str(tmp_path / "half")], tmp_path / "data", capsys, monkeypatch)
    assert code == 1 and "never finished" in err


def test_a_manifest_naming_files_outside_the_backup_is_refused(
    settings_with_files: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup = tmp_path / "backup"
    assert run_cli(["backup", str(backup)], settings_with_files.data_dir, capsys, monkeypatch)[0] == 0
    manifest = json.loads((backup / "MANIFEST.json").read_text())
    manifest["files"]["data/../../escape"] = {"size": 1, "sha256": "0" * 64}
    (backup / "MANIFEST.json").write_text(json.dumps(manifest))
    code, _out, err = run_cli(["restore", str(backup)], tmp_path / "new", capsys, monkeypatch)
    assert code == 1 and "outside the backup" in err


@pytest.fixture
def pg_settings(settings_with_files: Settings, postgres_url: str) -> Iterator[Settings]:
    from safeguarding.pipeline import reconcile_audit

    appdb.clear(postgres_url)
    settings = replace(settings_with_files, database_url=postgres_url)
    # The data folder was made with a SQLite app database: its loads and link run are audited there. On
    # the new database they are gaps until a stage reconciles them, as the next ingest or link would.
    reconcile_audit(settings)
    yield settings
    appdb.clear(postgres_url)


@pytest.mark.postgres
@pytest.mark.slow
def test_a_postgresql_app_database_is_backed_up_and_restored(
    pg_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    settings = pg_settings
    monkeypatch.setenv("SAFEGUARDING_DATABASE_URL", settings.database_url)
    before_pages = _pages(settings, _add_user(settings), first_time=True)
    code, _out, err = run_cli(["backup", str(tmp_path / "backup")], settings.data_dir, capsys, monkeypatch)
    assert code == 0, err
    manifest = json.loads((tmp_path / "backup" / "MANIFEST.json").read_text())
    assert manifest["app_database"]["kind"] == "postgresql" and "app.pgdump" in manifest["files"]
    assert manifest["app_database"]["audit_last_id"] > 0

    shutil.rmtree(settings.data_dir)
    appdb.clear(settings.database_url)  # the database is lost too
    code, out, err = run_cli(["restore", str(tmp_path / "backup")], settings.data_dir, capsys, monkeypatch)
    assert code == 0, err
    code, out, err = run_cli(["audit", "verify"], settings.data_dir, capsys, monkeypatch)
    assert code == 0 and out.startswith("OK:"), err
    assert _pages(settings, "", first_time=False) == before_pages
    # A second restore onto the now non-empty database is refused.
    shutil.rmtree(settings.data_dir)
    code, _out, err = run_cli(["restore", str(tmp_path / "backup")], settings.data_dir, capsys, monkeypatch)
    assert code == 1 and "app database named by the settings is not empty" in err


def test_a_backup_onto_a_full_disk_names_the_file_and_the_next_one_starts_again(
    settings_with_files: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from safeguarding.recovery import hashing

    real = hashing.copy_hashed
    calls = {"n": 0}

    def full_after_three(source: Path, target: Path, advance=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 3:
            with hashing.writing(target):
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(source, target, advance)

    backup = tmp_path / "backup"
    monkeypatch.setattr("safeguarding.recovery.backup.copy_hashed", full_after_three)
    code, _out, err = run_cli(["backup", str(backup)], settings_with_files.data_dir, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err
    assert f"error: {backup / 'data'}" in err and "the disk is full" in err
    assert not (backup / "MANIFEST.json").exists()
    monkeypatch.setattr("safeguarding.recovery.backup.copy_hashed", real)
    code, _out, err = run_cli(["backup", str(backup)], settings_with_files.data_dir, capsys, monkeypatch)
    assert code == 0, err
    assert (backup / "MANIFEST.json").exists() and not (backup / ".backup-in-progress").exists()
