"""A full disk: one message naming the file and what to do, exit 1, no traceback; the next run, with space
again, removes the leftovers and finishes without loading anything twice.

The real variant runs the pipeline on a tmpfs of a few MB that it mounts itself (root only; it skips
cleanly where mounting is not allowed). The monkeypatched variants raise ENOSPC at the write points
and always run.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from cli_runner import run_cli
from sqlalchemy.exc import OperationalError

from safeguarding.config import Settings
from safeguarding.lake.store import Lake
from safeguarding.recovery import linkage_stage
from safeguarding.snapshot import store


def _enospc(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _leftovers(data: Path) -> list[Path]:
    found = [p for p in data.rglob("*") if p.name.endswith((".partial", ".tmp", ".partial.wal"))]
    found += [p for p in (data / "lake" / "_staging").glob("*")] if (data / "lake" / "_staging").exists() else []
    found += [p for p in (data / "snapshots").glob(".CURRENT.*")] if (data / "snapshots").exists() else []
    return found


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of 1 MB mounted for this test (grow it with ``_resize``)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _resize(mount: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)


@pytest.mark.slow
@pytest.mark.parametrize("size", ["1m", "8m"], ids=["full-at-ingest", "full-at-snapshot"])
def test_run_on_a_full_disk_then_again_with_space(
    small_disk: Path, size: str, tiny_force: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _resize(small_disk, size)
    data = small_disk / "data"
    code, _out, err = run_cli(["run", str(tiny_force / "exports")], data, capsys, monkeypatch)
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    assert "the disk is full" in lines[0] and str(data) in lines[0] and "Free some space" in lines[0]
    assert "Traceback" not in err
    _resize(small_disk, "64m")
    code, _out, err = run_cli(["run", str(tiny_force / "exports")], data, capsys, monkeypatch)
    assert code == 0, err
    assert not _leftovers(data)
    lake = Lake(data / "lake")
    assert len(lake.committed_load_ids()) == 1  # the export was not loaded twice
    assert store.current(data / "snapshots").path.exists()


@pytest.fixture
def data(pipeline_settings: Settings, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, copy)
    return copy


@pytest.mark.slow
def test_disk_full_writing_the_linkage_stage(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stage = data / "stages" / "linkage"
    before = linkage_stage.committed_run(stage)
    monkeypatch.setattr(linkage_stage.pq, "write_table", _enospc)
    code, _out, err = run_cli(["link"], data, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err
    assert f"error: {stage / 'link_pairs.parquet.tmp'}: the disk is full" in err
    assert linkage_stage.committed_run(stage) == before
    assert not list(stage.glob("*.tmp"))


def test_disk_full_building_the_snapshot(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = store.current(data / "snapshots").path

    def full(path: Path) -> duckdb.DuckDBPyConnection:
        path.write_bytes(b"half a snapshot")
        raise duckdb.IOException(f'IO Error: Could not write file "{path}": No space left on device')

    monkeypatch.setattr(store, "create_empty", full)
    code, _out, err = run_cli(["assess"], data, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err
    assert ".duckdb.partial: the disk is full" in err and str(data / "snapshots") in err
    assert store.current(data / "snapshots").path == published
    assert not list((data / "snapshots").glob("*.partial*"))


def test_disk_full_writing_the_app_database(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding.security import audit

    def full(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("INSERT INTO audit_log ...", {}, Exception("database or disk is full"))

    monkeypatch.setattr(audit, "append", full)
    code, _out, err = run_cli(["users", "add", "bob", "--role", "analyst", "--name", "Bob"], data, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err, err
    assert f"error: {(data / 'app.sqlite3').resolve()}: the disk is full" in err


def test_disk_full_committing_a_load(
    data: Path, tiny_force: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    extra = data.parent / "extra"
    extra.mkdir()
    source = sorted((tiny_force / "exports").glob("missing_episodes-*"))[0]
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    (extra / source.name).write_text(lines[0] + "".join(lines[1:3]).replace(",", ",X", 1), encoding="utf-8")
    loads_before = Lake(data / "lake").committed_load_ids()
    monkeypatch.setattr(Lake, "commit", _enospc)
    code, _out, err = run_cli(["ingest", str(extra)], data, capsys, monkeypatch)
    assert code == 1 and "Traceback" not in err
    assert f"error: {data}: the disk is full" in err
    monkeypatch.undo()
    assert Lake(data / "lake").committed_load_ids() == loads_before
