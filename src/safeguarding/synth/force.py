"""The synthetic force: true people, the scenarios planted among them, and the records they leave.

Everything is drawn from one ``random.Random(seed)``, in a fixed order, and nothing depends on
today's date, so the same options always give byte-identical files.

Scenarios planted now (the truth in ``truth/`` says which child is which):
- ``repeat_missing``: a child missing three or more times within 90 days (should be flagged by the
  date of the third episode);
- ``spread_missing`` (hard negative): three episodes, but never three within any 90 days;
- ``single_missing``: an ordinary child with one low-risk episode;
- ``known_child``: a child on the nominal index with no missing episode.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding.synth.people import PeopleFactory, TruePerson, Variation, mention
from safeguarding.synth.writer import write_exports, write_truth

LONDON = ZoneInfo("Europe/London")

# Children per scale. "county" follows DOMAIN.md: about 1,700 children reported missing a year.
SCALES: dict[str, int] = {"tiny": 300, "county": 3000, "large": 30000}
SCENARIO_SHARES = {"repeat_missing": 0.08, "spread_missing": 0.05, "single_missing": 0.45}

RISK_WEIGHTS = {"very_low": 5, "low": 50, "medium": 35, "high": 10}
PLACES_FOUND = [
    "a friend's address", "Bournemouth town centre", "Poole bus station", "a relative's home",
    "Weymouth seafront", "Dorchester South station", "a park near home", "a takeaway in Boscombe",
]  # fmt: skip
NARRATIVES = [
    "{name} left {place_from} after an argument and did not return by the agreed time.",
    "{name} was last seen by staff at {place_from}; phone switched off.",
    "Carer reports {name} went out after school and has not come home. No concerns of exploitation.",
    "{name} failed to return to {place_from}; believed to be with friends.",
]
MISSING_FROM = [
    ("home", "home address"),
    ("childrens_home", "the children's home"),
    ("foster_home", "foster placement"),
]


@dataclass(frozen=True)
class SynthOptions:
    scale: str = "tiny"
    years: int = 1
    seed: int = 1
    start: date = date(2023, 1, 1)
    fmt: str = "csv"
    variation: Variation = field(default_factory=Variation)


@dataclass
class Records:
    """Rows per record type, as dicts of contract field -> text."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    person_truth: list[dict[str, str]] = field(default_factory=list)
    people: list[dict[str, str]] = field(default_factory=list)
    expected: list[dict[str, str]] = field(default_factory=list)


def _stamp(moment: datetime) -> str:
    """ISO 8601 with the Europe/London offset in force then, as the force's systems write it."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


class Generator:
    def __init__(self, options: SynthOptions) -> None:
        self.o = options
        self.rng = random.Random(options.seed)
        self.factory = PeopleFactory(self.rng)
        self.records = Records()
        self.start = datetime(options.start.year, options.start.month, options.start.day, tzinfo=UTC)
        self.days = 365 * options.years
        self._refs: dict[str, int] = defaultdict(int)
        self._compact_ref: dict[str, str] = {}

    def _ref(self, prefix: str) -> str:
        self._refs[prefix] += 1
        return f"{prefix}{self._refs[prefix]:07d}"

    def _moment(self, earliest: int = 0, latest: int | None = None) -> datetime:
        latest = self.days - 1 if latest is None else latest
        day = self.rng.randint(earliest, max(earliest, latest))
        return self.start + timedelta(days=day, seconds=self.rng.randrange(86400))

    def _add_mention(self, system: str, person: TruePerson, when: datetime) -> str:
        seen = mention(self.rng, person, self.o.variation)
        ref = self._ref({"niche": "NP", "compact": "CM"}[system])
        self.records.rows["persons"].append(
            {
                "source_system": system,
                "person_ref": ref,
                "forenames": seen.forenames,
                "surname": seen.surname,
                "date_of_birth": seen.date_of_birth.isoformat() if seen.date_of_birth else "",
                "sex": seen.sex,
                "ethnicity": seen.ethnicity,
                "postcode": seen.postcode,
                "phone": seen.phone if self.rng.random() < 0.6 else "",
                "recorded_at": _stamp(when),
            }
        )
        self.records.person_truth.append(
            {"source_system": system, "person_ref": ref, "true_person_id": person.person_id}
        )
        return ref

    def _episode(self, child: TruePerson, reported: datetime) -> None:
        # Half the time the missing-persons system finds the child's earlier nominal; otherwise a new one.
        ref = self._compact_ref.get(child.person_id)
        if ref is None or self.rng.random() < 0.5:
            ref = self._add_mention("compact", child, reported - timedelta(minutes=5))
            self._compact_ref[child.person_id] = ref
        grade = self.rng.choices(list(RISK_WEIGHTS), list(RISK_WEIGHTS.values()))[0]
        graded = reported + timedelta(minutes=self.rng.randint(5, 40))
        ratify_delay = timedelta(minutes=self.rng.randint(10, 50 if grade == "high" else 200))
        if self.rng.random() < 0.15:  # service level missed some of the time
            ratify_delay *= 4
        ratified = graded + ratify_delay if self.rng.random() < 0.9 else None
        found = reported + timedelta(hours=self.rng.randint(2, 48))
        rhi_done = found + timedelta(hours=self.rng.randint(12, 110)) if self.rng.random() < 0.7 else None
        from_code, from_text = self.rng.choice(MISSING_FROM)
        narrative = self.rng.choice(NARRATIVES).format(name=child.forenames, place_from=from_text)
        self.records.rows["missing_episodes"].append(
            {
                "source_system": "compact",
                "episode_ref": self._ref("ME"),
                "person_ref": ref,
                "reported_at": _stamp(reported),
                "last_seen_at": _stamp(reported - timedelta(hours=self.rng.randint(1, 6))),
                "risk_grade": grade,
                "graded_by": f"PC{self.rng.randint(1000, 9999)}",
                "graded_at": _stamp(graded),
                "ratified_by": f"PS{self.rng.randint(100, 999)}" if ratified else "",
                "ratified_at": _stamp(ratified) if ratified else "",
                "missing_from": from_text,
                "missing_from_type": from_code,
                "found_at": _stamp(found),
                "found_location": self.rng.choice(PLACES_FOUND),
                "rhi_offered": "true",
                "rhi_done_at": _stamp(rhi_done) if rhi_done else "",
                "rhi_declined_reason": "" if rhi_done else self.rng.choice(["child declined", "not recorded"]),
                "narrative": narrative,
            }
        )

    def _child(self) -> TruePerson:
        # Aged 10 to 17 at the start of the period: the ages most reported missing.
        s = self.o.start
        return self.factory.person((date(s.year - 17, s.month, 1), date(s.year - 10, s.month, 1)))

    def run(self) -> Records:
        n_children = SCALES[self.o.scale] * self.o.years
        for _ in range(n_children):
            child = self._child()
            draw = self.rng.random()
            scenario = "known_child"
            cumulative = 0.0
            for name, share in SCENARIO_SHARES.items():
                cumulative += share
                if draw < cumulative:
                    scenario = name
                    break
            if self.rng.random() < 0.7:
                self._add_mention("niche", child, self._moment())
            if scenario == "repeat_missing":
                onset = self._moment(0, self.days - 120)
                moments = [onset]
                for _ in range(self.rng.randint(2, 5)):
                    moments.append(moments[-1] + timedelta(days=self.rng.randint(4, 20), hours=self.rng.randint(0, 12)))
                for m in moments:
                    self._episode(child, m)
                self.records.expected.append(
                    {
                        "true_person_id": child.person_id,
                        "category": "missing",
                        "indicator": "repeat_missing",
                        "expected_by": moments[2].astimezone(LONDON).date().isoformat(),
                        "scenario": scenario,
                    }
                )
            elif scenario == "spread_missing":
                first = self._moment(0, max(0, self.days - 200))
                second = first + timedelta(days=self.rng.randint(50, 80))
                third = second + timedelta(days=self.rng.randint(50, 80))
                for m in (first, second, third):
                    self._episode(child, m)
            elif scenario == "single_missing":
                self._episode(child, self._moment())
            self.records.people.append(
                {
                    "true_person_id": child.person_id,
                    "forenames": child.forenames,
                    "surname": child.surname,
                    "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else "",
                    "sex": child.sex,
                    "is_child": "true",
                    "scenario": scenario,
                }
            )
        return self.records


def generate(options: SynthOptions, out: Path) -> dict[str, Any]:
    """Write ``out/exports`` and ``out/truth``; return counts per record type."""
    records = Generator(options).run()
    counts = write_exports(records.rows, out / "exports", options.fmt)
    write_truth(records, out / "truth", options)
    return {"rows": counts, "people": len(records.people), "expected": len(records.expected)}
