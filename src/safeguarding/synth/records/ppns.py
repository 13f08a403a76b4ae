"""Public Protection Notices: the concern, the voice of the child, grading, and sharing with partners."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from safeguarding.synth.clock import london_date, london_midnight, stamp
from safeguarding.synth.context import Ctx
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import officer

# Things officers write in a field that carry no meaning: the quality score must not count them.
EMPTY_ANSWERS = ("", "", "n/a", "unknown", "none", "N/K")
VOICES = (
    "{name} said they were scared when the shouting started and hid upstairs.",
    "{name} was quiet and withdrawn, would not make eye contact; said 'it happens a lot'.",
    "{name} was asleep; woken and appeared calm, clean and appropriately dressed.",
    "{name} said they did not want to go home and asked if they could stay with their nan.",
    "{name} is 2 and non-verbal; presented as unkempt with a heavy nappy; the home was cold.",
    "{name} said nothing had happened and they just wanted to be left alone.",
)
AGENCIES = ("school", "health visitor", "CAMHS", "youth offending service", "children's social care (open case)")


def _field(rng: random.Random, good: str, missing: float) -> str:
    return rng.choice(EMPTY_ANSWERS) if rng.random() < missing else good


def next_school_day_start(moment: datetime) -> datetime:
    """The Operation Encompass deadline: 08:30 London time on the first weekday whose 08:30 is after the
    incident (02:00 on a Tuesday: 08:30 that Tuesday; 09:00 on a Tuesday: 08:30 on Wednesday)."""
    day = london_date(moment)
    while True:
        start = london_midnight(day) + timedelta(hours=8, minutes=30)
        if day.weekday() < 5 and start > moment:
            return start
        day += timedelta(days=1)


def ppn(
    ctx: Ctx,
    rng: random.Random,
    incident_at: datetime,
    child: TruePerson,
    concern_type: str,
    grade: str,
    concern: str,
    household: tuple[TruePerson, ...] = (),
    incident_ref: str = "",
    school_notify: bool = False,
) -> str:
    """Write one PPN about ``child`` (the subject) with the household; return its reference."""
    svc = ctx.rates.service
    ref = ctx.next_ref("PPN")
    late = rng.random() < svc["ppn_submitted_late"]
    submitted = incident_at + timedelta(
        hours=rng.randint(25, 96) if late else rng.randint(1, 23), minutes=rng.randrange(60)
    )
    sref = ctx.person_ref("ppn", child, submitted)
    missing = svc["ppn_field_missing"]
    others = [p for p in household if p.person_id != child.person_id]
    members = "; ".join(
        f"{p.forenames} {p.surname} {p.date_of_birth.isoformat() if p.date_of_birth else ''}".strip() for p in others
    )
    parents = [p for p in others if p.age_on(london_date(incident_at)) >= 18]
    row = {
        "source_system": "ppn",
        "ppn_ref": ref,
        "incident_ref": incident_ref,
        "subject_person_ref": sref,
        "incident_at": stamp(incident_at),
        "submitted_at": stamp(submitted),
        "grade": grade,
        "concern_type": concern_type,
        "concern": _field(rng, concern, missing / 3),
        "child_voice": _field(rng, rng.choice(VOICES).format(name=child.forenames), missing * 1.5),
        "child_location": _field(rng, f"At home, {child.address.address_text}", missing),
        "household_members": _field(rng, members, missing) if members else rng.choice(EMPTY_ANSWERS),
        "parental_responsibility": _field(
            rng,
            " and ".join(f"{p.forenames} {p.surname}" for p in parents) or "Local authority (looked after)",
            missing,
        ),
        "risk_reason": _field(rng, f"Graded {grade}: {concern.split('.')[0].lower()}", missing),
        "communication_needs": _field(
            rng,
            rng.choice(
                (
                    "None identified; English first language",
                    "Uses hearing aids",
                    "Autistic; needs clear simple questions",
                )
            ),
            missing * 1.5,
        ),
        "other_agencies": _field(rng, rng.choice(AGENCIES), missing * 1.5),
        "parents_aware": _field(rng, rng.choice(("Yes, mother informed at scene", "Yes, both parents told")), missing),
        "officer": officer(rng),
    }
    # Sharing service levels: red the same day, amber and green within 24 hours.
    if rng.random() >= svc["ppn_not_shared"]:
        due = (
            london_midnight(london_date(submitted) + timedelta(days=1))
            if grade == "red"
            else submitted + timedelta(hours=24)
        )
        window = max(60, int((due - submitted).total_seconds() // 60) - 1)
        if rng.random() < svc["ppn_shared_late"]:
            shared = due + timedelta(hours=rng.randint(1, 72))
        else:
            shared = submitted + timedelta(minutes=rng.randint(10, window))
        row["shared_with_csc_at"] = stamp(shared)
    if school_notify:
        deadline = next_school_day_start(incident_at)
        late_school = rng.random() < svc["school_notified_late"]
        notified = (
            deadline + timedelta(hours=rng.randint(1, 48))
            if late_school
            else deadline - timedelta(minutes=rng.randint(10, 600))
        )
        row["school_notified_at"] = stamp(max(notified, incident_at + timedelta(minutes=30)))
    ctx.batch.add("ppns", row)
    ctx.link("ppn", "ppns", ref, sref, "subject", submitted)
    for person in others:
        ctx.link("ppn", "ppns", ref, ctx.person_ref("ppn", person, submitted), "household_member", submitted)
    return ref
