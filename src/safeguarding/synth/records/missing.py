"""Missing episodes (APP missing persons): report, risk grade and ratification, found, return interview."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from safeguarding.synth.clock import london_date, stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.narratives import missing_narrative
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import officer, supervisor

RISK_GRADES = ("very_low", "low", "medium", "high")
# Ordinary episodes are mostly low risk; the grade a scenario needs is passed in.
DEFAULT_RISK = (5, 55, 32, 8)
FROM_TEXT = {
    "home": "home address",
    "childrens_home": "the children's home",
    "foster_home": "foster placement",
    "school": "school",
    "hospital": "hospital",
    "other": "a friend's address",
}


@dataclass
class Missing:
    """What a missing report should say; defaults make an ordinary episode."""

    person: TruePerson
    reported: datetime
    from_place: Place
    from_type: str = "home"
    found_place: Place | None = None  # a place in Dorset, or
    found_elsewhere: tuple[str, str] | None = None  # (text, outward postcode) out of area
    hours: float = 0.0  # how long missing (0: drawn)
    risk: str = ""
    risks: tuple[str, ...] = ()
    negated: bool = False
    blaming: bool = False
    extra: str = ""
    reporter: TruePerson | None = None
    companions: list[TruePerson] = field(default_factory=list)
    found_with: list[tuple[TruePerson, str]] = field(default_factory=list)  # adults found with, and role


def episode(ctx: Ctx, rng: random.Random, m: Missing) -> str:
    """Write one missing episode (compact system) with its people; return its reference."""
    svc = ctx.rates.service
    ref = ctx.next_ref("ME")
    person_ref = ctx.person_ref("compact", m.person, m.reported - timedelta(minutes=2))
    child = m.person.date_of_birth is not None and m.person.age_on(london_date(m.reported)) < 18
    risk = m.risk or rng.choices(RISK_GRADES, DEFAULT_RISK)[0]
    graded = m.reported + timedelta(minutes=rng.randint(5, 45))
    # Service level: a supervisor ratifies within 1 h (high) or 4 h (medium); missed some of the time.
    limit = {"high": 60, "medium": 240}.get(risk, 480)
    draw = rng.random()
    ratified: datetime | None = graded + timedelta(minutes=rng.randint(5, int(limit * 0.9)))
    if draw < svc["missing_unratified"]:
        ratified = None
    elif draw < svc["missing_unratified"] + svc["missing_ratified_late"]:
        ratified = graded + timedelta(minutes=rng.randint(limit + 5, limit * 4))
    hours = m.hours or rng.choice((2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72))
    found = m.reported + timedelta(hours=hours, minutes=rng.randrange(60))
    last_seen = m.reported - timedelta(minutes=rng.randint(30, 360))
    found_text, found_postcode, found_ref = "", "", ""
    if m.found_place is not None:
        found_ref = ctx.place_ref(m.found_place, m.reported)
        found_text = m.found_place.name or "an address in " + m.found_place.town
        found_postcode = m.found_place.postcode
    elif m.found_elsewhere is not None:
        found_text, found_postcode = m.found_elsewhere
    else:
        found_text = rng.choice(("a friend's address", "a relative's home", "the town centre", "a park near home"))
    rhi_done, declined = "", ""
    if child:
        draw = rng.random()
        if draw < svc["rhi_done_in_72h"]:
            rhi_done = stamp(found + timedelta(hours=rng.randint(4, 71)))
        elif draw < svc["rhi_done_in_72h"] + svc["rhi_done_late"]:
            rhi_done = stamp(found + timedelta(hours=rng.randint(73, 240)))
        else:
            declined = rng.choice(
                ("child declined", "child declined", "not recorded", "parent declined on child's behalf")
            )
    name = m.person.forenames
    ctx.batch.add(
        "missing_episodes",
        {
            "source_system": "compact",
            "episode_ref": ref,
            "person_ref": person_ref,
            "reported_at": stamp(m.reported),
            "last_seen_at": stamp(last_seen),
            "risk_grade": risk,
            "graded_by": officer(rng),
            "graded_at": stamp(graded),
            "ratified_by": supervisor(rng) if ratified else "",
            "ratified_at": stamp(ratified) if ratified else "",
            "missing_from": m.from_place.name or FROM_TEXT[m.from_type],
            "missing_from_ref": ctx.place_ref(m.from_place, m.reported),
            "missing_from_type": m.from_type,
            "found_at": stamp(found),
            "found_location": found_text,
            "found_location_ref": found_ref,
            "found_postcode": found_postcode,
            "rhi_offered": "true" if child else "false",
            "rhi_done_at": rhi_done,
            "rhi_declined_reason": declined,
            "narrative": missing_narrative(
                rng,
                name,
                FROM_TEXT[m.from_type],
                found_text,
                m.risks,
                m.negated,
                m.blaming,
                town=m.found_elsewhere[0] if m.found_elsewhere else "Bournemouth",
                extra=m.extra,
            ),
        },
    )
    ctx.link("compact", "missing_episodes", ref, person_ref, "missing_person", m.reported)
    if m.reporter is not None:
        ctx.link(
            "compact",
            "missing_episodes",
            ref,
            ctx.person_ref("compact", m.reporter, m.reported),
            "reporting_person",
            m.reported,
        )
    for other in m.companions:
        ctx.link(
            "compact", "missing_episodes", ref, ctx.person_ref("compact", other, m.reported), "associate", m.reported
        )
    for adult, role in m.found_with:
        ctx.link("compact", "missing_episodes", ref, ctx.person_ref("compact", adult, m.reported), role, m.reported)
    return ref
