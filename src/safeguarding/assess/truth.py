"""Reading the synthetic force's planted truth (DIR/truth/, docs/synthetic-data.md) for the evaluation.

Only the evaluation reads this: the assessment itself never sees the truth.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa


class TruthError(ValueError):
    """A truth folder that cannot be read; the message names the file."""


@dataclass(frozen=True)
class Truth:
    expected: list[dict[str, str]]
    groups: list[dict[str, str]]
    places: list[dict[str, str]]
    negatives: list[dict[str, str]]
    people: dict[str, dict[str, str]]
    mention_truth: dict[tuple[str, str], str]
    options: dict[str, object]

    @property
    def start(self) -> date:
        return date.fromisoformat(str(self.options["start"]))

    @property
    def end(self) -> date:
        years = int(str(self.options["years"]))
        return self.start.replace(year=self.start.year + years)


def _csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise TruthError(f"{path}: not found (is this a synthetic force's truth folder?)")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def load_truth(folder: Path) -> Truth:
    """The planted truth in ``folder`` (DIR or DIR/truth)."""
    if (folder / "truth").is_dir():
        folder = folder / "truth"
    options_file = folder / "options.json"
    if not options_file.exists():
        raise TruthError(f"{options_file}: not found (is this a synthetic force's truth folder?)")
    return Truth(
        expected=_csv(folder / "expected.csv"),
        groups=_csv(folder / "expected_groups.csv"),
        places=_csv(folder / "expected_places.csv"),
        negatives=_csv(folder / "negatives.csv"),
        people={r["true_person_id"]: r for r in _csv(folder / "people.csv")},
        mention_truth={
            (r["source_system"], r["person_ref"]): r["true_person_id"] for r in _csv(folder / "person_truth.csv")
        },
        options=json.loads(options_file.read_text(encoding="utf-8")),
    )


def true_person_of(mentions: pa.Table, truth: Truth) -> dict[str, str]:
    """Each resolved person id -> the true person most of its mentions belong to."""
    votes: dict[str, Counter[str]] = {}
    for system, ref, pid in zip(
        mentions.column("source_system").to_pylist(),
        mentions.column("person_ref").to_pylist(),
        mentions.column("person_id").to_pylist(),
        strict=True,
    ):
        tid = truth.mention_truth.get((system, ref))
        if tid is not None:
            votes.setdefault(pid, Counter())[tid] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}
