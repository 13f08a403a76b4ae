from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "linkage"


def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data_dir), "SAFEGUARDING_QUIET": "1"}
    return subprocess.run([sys.executable, "-m", "safeguarding.cli", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=300)  # fmt: skip


def test_link_reports_comparisons_and_evaluate_scores_it(tiny_force: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli("ingest", str(tiny_force / "exports"), data_dir=data).returncode == 0
    linked = cli("link", "--json", data_dir=data)
    assert linked.returncode == 0, linked.stderr
    summary = json.loads(linked.stdout)
    assert summary["trained"] and summary["comparisons"][0]["rule"] == "same date of birth and given-name initial"
    again = json.loads(cli("link", "--json", data_dir=data).stdout)
    assert not again["trained"] and again["model_version"] == summary["model_version"]
    retrained = json.loads(cli("link", "retrain", "--json", data_dir=data).stdout)
    assert retrained["trained"]
    scored = cli("link", "evaluate", "--truth", str(tiny_force / "truth" / "person_truth.csv"), "--json", data_dir=data)
    result = json.loads(scored.stdout)
    assert result["pairwise"]["f1"] > 0.95 and result["bcubed"]["f1"] > 0.95
    assert result["records"] == summary["mentions"]


def test_merge_needs_a_reason_and_two_mentions(tmp_path: Path) -> None:
    assert cli("link", "merge", "niche:A", "niche:A", "--reason", "x", data_dir=tmp_path).returncode == 2
    ok = cli("link", "merge", "niche:A", "niche:B", "--reason", "same child, confirmed by carer", data_dir=tmp_path)
    assert ok.returncode == 0 and "takes effect on the next" in ok.stdout
    listed = cli("link", "decisions", data_dir=tmp_path)
    assert "merge  niche:A  niche:B" in listed.stdout


@pytest.mark.skipif(not SHARED.exists(), reason=f"outside linkage data not found at {SHARED}")
def test_resolve_command_writes_every_row(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    done = cli("resolve", str(SHARED / "dataset1.csv"), "--id-column", "rec_id", "--columns",
               "first_name=given_name,surname=surname,dob=date_of_birth,postcode=postcode", "--out", str(out),
               data_dir=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "record_id,person_id" and len(lines) == 1001
    bad = cli("resolve", str(SHARED / "dataset1.csv"), "--id-column", "nope", "--columns", "surname=surname",
              "--out", str(out), data_dir=tmp_path)  # fmt: skip
    assert bad.returncode == 2 and "'nope', which is not a column" in bad.stderr
