from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from safeguarding.config import Settings
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.ingest.loader import ingest
from safeguarding.lake.store import Lake
from safeguarding.synth.force import SynthOptions, generate


def _hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _rows(folder: Path, prefix: str) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob(f"{prefix}-*.csv")):
        with path.open(encoding="utf-8") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    for fmt in ("csv", "jsonl", "parquet"):
        generate(SynthOptions(seed=3, fmt=fmt), tmp_path / f"a-{fmt}")
        generate(SynthOptions(seed=3, fmt=fmt), tmp_path / f"b-{fmt}")
        assert _hashes(tmp_path / f"a-{fmt}") == _hashes(tmp_path / f"b-{fmt}")
    generate(SynthOptions(seed=4), tmp_path / "c")
    assert _hashes(tmp_path / "a-csv") != _hashes(tmp_path / "c")


def test_files_are_monthly_extracts_named_by_record_type(tiny_force: Path) -> None:
    names = sorted(p.name for p in (tiny_force / "exports").iterdir())
    assert "missing_episodes-2023-01.csv" in names
    assert "persons-2023-01.csv" in names
    assert all(n.split("-")[0] in RECORD_TYPES for n in names)
    assert {n.split("-")[0] for n in names} == set(RECORD_TYPES)


def test_every_mention_has_its_truth(tiny_force: Path) -> None:
    mentions = {(r["source_system"], r["person_ref"]) for r in _rows(tiny_force / "exports", "persons")}
    with (tiny_force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        truth = {(r["source_system"], r["person_ref"]) for r in csv.DictReader(fh)}
    assert mentions and mentions == truth


def test_same_child_is_recorded_differently(tiny_force: Path) -> None:
    with (tiny_force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        truth = {(r["source_system"], r["person_ref"]): r["true_person_id"] for r in csv.DictReader(fh)}
    spellings: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for r in _rows(tiny_force / "exports", "persons"):
        spellings[truth[(r["source_system"], r["person_ref"])]].add((r["forenames"], r["surname"], r["date_of_birth"]))
    varied = [p for p, s in spellings.items() if len(s) > 1]
    missing_dob = [r for r in _rows(tiny_force / "exports", "persons") if not r["date_of_birth"]]
    assert len(varied) >= 20
    assert missing_dob


def test_repeat_missing_scenario_is_in_the_records(tiny_force: Path) -> None:
    with (tiny_force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        truth = {(r["source_system"], r["person_ref"]): r["true_person_id"] for r in csv.DictReader(fh)}
    episodes: dict[str, list[datetime]] = defaultdict(list)
    for r in _rows(tiny_force / "exports", "missing_episodes"):
        episodes[truth[(r["source_system"], r["person_ref"])]].append(datetime.fromisoformat(r["reported_at"]))
    with (tiny_force / "truth" / "expected.csv").open(encoding="utf-8") as fh:
        expected = list(csv.DictReader(fh))
    repeat = [r for r in expected if r["indicator"] == "repeat_missing"]
    assert repeat
    for row in repeat:
        times = sorted(episodes[row["true_person_id"]])
        assert len(times) >= 3
        # The first run of three episodes within 90 days completes on the expected date.
        third = next(times[i] for i in range(2, len(times)) if times[i] - times[i - 2] < timedelta(days=90))
        assert third.date().isoformat() == row["expected_by"]
    with (tiny_force / "truth" / "people.csv").open(encoding="utf-8") as fh:
        spread = [r["true_person_id"] for r in csv.DictReader(fh) if r["scenario"] == "spread_missing"]
    assert spread
    for person in spread:
        times = sorted(episodes[person])
        assert len(times) == 3 and times[2] - times[0] > timedelta(days=90)


def test_output_passes_the_data_contract(tiny_force: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    result = ingest([tiny_force / "exports"], Lake(settings.lake_dir))
    assert result.status == "loaded"
    assert result.rows_quarantined == 0
    assert result.rows_loaded == result.rows_read > 0
