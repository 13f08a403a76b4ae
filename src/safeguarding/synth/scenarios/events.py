"""Typed event factories: each returns an event that writes one record (through the record builders)
and returns the claim the scenario's truth lists."""

from __future__ import annotations

import random
from datetime import datetime

from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.people import TruePerson
from safeguarding.synth.records import custody, events, intelligence, missing, ppns
from safeguarding.synth.scenarios.base import Claim, EventFn


def missing_event(m: missing.Missing) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        return [("missing_episodes", missing.episode(ctx, rng, m))]

    return run


def intel_event(
    at: datetime,
    people: list[tuple[TruePerson, str]],
    text: str,
    place: Place | None,
    phones: tuple[str, ...] = (),
    vehicles: tuple[str, ...] = (),
    grading: tuple[str, str, str] | None = None,
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        return [
            ("intelligence_logs", intelligence.intel_log(ctx, rng, at, people, text, place, phones, vehicles, grading))
        ]

    return run


def custody_event(
    at: datetime, person: TruePerson, offence: str, hours: float = 0.0, charged: bool | None = None
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        suite = ctx.gazetteer.pick(rng, "custody_suite")
        return [("custody_detentions", custody.detention(ctx, rng, at, person, offence, suite, charged, hours=hours))]

    return run


def incident_event(
    at: datetime,
    place: Place,
    category: str,
    people: list[tuple[TruePerson, str]],
    text: str,
    vehicles: tuple[str, ...] = (),
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        return [("incidents", events.incident(ctx, rng, at, place, category, people, text, vehicles=vehicles))]

    return run


def crime_event(
    at: datetime,
    place: Place,
    group: str,
    victims: list[TruePerson],
    suspects: list[TruePerson],
    narrative: str,
    offence: str = "",
    outcome: str = "under_investigation",
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        ref = events.crime(
            ctx, rng, at, place, group, victims, suspects, outcome=outcome, narrative=narrative, offence=offence
        )
        return [("crimes", ref)]

    return run


def ppn_event(
    child: TruePerson,
    at: datetime,
    concern: str,
    household: tuple[TruePerson, ...],
    grade: str = "amber",
    concern_type: str = "exploitation",
    incident_ref: str = "",
    school_notify: bool = False,
) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        ref = ppns.ppn(ctx, rng, at, child, concern_type, grade, concern, household, incident_ref, school_notify)
        return [("ppns", ref)]

    return run


def referral_event(at: datetime, suspect: TruePerson, answers: dict[str, bool]) -> EventFn:
    def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
        return [("online_referrals", intelligence.online_referral(ctx, rng, at, suspect, answers))]

    return run
