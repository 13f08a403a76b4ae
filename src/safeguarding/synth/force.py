"""The synthetic force: a Dorset-like county's records, month by month, with the truth planted inside.

``generate`` plans every scenario first (small: people, places, dates and the events they cause),
then makes the period one month at a time: the background volume at the configured rates plus the
scenario events due that month, written straight to that month's export files. Memory is bounded by
one month's rows plus the people seen so far, so ``large`` streams to disk.

Determinism: each component draws from its own ``random.Random`` seeded from the run's seed and the
component's name, in a fixed order, and nothing reads the wall clock; the same options always give
byte-identical files. The generator never imports linkage or assess: the truth must not be made by
the system it grades.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from safeguarding.synth import pick
from safeguarding.synth.background import Background
from safeguarding.synth.clock import months
from safeguarding.synth.context import Batch, Ctx, Locations, Nominals
from safeguarding.synth.geography import Gazetteer
from safeguarding.synth.people import Population, Variation
from safeguarding.synth.rates import SCALES, rates
from safeguarding.synth.scenarios import exploitation, household, missing_cohort, negatives, places
from safeguarding.synth.scenarios.background_truth import expect_background
from safeguarding.synth.scenarios.base import Planner
from safeguarding.synth.truth import TruthWriter
from safeguarding.synth.writer import FORMATS, ExportWriter

__all__ = ["SCENARIO_KINDS", "SynthOptions", "generate"]

# Scenario planners in the fixed order they are planned (the order is part of the determinism).
SCENARIO_KINDS: dict[str, Callable[[Planner], None]] = {
    "cse_network": exploitation.cse_network,
    "county_lines": exploitation.county_lines,
    "domestic_abuse": household.domestic_abuse,
    "rso_contact": household.rso_contact,
    "online_offender": household.online_offender,
    "childrens_home": places.childrens_home,
    "peer_group": places.peer_group,
    "neg_childrens_home_relative": negatives.childrens_home_relative,
    "neg_football_parent": negatives.football_parent,
    "neg_family_adults": negatives.family_adults,
    "neg_one_off_domestic": negatives.one_off_domestic,
    "neg_sleepover": negatives.sleepover,
}
# People per household in Dorset (2021 census: about 2.2; a little more among households with children).
PEOPLE_PER_HOUSEHOLD = 2.3


@dataclass(frozen=True)
class SynthOptions:
    scale: str = "tiny"
    years: int = 1
    seed: int = 1
    start: date = date(2023, 1, 1)  # fixed, so output never depends on today
    fmt: str = "csv"
    variation: Variation = field(default_factory=Variation)

    def check(self) -> None:
        """Refuse impossible options with a one-line reason (ValueError)."""
        if self.scale not in SCALES:
            raise ValueError(f"unknown scale {self.scale!r} (choose from {', '.join(SCALES)})")
        if not 1 <= self.years <= 20:
            raise ValueError(f"years must be from 1 to 20, not {self.years}")
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r} (choose from {', '.join(FORMATS)})")
        for name, value in vars(self.variation).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"variation {name} must be a probability from 0 to 1, not {value}")


def _stream(seed: int, name: str) -> random.Random:
    """The random stream of one component: independent of every other component's draws."""
    return random.Random(f"{seed}/{name}")


def generate(options: SynthOptions, out: Path) -> dict[str, Any]:
    """Write ``out/exports`` and ``out/truth``; return rows per record type and truth counts."""
    options.check()
    r = rates(options.scale)
    calendar = months(options.start, 12 * options.years)
    gazetteer = Gazetteer(_stream(options.seed, "geography"), options.scale)
    population = Population(
        options.seed, max(100, int(r.population / PEOPLE_PER_HOUSEHOLD)), options.start, pick.lac_placement(gazetteer)
    )
    with TruthWriter(out / "truth", options.start) as truth:
        planner = Planner(_stream(options.seed, "plan/missing"), population, gazetteer, truth, calendar)
        missing_cohort.plan(planner, r, options.years)
        for kind, plan in SCENARIO_KINDS.items():
            planner.rng = _stream(options.seed, f"plan/{kind}")
            for _ in range(r.scenario_count(kind, options.years)):
                plan(planner)
        planner.finish()
        locations = Locations()
        nominals = Nominals(_stream(options.seed, "nominals"), options.variation, truth, locations)
        ctx = Ctx(r, population, gazetteer, nominals, locations, options.start, calendar[-1].end)
        background = Background(_stream(options.seed, "background"), options.years, calendar[0].start.month)
        render = _stream(options.seed, "scenario-records")
        writer = ExportWriter(out / "exports", options.fmt)
        for month in calendar:
            ctx.batch = Batch(month)
            if month.index == 0:
                for place in gazetteer.places:  # the gazetteer's named places arrive in the first extract
                    locations.use(ctx.batch, place, month.start)
            background.run(ctx, month)
            for _at, _seq, fn, scenario in sorted(planner.events.pop(month.index, []), key=lambda e: (e[0], e[1])):
                claims = fn(ctx, render)
                if scenario is not None:
                    scenario.records.extend(claims)
            writer.write_month(month.label, ctx.batch.rows)
        expect_background(truth, population, background.domestic, background.referrals)
        truth.scenarios = [s.truth() for s in planner.scenarios]
        truth.finish(
            {
                "scale": options.scale,
                "years": options.years,
                "seed": options.seed,
                "start": options.start.isoformat(),
                "format": options.fmt,
                "variation": vars(options.variation),
            }
        )
    return {
        "rows": writer.counts,
        "people": truth.people_written,
        "expected": len(truth.expected),
        "scenarios": len(planner.scenarios),
    }
