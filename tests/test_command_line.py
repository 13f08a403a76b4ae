from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

COMMANDS = ["synth", "ingest", "link", "assess", "run", "loads", "quarantine", "contract"]


def cli(*args: str, data_dir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data_dir), "SAFEGUARDING_QUIET": "1"}
    return subprocess.run(
        [sys.executable, "-m", "safeguarding.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, tmp_path: Path) -> None:
    result = cli(command, "--help", data_dir=tmp_path)
    assert result.returncode == 0
    assert "Usage:" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["synth", "--out", "x", "--scale", "huge"],
        ["synth", "--out", "x", "--bogus"],
        ["synth", "--out", "x", "--years", "0"],
        ["ingest"],
        ["synth", "--out", "x", "--start", "2023-02-30"],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    result = cli(*args, data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_bad_environment_is_exit_2(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, "-m", "safeguarding.cli", "loads"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "SAFEGUARDING_ENGINE": "oracle"},
    )
    assert env_run.returncode == 2 and "engine must be one of" in env_run.stderr


def test_unloadable_file_exits_1_naming_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "missing_episodes-2024-01.csv"
    bad.write_text("source_system,episode_ref\ncompact,ME1\n")
    result = cli("ingest", str(bad), "--json", data_dir=tmp_path / "data")
    assert result.returncode == 1
    assert f"{bad}: line 1, field 'person_ref'" in result.stderr
    assert "nothing was loaded" in result.stderr
    loads = json.loads(cli("loads", "--json", data_dir=tmp_path / "data").stdout)
    assert [m["status"] for m in loads] == ["refused"] and loads[0]["rows_loaded"] == 0


def test_whole_flow_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli("synth", "--out", str(tmp_path / "force"), "--seed", "11", data_dir=data).returncode == 0
    exports = tmp_path / "force" / "exports"
    # A few bad rows: the file still loads (exit 0) and those rows are quarantined.
    with (exports / "missing_episodes-2023-05.csv").open("a", encoding="utf-8") as fh:
        fh.write("compact,MEBAD1,CM0000001,not a time,,,,,,,,,,,,,,,\n")
    ingest = cli("ingest", str(exports), "--json", data_dir=data)
    assert ingest.returncode == 0, ingest.stderr
    counts = json.loads(ingest.stdout)
    for key in ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "files_skipped", "load_id"):
        assert key in counts
    assert counts["rows_quarantined"] == 1
    assert counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"] + counts["rows_duplicate"]
    shown = cli("quarantine", "show", counts["load_id"], data_dir=data)
    assert "missing_episodes-2023-05.csv:" in shown.stdout and "reported_at" in shown.stdout
    again = cli("ingest", str(exports), "--json", data_dir=data)
    assert json.loads(again.stdout)["rows_loaded"] == 0
    run = cli("run", data_dir=data)
    assert run.returncode == 0, run.stderr
    assert "alerts" in run.stdout
    loads = cli("loads", "--json", data_dir=data)
    assert len(json.loads(loads.stdout)) == 1
