"""The linkage stage killed (SIGKILL, at kill points of its own) at every step of its commit: the next run
finds the last complete run, and the history holds each committed run's changes exactly once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from cli_runner import run_cli

from safeguarding.config import Settings
from safeguarding.recovery import linkage_stage
from safeguarding.recovery.faults import KILL_AT

POINTS = [
    "link:written",
    "link:replaced:link_pairs.parquet",
    "link:replaced:run.json",
    "link:replaced:mentions.parquet",
    "link:history-started",
]

COMMIT_SCRIPT = """
import json, sys
from pathlib import Path
import pyarrow as pa
from safeguarding.recovery import linkage_stage
out, n = Path(sys.argv[1]), int(sys.argv[2])
changes = [{"kind": "split", "person_id": f"P-{n}-{i}"} for i in range(n)]
linkage_stage.commit(
    out,
    mentions=pa.table({"person_id": [f"P-{n}"]}),
    pairs=pa.table({"mention_l": ["a"], "mention_r": ["b"]}),
    run={"at": "2026-12-08T00:00:00+00:00", "model_version": f"M{n}", "changes": changes},
)
"""


def _commit(out: Path, n: int) -> dict[str, object]:
    changes = [{"kind": "split", "person_id": f"P-{n}-{i}"} for i in range(n)]
    return linkage_stage.commit(
        out,
        mentions=pa.table({"person_id": [f"P-{n}"]}),
        pairs=pa.table({"mention_l": ["a"], "mention_r": ["b"]}),
        run={"at": "2026-12-08T00:00:00+00:00", "model_version": f"M{n}", "changes": changes},
    )


def _history(out: Path) -> list[str]:
    return [json.loads(line)["person_id"] for line in (out / "changes.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("point", POINTS)
def test_a_kill_at_any_step_leaves_one_complete_run_and_history_once(tmp_path: Path, point: str) -> None:
    out = tmp_path / "stages" / "linkage"
    _commit(out, 2)
    killed = subprocess.run(
        [sys.executable, "-c", COMMIT_SCRIPT, str(out), "3"],
        env={**os.environ, KILL_AT: point}, capture_output=True, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()
    second_committed = point in ("link:replaced:mentions.parquet", "link:history-started")
    if point == "link:written":
        assert list(out.glob("*.tmp")), "the kill came after the temporary files were written"
    # The next run repairs first, then commits its own.
    _commit(out, 1)
    expected = ["P-2-0", "P-2-1"] + (["P-3-0", "P-3-1", "P-3-2"] if second_committed else []) + ["P-1-0"]
    assert _history(out) == expected
    run = json.loads((out / "run.json").read_text())
    committed = linkage_stage.committed_run(out)
    assert committed is not None and run["run_id"] == committed["run_id"] and run["model_version"] == "M1"
    assert not list(out.glob("*.tmp"))


@pytest.mark.parametrize("point", ["link:replaced:run.json", "link:replaced:mentions.parquet"])
def test_a_kill_between_renames_is_repaired_before_assess_reads_the_stage(tmp_path: Path, point: str) -> None:
    out = tmp_path / "linkage"
    _commit(out, 2)
    killed = subprocess.run(
        [sys.executable, "-c", COMMIT_SCRIPT, str(out), "3"], env={**os.environ, KILL_AT: point}, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    run = linkage_stage.check(out)
    committed = linkage_stage.committed_run(out)
    assert committed is not None and run["run_id"] == committed["run_id"]
    assert run["model_version"] == ("M3" if point.endswith("mentions.parquet") else "M2")


def test_a_torn_history_line_is_rewritten_once(tmp_path: Path) -> None:
    out = tmp_path / "linkage"
    _commit(out, 2)
    history = out / "changes.jsonl"
    history.write_text(history.read_text() + history.read_text()[:10])  # a line cut short by a kill
    linkage_stage.reconcile(out)
    assert _history(out) == ["P-2-0", "P-2-1"]


def test_a_damaged_run_file_is_named_with_what_to_do(tmp_path: Path) -> None:
    out = tmp_path / "stages" / "linkage"
    _commit(out, 0)
    mentions = out / "mentions.parquet"
    mentions.write_bytes(mentions.read_bytes()[:100])
    with pytest.raises(Exception, match=r"mentions\.parquet: the file is damaged .*safeguarding link"):
        linkage_stage.check(out)


@pytest.mark.slow
def test_link_killed_after_its_commit_then_run_again_keeps_one_history(
    pipeline_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, data)
    stage = data / "stages" / "linkage"
    before = linkage_stage.committed_run(stage)
    killed = subprocess.run(
        [sys.executable, "-m", "safeguarding.cli", "link"],
        env={**os.environ, "SAFEGUARDING_DATA_DIR": str(data), KILL_AT: "link:replaced:run.json"},
        capture_output=True, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert linkage_stage.committed_run(stage) == before  # the mentions file was not replaced
    code, _out, err = run_cli(["run"], data, capsys, monkeypatch)
    assert code == 0, err
    after = linkage_stage.committed_run(stage)
    assert after is not None and before is not None and after["run_id"] != before["run_id"]
    run = json.loads((stage / "run.json").read_text())
    assert run["run_id"] == after["run_id"]
    lines = (stage / "changes.jsonl").read_text().splitlines() if (stage / "changes.jsonl").exists() else []
    assert len(lines) == len(set(lines))
    assert {json.loads(line)["run_id"] for line in lines} <= {before["run_id"], after["run_id"]}
