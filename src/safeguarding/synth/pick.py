"""Choosing people for background records: who calls, who offends, who goes missing.

Police demand is concentrated: a small share of households account for much of it (repeat victims,
repeat callers, repeat offenders). Picks come in three tiers: 45% from the first 1.5% of households,
30% from the next 10%, and a quarter from anyone. That keeps the nominal index nearer DOMAIN.md's
half a million to a million mentions per ten years at county scale (see docs/synthetic-data.md).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import date

from safeguarding.synth.geography import Gazetteer, Place, home
from safeguarding.synth.people import Household, Population, TruePerson

TIERS = ((0.45, 0.015), (0.75, 0.115))  # (cumulative share of picks, share of households)


def household(rng: random.Random, population: Population) -> Household:
    n = population.background
    draw = rng.random()
    for share, households in TIERS:
        if draw < share:
            return population.household(rng.randrange(max(1, int(n * households))))
    return population.household(rng.randrange(n))


def adult(rng: random.Random, population: Population, on: date, sex: str | None = None,
          ages: tuple[int, int] = (18, 90)) -> TruePerson:  # fmt: skip
    """A background adult (of a sex and age range, if given)."""
    for _ in range(200):
        for p in household(rng, population).adults:
            if (sex is None or p.sex == sex) and ages[0] <= p.age_on(on) <= ages[1]:
                return p
    raise RuntimeError("no background adult matches")  # cannot happen with a realistic population


def child(rng: random.Random, population: Population, on: date, ages: tuple[int, int] = (0, 17)) -> TruePerson:
    """A background child aged within ``ages`` on ``on``."""
    for _ in range(400):
        h = household(rng, population)
        kids = [p for p in h.children if ages[0] <= p.age_on(on) <= ages[1]]
        if kids:
            return rng.choice(kids)
    raise RuntimeError("no background child matches")


def family(rng: random.Random, population: Population, on: date) -> Household:
    """A background household with at least one adult and one child under 18."""
    for _ in range(400):
        h = household(rng, population)
        if h.adults and any(p.age_on(on) < 18 for p in h.children):
            return h
    raise RuntimeError("no background family found")


def lac_placement(gazetteer: Gazetteer) -> Callable[[random.Random], Place]:
    """A function giving a looked-after child's placement: children's home, foster home or other."""

    def placement(rng: random.Random) -> Place:
        if rng.random() < 0.15:
            return gazetteer.pick(rng, "childrens_home")
        return replace(home(rng.randrange(2 * 10**9, 3 * 10**9)), place_type="foster_home")

    return placement
