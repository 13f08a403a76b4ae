"""Each load's extract time (lake/extract_time.py): given, from an export manifest, or by default the latest
time any record of the load was known; the assessment's moment is the latest of them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from safeguarding import pipeline
from safeguarding.config import Settings
from safeguarding.lake.extract_time import (
    ExtractTimeError,
    extract_time,
    from_export_manifest,
    latest_extract_time,
    parse_time,
)
from safeguarding.lake.store import Lake

HEADER = (
    "source_system,episode_ref,person_ref,reported_at,last_seen_at,missing_from,risk_grade,graded_by,graded_at,"
    "ratified_by,ratified_at,found_at,found_location,found_location_ref,found_postcode,rhi_offered,rhi_done_at,"
    "rhi_declined_reason,narrative,recorded_by"
)


def _episodes(folder: Path, *rows: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "missing_episodes-2024-05.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _row(ref: str, reported: str, found: str = "", rhi: str = "") -> str:
    cols = HEADER.split(",")
    values = dict.fromkeys(cols, "")
    values.update(source_system="niche", episode_ref=ref, person_ref="P1", reported_at=reported, risk_grade="medium",
                  found_at=found, rhi_done_at=rhi)  # fmt: skip
    return ",".join(values[c] for c in cols)


def test_default_is_the_latest_time_any_record_was_known_not_the_latest_report(lake_settings: Settings) -> None:
    # Reported at 01:00, found at 09:00, interviewed at 15:00: the extract knew 15:00.
    exports = _episodes(
        lake_settings.data_dir.parent / "in",
        _row("E1", "2024-05-01T01:00:00+00:00", "2024-05-01T09:00:00+00:00", "2024-05-01T15:00:00+00:00"),
    )
    result = pipeline.run_ingest(lake_settings, [exports])
    assert result.status == "loaded" and result.load_id
    manifest = Lake(lake_settings.lake_dir).manifest(result.load_id)
    assert manifest["extract_time"] == "2024-05-01T15:00:00+00:00"
    assert manifest["extract_time_source"] == "records"
    assert latest_extract_time(Lake(lake_settings.lake_dir)) == datetime(2024, 5, 1, 15, tzinfo=UTC)


def test_a_given_extract_time_is_stamped_and_the_latest_load_sets_the_moment(lake_settings: Settings) -> None:
    first = _episodes(lake_settings.data_dir.parent / "a", _row("E1", "2024-05-01T01:00:00+00:00"))
    second = _episodes(lake_settings.data_dir.parent / "b", _row("E2", "2024-05-02T01:00:00+00:00"))
    pipeline.run_ingest(lake_settings, [first], extract_time=datetime(2024, 5, 3, 6, tzinfo=UTC))
    pipeline.run_ingest(lake_settings, [second], extract_time=datetime(2024, 5, 2, 6, tzinfo=UTC))
    lake = Lake(lake_settings.lake_dir)
    assert [m["extract_time_source"] for m in lake.manifests()] == ["--extract-time", "--extract-time"]
    assert latest_extract_time(lake) == datetime(2024, 5, 3, 6, tzinfo=UTC)


def test_a_record_dated_after_the_load_ran_does_not_move_the_default_past_the_load(lake_settings: Settings) -> None:
    exports = _episodes(lake_settings.data_dir.parent / "in", _row("E1", "2024-05-01T01:00:00+00:00"))
    result = pipeline.run_ingest(lake_settings, [exports])
    assert result.load_id
    lake = Lake(lake_settings.lake_dir)
    manifest = lake.manifest(result.load_id)
    del manifest["extract_time"]  # a manifest from before extract times: worked out when read
    manifest["finished_at"] = "2024-05-01T00:30:00+00:00"  # the load "ran" before its record's time
    assert extract_time(lake, manifest) == datetime(2024, 5, 1, 0, 30, tzinfo=UTC)


def test_export_manifest_field(tmp_path: Path) -> None:
    (tmp_path / "extract-manifest.json").write_text(json.dumps({"extract_time": "2026-11-27T06:00:00Z"}))
    assert from_export_manifest([tmp_path]) == datetime(2026, 11, 27, 6, tzinfo=UTC)
    assert from_export_manifest([tmp_path / "nothing-here"]) is None
    (tmp_path / "extract-manifest.json").write_text(json.dumps({"extracted": "2026-11-27"}))
    with pytest.raises(ExtractTimeError, match=r"extract-manifest\.json: field .extract_time. is missing"):
        from_export_manifest([tmp_path])


@pytest.mark.parametrize(
    ("text", "message"),
    [("27/11/2026", "is not an ISO 8601 time"), ("2026-11-27T06:00:00", "has no UTC offset")],
)
def test_bad_extract_times_name_where_they_came_from(text: str, message: str) -> None:
    with pytest.raises(ExtractTimeError, match=f"--extract-time: '{text}' {message}"):
        parse_time(text, "--extract-time")


def test_cli_extract_time_refused_clearly_and_reported_in_json(lake_settings: Settings, tmp_path: Path) -> None:
    exports = _episodes(tmp_path / "in", _row("E1", "2024-05-01T01:00:00+00:00"))
    env = {"SAFEGUARDING_DATA_DIR": str(lake_settings.data_dir), "SAFEGUARDING_QUIET": "1", "PATH": "/usr/bin"}
    cmd = [sys.executable, "-m", "safeguarding.cli", "ingest", str(exports), "--json"]
    bad = subprocess.run([*cmd, "--extract-time", "yesterday"], capture_output=True, text=True, env=env)
    assert bad.returncode == 2
    assert "--extract-time: 'yesterday' is not an ISO 8601 time" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = subprocess.run([*cmd, "--extract-time", "2024-05-01T06:00:00+01:00"], capture_output=True, text=True,
                          env=env)  # fmt: skip
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["extract_time"] == "2024-05-01T05:00:00+00:00"
