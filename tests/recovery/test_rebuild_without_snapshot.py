"""`link` and `run` carry on when the published snapshot (which linkage reads for stable ids) is damaged
or gone: one warning line, and a new snapshot is published."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cli_runner import run_cli

from safeguarding.config import Settings
from safeguarding.snapshot import store


@pytest.fixture
def data(pipeline_settings: Settings, tmp_path: Path) -> Path:
    """A copy of a data folder where the whole pipeline has run once."""
    copy = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, copy)
    return copy


def _person_ids(data: Path) -> dict[tuple[str, str], str]:
    table = pq.read_table(data / "stages" / "linkage" / "mentions.parquet")
    return {
        (r["source_system"], r["person_ref"]): r["person_id"]
        for r in table.select(["source_system", "person_ref", "person_id"]).to_pylist()
    }


@pytest.mark.slow
def test_run_rebuilds_when_the_only_snapshot_is_damaged(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    published = store.current(data / "snapshots").path
    for other in (data / "snapshots").glob("snapshot-*"):
        if not other.name.startswith(published.name):
            other.unlink()  # the only snapshot: other tests may have published more into the shared folder
    damaged = bytearray(published.read_bytes())
    middle = len(damaged) // 2
    damaged[middle : middle + 4096] = bytes(b ^ 0xFF for b in damaged[middle : middle + 4096])
    published.write_bytes(bytes(damaged))
    code, _out, err = run_cli(["run"], data, capsys, monkeypatch)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, err
    assert published.name in warnings[0] and "person ids will not carry over" in warnings[0]
    assert "Traceback" not in err
    assert store.current(data / "snapshots").path != published


@pytest.mark.slow
def test_link_without_current_keeps_person_ids_from_the_newest_good_snapshot(
    data: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _person_ids(data)
    (data / "snapshots" / "CURRENT").unlink()
    code, _out, err = run_cli(["link"], data, capsys, monkeypatch)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "CURRENT is missing" in warnings[0] and "carried over from" in warnings[0]
    assert _person_ids(data) == before
