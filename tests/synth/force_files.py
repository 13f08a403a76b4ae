"""Reading a generated force back for the synth tests: exports by type, the truth, who is on what."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

# The field holding each record type's own reference.
REF_FIELD = {
    "incidents": "incident_ref", "crimes": "crime_ref", "missing_episodes": "episode_ref",
    "custody_detentions": "custody_ref", "ppns": "ppn_ref", "intelligence_logs": "intel_ref",
    "online_referrals": "referral_ref", "offenders": "offender_ref", "offender_assessments": "assessment_ref",
    "offender_visits": "visit_ref", "locations": "location_ref", "persons": "person_ref",
}  # fmt: skip
# Record types whose main person is a field on the record as well as (or instead of) record_persons.
PERSON_FIELD = {
    "missing_episodes": "person_ref", "custody_detentions": "person_ref", "ppns": "subject_person_ref",
    "online_referrals": "suspect_person_ref", "offenders": "person_ref",
}  # fmt: skip


def rows(force: Path, record_type: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for path in sorted((force / "exports").glob(f"{record_type}-*.csv")):
        with path.open(encoding="utf-8") as fh:
            out.extend(csv.DictReader(fh))
    return out


def truth_csv(force: Path, name: str) -> list[dict[str, str]]:
    with (force / "truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def scenarios(force: Path) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((force / "truth" / "scenarios.json").read_text(encoding="utf-8"))
    return data


@cache
def _index(force: Path) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], set[str]]]:
    truth = {(r["source_system"], r["person_ref"]): r["true_person_id"] for r in truth_csv(force, "person_truth.csv")}
    on_record: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows(force, "record_persons"):
        on_record[(r["record_type"], r["record_ref"])].add(truth[(r["source_system"], r["person_ref"])])
    for record_type, field in PERSON_FIELD.items():
        for r in rows(force, record_type):
            on_record[(record_type, r[REF_FIELD[record_type]])].add(truth[(r["source_system"], r[field])])
    for r in rows(force, "offender_visits"):
        on_record[("offender_visits", r["visit_ref"])] |= on_record[("offenders", r["offender_ref"])]
    return truth, dict(on_record)


def mention_truth(force: Path) -> dict[tuple[str, str], str]:
    """(source system, person ref) -> true person id."""
    return _index(force)[0]


def people_on(force: Path) -> dict[tuple[str, str], set[str]]:
    """(record type, record ref) -> the true people on that record."""
    return _index(force)[1]
