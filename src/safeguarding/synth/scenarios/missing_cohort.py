"""The children reported missing each year, by pattern: once, twice, repeatedly, or spread out.

DOMAIN.md: about 1,700 children a year account for about 5,900 episodes (3.5 each) at county scale;
episodes are concentrated in a minority who go missing again and again, many of them looked after.
Patterns (shares in rates.yaml):
- ``repeat_missing``: three or more, the first three within 90 days; a good assessment flags the
  child by the London date of the third episode (category ``missing``);
- ``spread_missing`` (hard negative): exactly three, never three within 90 days;
- ``single_missing`` (an ordinary child with one low-risk episode) and ``twice_missing``.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta

from safeguarding.synth.clock import london_date
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place, home
from safeguarding.synth.people import MemberSpec, TruePerson, born_between_ages
from safeguarding.synth.rates import Rates
from safeguarding.synth.records import missing, ppns
from safeguarding.synth.scenarios.base import Claim, EventFn, Planner

AGE_AT_FIRST = {10: 2, 11: 4, 12: 7, 13: 12, 14: 18, 15: 22, 16: 20, 17: 15}
RISK = {"repeat": (2, 35, 48, 15), "spread": (5, 55, 35, 5), "single": (10, 65, 22, 3), "twice": (8, 62, 26, 4)}
PLACEMENT = {"repeat": (0.25, 0.15), "spread": (0.10, 0.08), "single": (0.06, 0.05), "twice": (0.08, 0.06)}
FOUND_AT = ("park", "takeaway", "station", "shop", "leisure")


def _times(p: Planner, pattern: str, year_start: datetime, rates: Rates) -> list[datetime]:
    rng = p.rng
    year_end = min(year_start + timedelta(days=365), p.end)
    if pattern == "single":
        return [p.moment(year_start, year_end)]
    if pattern == "twice":
        first = p.moment(year_start, year_end)
        return [first, first + timedelta(days=rng.randint(20, 200), hours=rng.randint(0, 23))]
    if pattern == "spread":
        latest = min(year_end, p.end - timedelta(days=200))
        if latest <= year_start:
            return []
        first = p.moment(year_start, latest)
        second = first + timedelta(days=rng.randint(50, 80), hours=rng.randint(0, 12))
        return [first, second, second + timedelta(days=rng.randint(50, 80), hours=rng.randint(0, 12))]
    latest = min(year_end, p.end - timedelta(days=90))
    if latest <= year_start:
        return []
    times = [p.moment(year_start, latest)]
    first_gap = rng.randint(2, 40)
    times.append(times[-1] + timedelta(days=first_gap, hours=rng.randint(0, 12)))
    times.append(times[-1] + timedelta(days=rng.randint(2, 86 - first_gap), hours=rng.randint(0, 10)))
    for _ in range(min(40, int(rng.expovariate(1 / rates.repeat_extra_episodes_mean)))):
        times.append(times[-1] + timedelta(days=rng.randint(3, 45), hours=rng.randint(0, 23)))
    return times


def _birth(rng: random.Random, first: datetime, last: datetime) -> tuple[date, date]:
    """Birth dates making the child the drawn age at the first episode and under 18 at the last."""
    age = rng.choices(list(AGE_AT_FIRST), list(AGE_AT_FIRST.values()))[0]
    lo, hi = born_between_ages(london_date(first), age, age)
    end = london_date(last)
    floor = date(end.year - 18, end.month, min(end.day, 28)) + timedelta(days=4)
    if lo < floor:
        lo = floor
    return (lo, max(hi, lo + timedelta(days=30)))


def _event(
    child: TruePerson, at: datetime, place: Place, from_type: str, reporter: TruePerson | None, risk: str, pattern: str
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        found: Place | None = None
        if rng.random() < 0.2:
            found = ctx.gazetteer.pick(rng, rng.choice(FOUND_AT))
        noise = (rng.choice(("cash", "new_phone", "alcohol")),) if rng.random() < 0.04 else ()
        looked_after = from_type != "home"
        spec = missing.Missing(
            child,
            at,
            place,
            from_type,
            found_place=found,
            risk=risk,
            risks=noise,
            negated=rng.random() < 0.25,
            blaming=rng.random() < (0.2 if looked_after and pattern == "repeat" else 0.05),
            reporter=reporter,
        )
        return [("missing_episodes", missing.episode(ctx, rng, spec))]

    return run


def _ppn_event(child: TruePerson, at: datetime, household: tuple[TruePerson, ...]) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        ref = ppns.ppn(
            ctx,
            rng,
            at,
            child,
            "missing",
            "amber",
            "Child repeatedly missing from home; third episode in a short time.",
            household,
        )
        return [("ppns", ref)]

    return run


def plan(p: Planner, rates: Rates, years: int) -> None:
    """Plan the missing-children cohort for every year of the period."""
    rng = p.rng
    names, weights = list(rates.missing_patterns), list(rates.missing_patterns.values())
    carers: dict[str, TruePerson] = {}
    for year in range(years):
        year_start = p.start + timedelta(days=365 * year)
        for _ in range(rates.missing_children):
            pattern = rng.choices(names, weights)[0]
            times = _times(p, pattern, year_start, rates)
            if not times:
                continue
            born = _birth(rng, times[0], times[-1])
            ch_home, foster = PLACEMENT[pattern]
            draw = rng.random()
            on = london_date(times[0])
            if draw < ch_home + foster:
                # Looked after: the birth mother lives elsewhere; the carer reports the child missing.
                if draw < ch_home:
                    place, from_type = p.gazetteer.pick(rng, "childrens_home"), "childrens_home"
                else:
                    place = replace(home(rng.randrange(3 * 10**9, 4 * 10**9)), place_type="foster_home")
                    from_type = "foster_home"
                hh = p.population.plant(
                    rng, [MemberSpec(born_between_ages(on, 30, 50), "F")], [MemberSpec(born, address=place)]
                )
                child = hh.children[0]
                if place.ref not in carers:
                    carers[place.ref] = p.adult(on, rng.choice("MF"), (25, 60), address=place)
                    p.truth.label(carers[place.ref], "carer")
                reporter = carers[place.ref]
            else:
                siblings = [MemberSpec(born_between_ages(on, 3, 16))] if rng.random() < 0.5 else []
                hh = p.population.plant(
                    rng,
                    [MemberSpec(born_between_ages(on, 30, 55), "M"), MemberSpec(born_between_ages(on, 28, 50), "F")][
                        rng.randrange(2) :
                    ],
                    [MemberSpec(born), *siblings],
                )
                child = hh.children[0]
                place, from_type, reporter = child.address, "home", hh.adults[-1]
            label = f"{pattern}_missing"
            p.truth.label(child, label)
            risk = rng.choices(missing.RISK_GRADES, RISK[pattern])[0]
            for t in times:
                p.missing(child, t, _event(child, t, place, from_type, reporter, risk, pattern), label)
            if pattern == "repeat":
                p.schedule(times[2] + timedelta(hours=30), _ppn_event(child, times[2], hh.members))
            elif pattern == "spread":
                p.truth.negatives.append(
                    {
                        "true_person_id": child.person_id,
                        "scenario": label,
                        "scenario_id": "",
                        "looks_like": "missing",
                        "why_not": "three episodes, but never three within 90 days",
                    }
                )
