"""The planner every scenario uses: plant people, schedule events into months, record the truth.

A scenario is planned in full before the first month is made (its people, places, phones, dates of
onset and harm), and its records are *events* scheduled into the month they happen in. When the
generator makes that month it runs the events, which write ordinary records through the same
builders the background uses; each event returns the records it wrote, so the truth can list them.
Events outside the period are dropped (with their claims), so the truth never names a record that
is not in the exports.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from safeguarding.synth.clock import Month, london_date, month_of
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Gazetteer, Place
from safeguarding.synth.people import Household, MemberSpec, Population, TruePerson, born_between_ages
from safeguarding.synth.truth import TruthWriter

Claim = tuple[str, str]  # (record type, record reference)
EventFn = Callable[[Ctx, random.Random], list[Claim]]


@dataclass
class Scenario:
    """One planted scenario and the truth about it."""

    id: str
    kind: str
    negative: bool
    category: str
    description: str
    onset: datetime
    harm: datetime | None = None
    members: list[tuple[TruePerson, str]] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    vehicles: list[str] = field(default_factory=list)
    records: list[Claim] = field(default_factory=list)

    def truth(self) -> dict[str, Any]:
        return {
            "scenario_id": self.id,
            "kind": self.kind,
            "negative": self.negative,
            "category": self.category,
            "description": self.description,
            "onset_on": london_date(self.onset).isoformat(),
            "harm_on": london_date(self.harm).isoformat() if self.harm else None,
            "members": [{"true_person_id": p.person_id, "role": r} for p, r in self.members],
            "places": [{"location_ref": p.ref, "place_type": p.place_type, "place_name": p.name} for p in self.places],
            "phones": self.phones,
            "vehicles": self.vehicles,
            "records": [{"record_type": t, "ref": r} for t, r in self.records],
        }


@dataclass
class Planner:
    """Shared state of scenario planning: the people, the calendar and the truth."""

    rng: random.Random
    population: Population
    gazetteer: Gazetteer
    truth: TruthWriter
    months: list[Month]
    events: dict[int, list[tuple[datetime, int, EventFn, Scenario | None]]] = field(default_factory=dict)
    scenarios: list[Scenario] = field(default_factory=list)
    _seq: int = 0
    # Planned missing episodes of planted children, so any child whose episodes make a repeat-missing
    # pattern (three within 90 days) is expected to be flagged, whichever scenario planted them.
    _missing: dict[str, tuple[TruePerson, str, str, list[datetime]]] = field(default_factory=dict)

    @property
    def start(self) -> datetime:
        return self.months[0].start

    @property
    def end(self) -> datetime:
        return self.months[-1].end

    def moment(self, earliest: datetime, latest: datetime) -> datetime:
        """A random moment between two moments (the earliest if the range is empty)."""
        span = int((latest - earliest).total_seconds())
        return earliest + timedelta(seconds=self.rng.randrange(span)) if span > 0 else earliest

    def onset(self, span_days: int) -> datetime:
        """A scenario start leaving ``span_days`` before the period ends (or the start, if too short)."""
        return self.moment(self.start, self.end - timedelta(days=span_days))

    def schedule(self, at: datetime, fn: EventFn, scenario: Scenario | None = None) -> bool:
        """Run ``fn`` when month ``at`` is made; False if ``at`` is outside the period (dropped)."""
        index = month_of(at, self.months)
        if index is None:
            return False
        self._seq += 1
        self.events.setdefault(index, []).append((at, self._seq, fn, scenario))
        return True

    def missing(
        self, child: TruePerson, at: datetime, fn: EventFn, kind: str, scenario: Scenario | None = None
    ) -> None:
        """Schedule a missing episode of a planted child, remembering its time for the truth."""
        if self.schedule(at, fn, scenario):
            entry = self._missing.setdefault(child.person_id, (child, kind, scenario.id if scenario else "", []))
            entry[3].append(at)

    def finish(self) -> None:
        """Add the repeat-missing expectations implied by the planned episodes."""
        for child, kind, scenario_id, times in self._missing.values():
            third = third_within(times)
            if third is not None:
                self.truth.expected.append(
                    {
                        "true_person_id": child.person_id,
                        "category": "missing",
                        "indicator": "repeat_missing",
                        "expected_by": london_date(third).isoformat(),
                        "scenario": kind,
                        "scenario_id": scenario_id,
                        "harm_on": "",
                    }
                )

    def new(self, kind: str, category: str, description: str, onset: datetime, negative: bool = False) -> Scenario:
        scenario = Scenario(f"S{len(self.scenarios) + 1:05d}", kind, negative, category, description, onset)
        self.scenarios.append(scenario)
        return scenario

    def family(
        self,
        on: date,
        child_ages: list[tuple[int, int]],
        adults: int = 2,
        address: Place | None = None,
        child_sex: str | None = None,
    ) -> Household:
        """A planted household: ``adults`` parents (30-50) and children aged within the given ranges on ``on``."""
        adult_specs = [MemberSpec(born_between_ages(on, 28, 50), "F")]
        if adults > 1:
            adult_specs.insert(0, MemberSpec(born_between_ages(on, 28, 55), "M"))
        kids = [MemberSpec(born_between_ages(on, lo, hi), child_sex) for lo, hi in child_ages]
        for spec in adult_specs + kids:
            spec.address = address
        return self.population.plant(self.rng, adult_specs, kids)

    def adult(self, on: date, sex: str, ages: tuple[int, int], address: Place | None = None) -> TruePerson:
        """A planted adult living alone (or at ``address``)."""
        return self.population.plant(
            self.rng, [MemberSpec(born_between_ages(on, *ages), sex, address=address)], []
        ).members[0]

    def label(self, scenario: Scenario, person: TruePerson, role: str) -> None:
        scenario.members.append((person, role))
        self.truth.label(person, scenario.kind, scenario.id, role)

    def expect(self, scenario: Scenario, person: TruePerson, category: str, indicator: str, by: datetime) -> None:
        """A child a good assessment should flag by ``by`` (nothing, if the evidence falls after the period)."""
        if by >= self.end:
            return
        self.truth.expected.append(
            {
                "true_person_id": person.person_id,
                "category": category,
                "indicator": indicator,
                "expected_by": london_date(by).isoformat(),
                "scenario": scenario.kind,
                "scenario_id": scenario.id,
                "harm_on": london_date(scenario.harm).isoformat() if scenario.harm else "",
            }
        )

    def expect_group(
        self, scenario: Scenario, members: list[TruePerson], category: str, indicator: str, by: datetime
    ) -> None:
        if by >= self.end:
            return
        self.truth.groups.append(
            {
                "group_id": f"G{scenario.id[1:]}",
                "category": category,
                "indicator": indicator,
                "members": "|".join(p.person_id for p in members),
                "expected_by": london_date(by).isoformat(),
                "scenario": scenario.kind,
                "scenario_id": scenario.id,
            }
        )

    def expect_place(self, scenario: Scenario, place: Place, category: str, indicator: str, by: datetime) -> None:
        if by >= self.end:
            return
        self.truth.places.append(
            {
                "location_ref": place.ref,
                "place_type": place.place_type,
                "place_name": place.name,
                "category": category,
                "indicator": indicator,
                "expected_by": london_date(by).isoformat(),
                "scenario": scenario.kind,
                "scenario_id": scenario.id,
            }
        )

    def negative(self, scenario: Scenario, person: TruePerson, looks_like: str, why_not: str) -> None:
        self.truth.negatives.append(
            {
                "true_person_id": person.person_id,
                "scenario": scenario.kind,
                "scenario_id": scenario.id,
                "looks_like": looks_like,
                "why_not": why_not,
            }
        )


def third_within(times: list[datetime], days: int = 90) -> datetime | None:
    """The moment the first run of three episodes within ``days`` completes, if any."""
    ordered = sorted(times)
    for i in range(2, len(ordered)):
        if ordered[i] - ordered[i - 2] < timedelta(days=days):
            return ordered[i]
    return None
