"""Incidents (command and control, THRIVE-graded) and the crimes recorded from them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from safeguarding.synth.clock import stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import officer

# THRIVE response grades by incident category: emergency, priority, scheduled, resolved without deployment.
THRIVE_WEIGHTS = {
    "domestic_abuse": (35, 45, 15, 5), "missing": (20, 50, 25, 5), "concern_for_welfare": (25, 40, 25, 10),
    "assault": (25, 35, 30, 10), "sexual_offence": (30, 40, 28, 2), "drugs": (5, 20, 45, 30),
    "anti_social_behaviour": (3, 22, 40, 35), "exploitation": (20, 45, 30, 5), "online": (5, 25, 55, 15),
    "theft": (5, 20, 45, 30), "other": (3, 15, 42, 40),
}  # fmt: skip
THRIVE = ("emergency", "priority", "scheduled", "resolution_without_deployment")
OFFENCES = {
    "sexual": ("Sexual assault on a female child under 13", "Sexual activity with a child", "Rape of a female aged 16 "
               "or over", "Sexual assault on a female aged 13 and over"),
    "violence": ("Assault occasioning actual bodily harm", "Common assault", "Wounding with intent (GBH)",
                 "Malicious communications"),
    "drugs_supply": ("Possession with intent to supply a class A drug", "Being concerned in the supply of a class A "
                     "drug"),
    "drugs_possession": ("Possession of a class B drug", "Possession of a class A drug"),
    "exploitation": ("Arranging or facilitating the travel of another person with a view to exploitation",
                     "Holding a person in slavery or servitude"),
    "domestic_abuse": ("Controlling or coercive behaviour in an intimate or family relationship",
                       "Assault occasioning actual bodily harm (domestic)"),
    "online_sexual": ("Making indecent photographs of a child", "Sexual communication with a child",
                      "Causing or inciting a child to engage in sexual activity"),
    "weapons": ("Possession of a bladed article in a public place", "Possession of an offensive weapon"),
    "theft": ("Theft from a shop", "Theft of a pedal cycle", "Burglary of a dwelling", "Theft from a motor vehicle"),
    "other": ("Criminal damage", "Public order offence", "Fraud by false representation"),
}  # fmt: skip


def incident(
    ctx: Ctx,
    rng: random.Random,
    at: datetime,
    place: Place,
    category: str,
    people: list[tuple[TruePerson, str]],
    narrative: str,
    thrive: str = "",
    attended: bool | None = None,
    child_present: bool | None = None,
    vehicles: tuple[str, ...] = (),
) -> str:
    """Write one command-and-control incident with its people; return its reference."""
    ref = ctx.next_ref("INC")
    thrive = thrive or rng.choices(THRIVE, THRIVE_WEIGHTS[category])[0]
    if attended is None:
        attended = thrive != "resolution_without_deployment" and rng.random() < ctx.rates.attended_share / 0.85
    ctx.batch.add(
        "incidents",
        {
            "source_system": "cc",
            "incident_ref": ref,
            "occurred_at": stamp(at),
            "reported_at": stamp(at + timedelta(minutes=rng.randint(0, 40))),
            "location_ref": ctx.place_ref(place, at),
            "postcode": place.postcode,
            "category": category,
            "thrive_grade": thrive,
            "attended": "true" if attended else "false",
            "child_present": "" if child_present is None else ("true" if child_present else "false"),
            "vehicle_registrations": "|".join(vehicles),
            "narrative": narrative,
            "officer": officer(rng) if attended else "",
        },
    )
    seen: set[tuple[str, str]] = set()
    for person, role in people:
        pref = ctx.person_ref("cc", person, at)
        if (pref, role) not in seen:
            seen.add((pref, role))
            ctx.link("cc", "incidents", ref, pref, role, at)
    return ref


def crime(
    ctx: Ctx,
    rng: random.Random,
    at: datetime,
    place: Place,
    group: str,
    victims: list[TruePerson],
    suspects: list[TruePerson],
    incident_ref: str = "",
    domestic: bool = False,
    outcome: str = "",
    narrative: str = "",
    offence: str = "",
) -> str:
    """Write one recorded crime (niche) with victims and suspects; return its reference."""
    ref = ctx.next_ref("CR")
    recorded = at + timedelta(hours=rng.choice((1, 2, 4, 12, 24, 48)))
    outcome = (
        outcome
        or rng.choices(
            ("under_investigation", "charged", "cautioned", "no_further_action", "evidential_difficulties", "other"),
            (25, 12, 5, 20, 33, 5),
        )[0]
    )
    ctx.batch.add(
        "crimes",
        {
            "source_system": "niche",
            "crime_ref": ref,
            "incident_ref": incident_ref,
            "offence": offence or rng.choice(OFFENCES[group]),
            "offence_group": group,
            "committed_at": stamp(at),
            "recorded_at": stamp(recorded),
            "location_ref": ctx.place_ref(place, at),
            "domestic": "true" if domestic else "false",
            "outcome": outcome,
            "narrative": narrative,
        },
    )
    seen: set[tuple[str, str]] = set()
    for people, role in ((victims, "victim"), (suspects, "suspect")):
        for person in people:
            pref = ctx.person_ref("niche", person, at)
            if (pref, role) not in seen:
                seen.add((pref, role))
                ctx.link("niche", "crimes", ref, pref, role, at)
    return ref
