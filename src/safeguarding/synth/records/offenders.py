"""Registered sex offenders (ViSOR-style): registration, ARMS assessments and home visits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from safeguarding.synth.clock import london_midnight, stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import officer

# How often an offender manager visits, and how often ARMS is reviewed, by priority (months).
VISIT_MONTHS = {"very_high": 1, "high": 3, "medium": 6, "low": 12}
ASSESS_MONTHS = {"very_high": 6, "high": 12, "medium": 12, "low": 24}
PRIORITY_WEIGHTS = (40, 35, 20, 5)  # low, medium, high, very_high
NOTES = (
    "Seen at home alone; address checked; no concerns.", "Seen at home with partner; devices checked.",
    "Discussed employment and compliance with notification requirements.",
    "Home checked; no evidence of children visiting.",
)  # fmt: skip


@dataclass
class Registration:
    """An offender as the planner keeps them between months (a few hundred bytes each)."""

    offender_ref: str
    person: TruePerson
    priority: str
    manager: str
    next_visit: date
    next_assessment: date


def register(ctx: Ctx, rng: random.Random, person: TruePerson, registered_on: date, when: datetime) -> Registration:
    """Write the offender row (ViSOR) with the facts that set the notification period."""
    ref = ctx.next_ref("RSO", 6)
    pref = ctx.person_ref("visor", person, when)
    age_at = person.age_on(registered_on)
    convicted = registered_on - timedelta(days=rng.randint(0, 3))
    disposal = rng.choices(("custody", "community", "caution", "other"), (55, 30, 10, 5))[0]
    months = rng.choice((4, 6, 9, 12, 18, 24, 30, 36, 48, 72, 96)) if disposal == "custody" else 0
    priority = rng.choices(("low", "medium", "high", "very_high"), PRIORITY_WEIGHTS)[0]
    manager = f"DC{rng.randrange(100, 100 + max(2, ctx.rates.offenders_at_start // 50))}"  # caseloads near 50
    ctx.batch.add(
        "offenders",
        {
            "source_system": "visor",
            "offender_ref": ref,
            "person_ref": pref,
            "conviction_date": convicted.isoformat(),
            "sentence_months": str(months) if disposal == "custody" else "",
            "disposal": disposal,
            "under_18_at_conviction": "true" if age_at < 18 else "false",
            "registered_on": registered_on.isoformat(),
            "offender_manager": manager,
            # Annual re-notification: the last one within the past year, never before registration.
            "last_notified_at": stamp(
                max(london_midnight(registered_on) + timedelta(hours=10), when - timedelta(days=rng.randint(1, 330)))
            ),
            "status": "active",
            "address_ref": ctx.place_ref(person.address, when),
        },
    )
    start = when.date()
    return Registration(
        ref,
        person,
        priority,
        manager,
        next_visit=start + timedelta(days=rng.randint(0, 30 * VISIT_MONTHS[priority])),
        next_assessment=start + timedelta(days=rng.randint(0, 30 * ASSESS_MONTHS[priority])),
    )


def assessment(ctx: Ctx, rng: random.Random, reg: Registration, on: date) -> None:
    """An ARMS assessment on ``on``; sometimes done late (the next one overdue)."""
    reg.priority = (
        rng.choices(("low", "medium", "high", "very_high"), PRIORITY_WEIGHTS)[0] if rng.random() < 0.2 else reg.priority
    )
    due = on + timedelta(days=30 * ASSESS_MONTHS[reg.priority])
    ctx.batch.add(
        "offender_assessments",
        {
            "source_system": "visor",
            "assessment_ref": ctx.next_ref("ARMS", 7),
            "offender_ref": reg.offender_ref,
            "assessed_on": on.isoformat(),
            "priority": reg.priority,
            "next_due_on": due.isoformat(),
            "assessor": reg.manager,
        },
    )
    overdue = rng.random() < ctx.rates.service["rso_assessment_overdue"]
    reg.next_assessment = due + timedelta(days=rng.randint(20, 120) if overdue else 0)


def visit(ctx: Ctx, rng: random.Random, reg: Registration, planned: date, notes: str = "") -> None:
    """A planned home visit: done on time, done late (overdue), or no access."""
    svc = ctx.rates.service
    when = london_midnight(planned) + timedelta(hours=rng.randint(9, 17), minutes=rng.randrange(60))
    if rng.random() < svc["rso_visit_overdue"]:
        when += timedelta(days=rng.randint(15, 60))
    outcome = "no_access" if rng.random() < svc["rso_visit_no_access"] else "completed"
    ctx.batch.add(
        "offender_visits",
        {
            "source_system": "visor",
            "visit_ref": ctx.next_ref("VIS", 7),
            "offender_ref": reg.offender_ref,
            "planned_on": planned.isoformat(),
            "visited_at": stamp(when) if when < ctx.end else "",
            "outcome": outcome if when < ctx.end else "",
            "officer": reg.manager if rng.random() < 0.8 else officer(rng),
            "notes": notes or (rng.choice(NOTES) if outcome == "completed" else "No reply at the address."),
        },
    )
    months = VISIT_MONTHS[reg.priority]
    reg.next_visit = planned + timedelta(days=30 * months + rng.randint(-5, 5))
