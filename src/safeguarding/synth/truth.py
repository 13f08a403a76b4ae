"""The planted truth, written to ``DIR/truth/`` as the generator goes.

Files (docs/synthetic-data.md describes every column):
- ``person_truth.csv``: the true person behind every person mention (streamed).
- ``people.csv``: every true person who appears in any record, with their scenario (streamed).
- ``expected.csv``: which children a good assessment should flag, in which category, and by when.
- ``expected_groups.csv`` and ``expected_places.csv``: the same for groups and places.
- ``negatives.csv``: hard negatives: people whose records look like risk but are not.
- ``scenarios.json``: every planted scenario with its members, places, phones, dates and the
  records it produced.
- ``options.json``: the options the force was made with.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from safeguarding.synth.people import TruePerson

PEOPLE_COLUMNS = [
    "true_person_id", "forenames", "surname", "date_of_birth", "sex", "is_child", "scenario",
    "ethnicity", "household", "postcode", "scenario_id", "scenario_role",
]  # fmt: skip
EXPECTED_COLUMNS = ["true_person_id", "category", "indicator", "expected_by", "scenario", "scenario_id", "harm_on"]
GROUP_COLUMNS = ["group_id", "category", "indicator", "members", "expected_by", "scenario", "scenario_id"]
PLACE_COLUMNS = ["location_ref", "place_type", "place_name", "category", "indicator", "expected_by", "scenario",
                 "scenario_id"]  # fmt: skip
NEGATIVE_COLUMNS = ["true_person_id", "scenario", "scenario_id", "looks_like", "why_not"]


@dataclass
class Label:
    """What a scenario says about one of its people."""

    scenario: str
    scenario_id: str = ""
    role: str = ""


@dataclass
class TruthWriter:
    """Streams the per-mention truth; collects the (small) scenario truth for the end."""

    folder: Path
    is_child_on: Any  # date: "is_child" means under 18 on the first day of the period
    labels: dict[str, Label] = field(default_factory=dict)
    expected: list[dict[str, str]] = field(default_factory=list)
    groups: list[dict[str, str]] = field(default_factory=list)
    places: list[dict[str, str]] = field(default_factory=list)
    negatives: list[dict[str, str]] = field(default_factory=list)
    scenarios: list[dict[str, Any]] = field(default_factory=list)
    people_written: int = 0

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._files: list[IO[str]] = []
        self._truth = self._open("person_truth.csv", ["source_system", "person_ref", "true_person_id"])
        self._people = self._open("people.csv", PEOPLE_COLUMNS)
        self._seen: set[str] = set()

    def _open(self, name: str, header: list[str]) -> Any:
        fh = (self.folder / name).open("w", newline="", encoding="utf-8")
        self._files.append(fh)
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        return writer

    def __enter__(self) -> TruthWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        for fh in self._files:
            fh.close()

    def label(self, person: TruePerson, scenario: str, scenario_id: str = "", role: str = "") -> None:
        """Say which scenario a person belongs to (before their first mention is written)."""
        self.labels[person.person_id] = Label(scenario, scenario_id, role)

    def mention(self, system: str, ref: str, person: TruePerson) -> None:
        self._truth.writerow([system, ref, person.person_id])
        if person.person_id in self._seen:
            return
        self._seen.add(person.person_id)
        self.people_written += 1
        label = self.labels.get(person.person_id) or Label("background")
        dob = person.date_of_birth
        is_child = dob is not None and person.age_on(self.is_child_on) < 18
        self._people.writerow(
            [
                person.person_id, person.forenames, person.surname, dob.isoformat() if dob else "", person.sex,
                "true" if is_child else "false", label.scenario, person.ethnicity, person.household,
                person.postcode, label.scenario_id, label.role,
            ]
        )  # fmt: skip

    def seen(self, person_id: str) -> bool:
        """Whether the person appears in any record written so far."""
        return person_id in self._seen

    def finish(self, options: dict[str, Any]) -> None:
        """Write the scenario truth and the options."""
        for name, header, rows in (
            ("expected.csv", EXPECTED_COLUMNS, self.expected),
            ("expected_groups.csv", GROUP_COLUMNS, self.groups),
            ("expected_places.csv", PLACE_COLUMNS, self.places),
            ("negatives.csv", NEGATIVE_COLUMNS, self.negatives),
        ):
            with (self.folder / name).open("w", newline="", encoding="utf-8") as fh:
                writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
        (self.folder / "scenarios.json").write_text(
            json.dumps(self.scenarios, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        (self.folder / "options.json").write_text(
            json.dumps(options, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
