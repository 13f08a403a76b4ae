"""Intelligence logs graded 3x5x2, and online child-abuse referrals with their KIRAT-style answers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from safeguarding.synth.clock import stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import officer

CONDITIONS = (
    "Not to be disseminated outside Dorset Police without DI authority",
    "Do not act on without reference to the source handler",
    "Not for disclosure to partner agencies",
)


def intel_log(
    ctx: Ctx,
    rng: random.Random,
    at: datetime,
    people: list[tuple[TruePerson, str]],
    text: str,
    place: Place | None = None,
    phones: tuple[str, ...] = (),
    vehicles: tuple[str, ...] = (),
    grading: tuple[str, str, str] | None = None,
) -> str:
    """Write one intelligence log with its subjects and associates; return its reference."""
    ref = ctx.next_ref("INT")
    source, assessment, handling = grading or (
        rng.choices("123", (15, 70, 15))[0],
        rng.choices("ABCDE", (10, 40, 35, 10, 5))[0],
        rng.choices("PC", (85, 15))[0],
    )
    ctx.batch.add(
        "intelligence_logs",
        {
            "source_system": "intel",
            "intel_ref": ref,
            "recorded_at": stamp(at),
            "source_evaluation": source,
            "intelligence_assessment": assessment,
            "handling_code": handling,
            "handling_conditions": rng.choice(CONDITIONS) if handling == "C" else "",
            "location_ref": ctx.place_ref(place, at) if place else "",
            "phones": "|".join(phones),
            "vehicle_registrations": "|".join(vehicles),
            "text": text,
        },
    )
    seen: set[tuple[str, str]] = set()
    for person, role in people:
        pref = ctx.person_ref("intel", person, at)
        if (pref, role) not in seen:
            seen.add((pref, role))
            ctx.link("intel", "intelligence_logs", ref, pref, role, at)
    return ref


# The project's own KIRAT-style decision table (DOMAIN.md); the official KIRAT tree is not public.
DEADLINE_HOURS = {"very_high": 24, "high": 7 * 24, "medium": 30 * 24, "low": 90 * 24}
ACCESS = (
    "access_own_children",
    "access_partner_children",
    "access_friends_children",
    "access_neighbours_children",
    "access_through_work",
)
FACILITATORS = (
    "facilitator_grooming",
    "facilitator_incitement",
    "facilitator_producing_images",
    "facilitator_sexual_communication",
)
OTHERS = ("other_convictions", "other_domestic_abuse", "other_substance_misuse")
ANSWERS = (
    "previous_sexual_conviction",
    "previous_contact_offence",
    "previous_sexual_allegation",
    "previous_prison",
    *ACCESS,
    *FACILITATORS,
    *OTHERS,
)


def kirat_priority(a: dict[str, bool]) -> str:
    """The default decision table: very high, high, medium or low."""
    access = any(a[k] for k in ACCESS)
    facilitator = any(a[k] for k in FACILITATORS)
    if access and (facilitator or a["previous_contact_offence"]):
        return "very_high"
    if access or facilitator or a["previous_sexual_conviction"]:
        return "high"
    if a["previous_sexual_allegation"] or sum(a[k] for k in OTHERS) >= 2:
        return "medium"
    return "low"


def random_answers(rng: random.Random) -> dict[str, bool]:
    """Answers as referrals arrive: most suspects have no known access or history."""
    odds = {
        "previous_sexual_conviction": 0.08,
        "previous_contact_offence": 0.04,
        "previous_sexual_allegation": 0.1,
        "previous_prison": 0.1,
        "access_own_children": 0.2,
        "access_partner_children": 0.08,
        "access_friends_children": 0.05,
        "access_neighbours_children": 0.03,
        "access_through_work": 0.03,
        "facilitator_grooming": 0.06,
        "facilitator_incitement": 0.05,
        "facilitator_producing_images": 0.04,
        "facilitator_sexual_communication": 0.08,
        "other_convictions": 0.25,
        "other_domestic_abuse": 0.1,
        "other_substance_misuse": 0.15,
    }
    return {k: rng.random() < odds[k] for k in ANSWERS}


def online_referral(
    ctx: Ctx, rng: random.Random, at: datetime, suspect: TruePerson, answers: dict[str, bool] | None = None
) -> str:
    """Write one online child-abuse referral; the recorded priority follows the table, sometimes graded down."""
    svc = ctx.rates.service
    ref = ctx.next_ref("OCR")
    a = answers or random_answers(rng)
    priority = kirat_priority(a)
    order = ("low", "medium", "high", "very_high")
    recorded = priority
    if priority != "low" and rng.random() < svc["online_regraded_down"]:
        recorded = order[order.index(priority) - 1]
    graded = at + timedelta(hours=rng.randint(2, 72))
    deadline = DEADLINE_HOURS[recorded]
    late = rng.random() < svc["online_enforcement_late"]
    hours = rng.randint(deadline + 1, deadline * 2) if late else rng.randint(max(1, deadline // 4), deadline - 1)
    enforcement = at + timedelta(hours=hours)
    sref = ctx.person_ref("online", suspect, at)
    row = {
        "source_system": "online",
        "referral_ref": ref,
        "referrer": rng.choices(("NCA", "CEOP", "Another force", "Internet Watch Foundation"), (80, 10, 8, 2))[0],
        "received_at": stamp(at),
        "suspect_person_ref": sref,
        "conviction_count": str(
            rng.choice((1, 2, 3, 5, 8)) if a["other_convictions"] or a["previous_sexual_conviction"] else 0
        ),
        "recorded_priority": recorded,
        "graded_at": stamp(graded),
        "enforcement_at": stamp(enforcement) if enforcement < ctx.end else "",
        "officer": officer(rng),
    }
    row.update({k: "true" if v else "false" for k, v in a.items()})
    ctx.batch.add("online_referrals", row)
    ctx.link("online", "online_referrals", ref, sref, "suspect", at)
    return ref
