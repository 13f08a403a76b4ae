"""Harm at home and from known offenders: domestic abuse households, an online offender with access
to children, and a registered sex offender in contact with a child."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from safeguarding.synth.clock import london_date
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import Place
from safeguarding.synth.narratives import incident_narrative
from safeguarding.synth.people import Household, TruePerson
from safeguarding.synth.records import events, intelligence, missing, ppns
from safeguarding.synth.records import offenders as rso
from safeguarding.synth.scenarios.base import Claim, EventFn, Planner
from safeguarding.synth.scenarios.events import (
    crime_event,
    incident_event,
    intel_event,
    missing_event,
    ppn_event,
    referral_event,
)


@dataclass(frozen=True)
class DomesticCall:
    """One call to a domestic abuse household: the incident, a crime if there was an assault, PPNs."""

    at: datetime
    home: Place
    household: Household
    text: str
    grade: str
    severity: str  # verbal | assault | serious

    def __call__(self, ctx: Ctx, rng: random.Random) -> list[Claim]:
        suspect, victim = self.household.adults
        children = self.household.children
        people = [(victim, "victim"), (suspect, "suspect"), *((c, "household_member") for c in children)]
        thrive = "priority" if self.severity == "verbal" else "emergency"
        ref = events.incident(ctx, rng, self.at, self.home, "domestic_abuse", people, self.text, thrive, True, True)
        claims: list[Claim] = [("incidents", ref)]
        if self.severity != "verbal":
            serious = self.severity == "serious"
            offence = "Wounding with intent (GBH)" if serious else ""
            group = "violence" if serious else "domestic_abuse"
            crime = events.crime(ctx, rng, self.at, self.home, group, [victim], [suspect], ref, True, offence=offence)
            claims.append(("crimes", crime))
        for c in children:
            school = 4 <= c.age_on(london_date(self.at)) < 18
            concern = "Domestic abuse in the child's home; the child was present."
            members = self.household.members
            ppn = ppns.ppn(ctx, rng, self.at, c, "domestic_abuse", self.grade, concern, members, ref, school)
            claims.append(("ppns", ppn))
        return claims


def domestic_abuse(p: Planner) -> None:
    """A household with children and repeat, escalating domestic abuse, ending in a serious assault."""
    rng = p.rng
    onset = p.onset(240)
    harm = onset + timedelta(days=rng.randint(180, 400))
    s = p.new("domestic_abuse", "domestic_abuse", "Repeat domestic abuse in a household with children", onset)
    s.harm = harm
    hh = p.family(london_date(onset), [(0, 15) for _ in range(rng.randint(1, 3))])
    suspect, victim = hh.adults
    p.label(s, suspect, "perpetrator")
    p.label(s, victim, "adult_victim")
    for c in hh.children:
        p.label(s, c, "child_in_household")
    home = victim.address
    s.places.append(home)
    span = (harm - onset).total_seconds()
    times = sorted(onset + timedelta(seconds=span * (1 - rng.random() ** 1.5)) for _ in range(rng.randint(3, 7)))
    kids = f"{len(hh.children)} children in the address; they were present."
    for i, t in enumerate([*times, harm]):
        severity = "verbal" if i == 0 else ("serious" if t == harm else "assault")
        if severity == "verbal":
            text = (
                f"Verbal argument between {victim.forenames} and {suspect.forenames} at the home address. "
                f"No assaults disclosed. {kids}"
            )
        elif severity == "serious":
            text = (
                f"{victim.forenames} strangled and struck with a bottle by {suspect.forenames} at the home "
                f"address; taken to hospital. {kids}"
            )
        else:
            text = incident_narrative(
                rng, "domestic_abuse", "the home address", victim.forenames, suspect.forenames, kids
            )
        p.schedule(t, DomesticCall(t, home, hh, text, "red" if i >= 2 else "amber", severity), s)
    third = times[min(2, len(times) - 1)]
    for c in hh.children:
        p.expect(s, c, "domestic_abuse", "repeat_domestic_abuse", third)
    p.expect_place(s, home, "domestic_abuse", "repeat_address", third)


def online_offender(p: Planner) -> None:
    """An online offender referred by the NCA, living with a partner and her children; later a contact offence."""
    rng = p.rng
    onset = p.onset(200)
    harm = onset + timedelta(days=rng.randint(60, 200))
    s = p.new("online_offender", "online", "An online offender with access to a partner's children", onset)
    s.harm = harm
    hh = p.family(london_date(onset), [(5, 13) for _ in range(rng.randint(1, 2))])
    suspect = hh.adults[0]
    p.label(s, suspect, "online_suspect")
    answers = dict.fromkeys(intelligence.ANSWERS, False)
    answers.update(
        {
            "access_partner_children": True,
            "facilitator_sexual_communication": True,
            "other_convictions": rng.random() < 0.5,
            "previous_sexual_allegation": rng.random() < 0.3,
        }
    )
    p.schedule(onset, referral_event(onset, suspect, answers), s)
    # Officers researching the referral find children at the address and submit a PPN for each.
    ppn_at = onset + timedelta(days=rng.randint(1, 4))
    concern = "Suspect in an NCA online child-abuse referral lives with his partner's children."
    for c in hh.children:
        p.label(s, c, "child_with_access")
        p.schedule(ppn_at, ppn_event(c, ppn_at, concern, hh.members, "red", "online"), s)
        p.expect(s, c, "online", "online_offender_access", onset)
    victim = hh.children[0]
    narrative = "Child disclosed to a teacher that mum's partner touched her and took photos."
    p.schedule(harm, crime_event(harm, victim.address, "sexual", [victim], [suspect], narrative), s)


@dataclass
class Supervision:
    """The offender manager's view of the scenario's offender: registered, then visited quarterly."""

    offender: TruePerson
    registered: date
    at: datetime
    reg: rso.Registration | None = None

    def enrol(self, ctx: Ctx, rng: random.Random) -> list[Claim]:
        self.reg = rso.register(ctx, rng, self.offender, self.registered, self.at)
        return [("offenders", self.reg.offender_ref)]

    def visit(self, planned: date) -> EventFn:
        def run(ctx: Ctx, rng: random.Random) -> list[Claim]:
            if self.reg is None:
                return []
            rso.visit(ctx, rng, self.reg, planned, "Seen at home alone; states he has no contact with children.")
            return [("offender_visits", f"VIS{ctx.counters['VIS']:07d}")]

        return run


def rso_contact(p: Planner) -> None:
    """A registered sex offender seen with a child, who is later found at his address."""
    rng = p.rng
    onset = p.onset(200)
    harm = onset + timedelta(days=rng.randint(90, 180))
    on = london_date(onset)
    s = p.new("rso_contact", "sex_offender_contact", "A registered sex offender in contact with a child", onset)
    s.harm = harm
    offender = p.adult(on, "M", (35, 65))
    p.label(s, offender, "registered_sex_offender")
    hh = p.family(on, [(11, 14)], adults=1, child_sex="F" if rng.random() < 0.7 else "M")
    child = hh.children[0]
    p.label(s, child, "victim")
    s.places.append(offender.address)
    enrolled = p.start + timedelta(hours=2)
    sup = Supervision(offender, on - timedelta(days=rng.randint(400, 3000)), enrolled)
    p.schedule(enrolled, sup.enrol, s)
    t = p.start + timedelta(days=20)
    while t < p.end:
        p.schedule(t, sup.visit(london_date(t)), s)
        t += timedelta(days=91)
    park = p.gazetteer.pick(rng, "park")
    text = (
        f"{offender.forenames} {offender.surname}, a registered sex offender, seen at {park.name} talking to a "
        f"girl of about 12 and giving her sweets and a phone number."
    )
    phones = (offender.phone,) if offender.phone else ()
    p.schedule(onset, intel_event(onset, [(offender, "subject"), (child, "associate")], text, park, phones), s)
    second = onset + timedelta(days=rng.randint(20, 60))
    m = missing.Missing(
        child,
        second,
        child.address,
        "home",
        found_place=offender.address,
        risk="medium",
        negated=True,
        reporter=hh.adults[0],
        found_with=[(offender, "associate")],
        extra="Found at the address of an older male who says he is a family friend.",
    )
    p.missing(child, second, missing_event(m), s.kind, s)
    third = second + timedelta(days=rng.randint(10, 40))
    text2 = incident_narrative(rng, "concern_for_welfare", offender.address.address_text, child.forenames)
    text2 += " Child found inside the address with the occupant."
    people = [(child, "subject"), (offender, "associate")]
    p.schedule(third, incident_event(third, offender.address, "concern_for_welfare", people, text2), s)
    narrative = "Sexual assault of a child by a registered sex offender at his home."
    p.schedule(
        harm, crime_event(harm, offender.address, "sexual", [child], [offender], narrative, outcome="charged"), s
    )
    p.expect(s, child, "sex_offender_contact", "rso_contact", onset)
