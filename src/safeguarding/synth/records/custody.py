"""Custody detentions (PACE Code C; Concordat on Children in Custody): the juvenile's clocks."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from safeguarding.synth.clock import london_date, stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.people import TruePerson

CERTIFICATE_REASONS = (
    "No local authority accommodation available", "No secure accommodation available and risk of serious harm",
    "Local authority did not respond overnight",
)  # fmt: skip


def detention(
    ctx: Ctx,
    rng: random.Random,
    at: datetime,
    person: TruePerson,
    offence: str,
    suite: Place,
    charged: bool | None = None,
    bail_refused: bool | None = None,
    hours: float = 0.0,
) -> str:
    """Write one custody record; a child gets the appropriate-adult and transfer clocks."""
    svc = ctx.rates.service
    ref = ctx.next_ref("CUS")
    pref = ctx.person_ref("custody", person, at)
    juvenile = person.date_of_birth is not None and person.age_on(london_date(at)) < 18
    row = {
        "source_system": "custody",
        "custody_ref": ref,
        "person_ref": pref,
        "location_ref": ctx.place_ref(suite, at),
        "arrived_at": stamp(at),
        "appears_under_18": "true" if juvenile else "false",
        "offence": offence,
    }
    hours = hours or rng.choice((3, 5, 7, 9, 11, 14, 18, 22))
    released = at + timedelta(hours=hours, minutes=rng.randrange(60))
    charged = (rng.random() < (svc["juvenile_charged"] if juvenile else 0.3)) if charged is None else charged
    charged_at = at + timedelta(hours=hours * 0.8) if charged else None
    if juvenile:
        identified = at + timedelta(minutes=rng.randint(2, 20))
        # Service levels (DOMAIN.md): AA requested within 1 h of identification, arrived within 2 h of request.
        requested = identified + timedelta(
            minutes=rng.randint(61, 240) if rng.random() < svc["aa_requested_late"] else rng.randint(5, 55)
        )
        arrived = requested + timedelta(
            minutes=rng.randint(121, 420) if rng.random() < svc["aa_arrived_late"] else rng.randint(20, 115)
        )
        row.update(
            {
                "juvenile_identified_at": stamp(identified),
                "responsible_person_informed_at": stamp(identified + timedelta(minutes=rng.randint(5, 90))),
                "aa_requested_at": stamp(requested),
                "aa_arrived_at": stamp(arrived),
                "aa_type": rng.choices(
                    ("parent", "guardian", "social_worker", "volunteer", "other"), (45, 5, 20, 28, 2)
                )[0],
                "woman_responsible": f"PC{rng.randrange(1000, 2500)}" if person.sex == "F" else "",
            }
        )
        released = max(released, arrived + timedelta(hours=1))
        if charged_at is not None:  # the appropriate adult must be there for charge
            charged_at = max(charged_at, arrived + timedelta(minutes=rng.randint(30, 90)))
            released = max(released, charged_at + timedelta(minutes=20))
        if charged and (rng.random() < svc["juvenile_bail_refused"] if bail_refused is None else bail_refused):
            assert charged_at is not None
            row["bail_refused"] = "true"
            request = charged_at + timedelta(minutes=rng.randint(10, 120))
            row["transfer_requested_at"] = stamp(request)
            if rng.random() < svc["juvenile_transferred"]:
                moved = request + timedelta(hours=rng.randint(1, 6))
                row["transferred_at"] = stamp(moved)
                released = moved
            else:
                row["transfer_certificate_reason"] = rng.choice(CERTIFICATE_REASONS)
                released = charged_at + timedelta(hours=rng.randint(8, 14))  # held overnight for court
        elif charged:
            row["bail_refused"] = "false"
    elif charged:
        row["bail_refused"] = "true" if rng.random() < 0.1 else "false"
    if charged_at is not None:
        row["charged_at"] = stamp(charged_at)
    # Reviews at 6 hours, then every 9 (PACE s.40), a few minutes either side.
    reviews, t = [], at + timedelta(hours=6)
    while t < released:
        reviews.append(stamp(t + timedelta(minutes=rng.randint(-20, 30))))
        t += timedelta(hours=9)
    row["review_times"] = "|".join(reviews)
    row["released_at"] = stamp(max(released, at + timedelta(minutes=30)))
    ctx.batch.add("custody_detentions", row)
    ctx.link("custody", "custody_detentions", ref, pref, "detainee", at)
    return ref
