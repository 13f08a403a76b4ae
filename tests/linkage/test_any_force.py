"""`link` and `resolve` on the data a new force could send: never a traceback, and a line saying what was done.

Each force is cut from the tiny synthetic force's nominal records without changing their meaning:
its first 9 rows, the records of 50 people, one record per person (no duplicates at all), every
date of birth blanked, and one source system only.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from safeguarding import pipeline
from safeguarding.cli import app
from safeguarding.config import Settings
from safeguarding.linkage.evaluate import pairwise_scores

Rows = list[dict[str, str]]


def _persons(force: Path) -> tuple[list[str], Rows, dict[str, str]]:
    rows: Rows = []
    header: list[str] = []
    for path in sorted((force / "exports").glob("persons-*.csv")):
        with path.open(encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = list(reader.fieldnames or [])
            rows += list(reader)
    with (force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        truth = {f"{r['source_system']}:{r['person_ref']}": r["true_person_id"] for r in csv.DictReader(fh)}
    return header, rows, truth


def _by_person(rows: Rows, truth: dict[str, str]) -> dict[str, Rows]:
    out: dict[str, Rows] = defaultdict(list)
    for r in rows:
        out[truth[f"{r['source_system']}:{r['person_ref']}"]].append(r)
    return dict(sorted(out.items()))


def _nine(rows: Rows, truth: dict[str, str]) -> Rows:
    return rows[:9]


def _fifty_people(rows: Rows, truth: dict[str, str]) -> Rows:
    return [r for group in list(_by_person(rows, truth).values())[:50] for r in group]


def _no_duplicates(rows: Rows, truth: dict[str, str]) -> Rows:
    return [group[0] for group in _by_person(rows, truth).values()]


def _no_dates_of_birth(rows: Rows, truth: dict[str, str]) -> Rows:
    return [{**r, "date_of_birth": ""} for r in rows]


def _one_system(rows: Rows, truth: dict[str, str]) -> Rows:
    return [r for r in rows if r["source_system"] == "niche"]


# (cut, the note that says which fallback was used, the least pairwise F1 against the planted truth)
FORCES: dict[str, tuple[Callable[[Rows, dict[str, str]], Rows], str, float]] = {
    "nine_rows": (_nine, "too few to train on", 1.0),
    "fifty_people": (_fifty_people, "too few to train on", 0.95),
    "no_duplicates": (_no_duplicates, "the near-certain rules found no pairs", 1.0),
    "no_dates_of_birth": (_no_dates_of_birth, "no record has a date of birth", 0.85),
    "one_system": (_one_system, "too few to train on", 0.95),
}


def _write(folder: Path, header: list[str], rows: Rows) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "persons-2023-01.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("name", sorted(FORCES))
def test_link_and_resolve_survive_the_force(name: str, tiny_force: Path, tmp_path: Path) -> None:
    cut, note, least_f1 = FORCES[name]
    header, rows, truth = _persons(tiny_force)
    chosen = cut(rows, truth)
    assert chosen, f"the {name} cut is empty"
    exports = tmp_path / "exports"
    path = _write(exports, header, chosen)
    settings = Settings(data_dir=tmp_path / "data")
    pipeline.run_ingest(settings, [exports])
    runner = CliRunner()
    env = {"SAFEGUARDING_DATA_DIR": str(settings.data_dir), "SAFEGUARDING_QUIET": "1"}
    linked = runner.invoke(app, ["link", "--json"], env=env)
    assert linked.exit_code == 0 and linked.exception is None, linked.output
    summary = json.loads(linked.stdout)
    assert any(note in line for line in summary["notes"]), summary["notes"]
    assert any("threshold" in line for line in summary["notes"])
    mentions = pipeline.linkage_dir(settings) / "mentions.parquet"
    table = pq.read_table(mentions, columns=["mention_id", "person_id"]).to_pylist()
    predicted = {r["mention_id"]: r["person_id"] for r in table}
    assert len(predicted) == len(chosen)
    assert pairwise_scores(predicted, truth).f1 >= least_f1
    # The same records through `resolve`, as a file from another force.
    out = tmp_path / "resolved.csv"
    key = tmp_path / "keyed.csv"
    with path.open(encoding="utf-8") as src, key.open("w", newline="", encoding="utf-8") as dst:
        writer = csv.writer(dst)
        writer.writerow(["id", *header])
        for r in csv.DictReader(src):
            writer.writerow([f"{r['source_system']}:{r['person_ref']}", *r.values()])
    columns = "first_name=forenames,surname=surname,dob=date_of_birth,sex=sex,postcode=postcode,phone=phone,email=email"
    command = ["resolve", str(key), "--id-column", "id", "--columns", columns, "--out", str(out)]
    done = runner.invoke(app, command, env=env)
    assert done.exit_code == 0 and done.exception is None, done.output
    assert "note: threshold" in done.stdout
    resolved = dict(csv.reader(out.open(encoding="utf-8")))
    resolved.pop("record_id")
    assert len(resolved) == len(chosen)
    assert pairwise_scores(resolved, truth).f1 >= least_f1 - 0.05


def test_resolve_on_two_records_and_on_one(tmp_path: Path) -> None:
    runner = CliRunner()
    for rows in (["1,Ann,Lee,2001-02-03", "2,Anne,Lee,2001-02-03"], ["1,Ann,Lee,2001-02-03"]):
        source = tmp_path / "people.csv"
        source.write_text("id,first,last,born\n" + "\n".join(rows) + "\n")
        out = tmp_path / "out.csv"
        columns = "first_name=first,surname=last,dob=born"
        command = ["resolve", str(source), "--id-column", "id", "--columns", columns, "--out", str(out)]
        done = runner.invoke(app, command)
        assert done.exit_code == 0 and done.exception is None, done.output
        assert len(out.read_text().splitlines()) == len(rows) + 1
