"""Damaged files in the data folder: one message naming the file and what to do, exit 1, no traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from cli_runner import run_cli

from safeguarding.config import Settings


@pytest.fixture
def data(pipeline_settings: Settings, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, copy)
    return copy


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])


def _one_error(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("target", "command", "advice"),
    [
        (lambda d: sorted((d / "lake" / "_loads").glob("*.json"))[0], ["link"], "safeguarding restore"),
        (lambda d: sorted((d / "lake" / "persons").rglob("*.parquet"))[0], ["link"], "safeguarding restore"),
        (lambda d: d / "models" / "linkage-model.json", ["link"], "safeguarding link --retrain"),
        (lambda d: d / "stages" / "linkage" / "mentions.parquet", ["assess"], "safeguarding link"),
    ],
    ids=["load-manifest", "lake-partition", "linkage-model", "stage-mentions"],
)
def test_a_damaged_file_is_named_with_what_to_do(
    data: Path, target, command: list[str], advice: str,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    path = target(data)
    _truncate(path)
    code, _out, err = run_cli(command, data, capsys, monkeypatch)
    assert code == 1
    line = _one_error(err)
    assert str(path) in line and "damaged" in line and advice in line


def test_a_damaged_app_database_is_named(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app_db = data / "app.sqlite3"
    for extra in (data / "app.sqlite3-wal", data / "app.sqlite3-shm"):
        extra.unlink(missing_ok=True)
    app_db.write_bytes(b"this is not a database" * 200)
    code, _out, err = run_cli(["audit", "verify"], data, capsys, monkeypatch)
    assert code == 1
    line = _one_error(err)
    assert str(app_db.resolve()) in line and "damaged" in line and "safeguarding restore" in line


def test_a_damaged_run_file_is_rebuilt_from_the_committed_mentions(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run_file = data / "stages" / "linkage" / "run.json"
    good = json.loads(run_file.read_text())
    _truncate(run_file)
    code, _out, err = run_cli(["assess"], data, capsys, monkeypatch)
    assert code == 0, err
    assert json.loads(run_file.read_text()) == good
