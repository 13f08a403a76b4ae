"""Hard negatives: children whose records look like risk but are not, so precision means something.

Each writes records that a careless rule would flag (missing from a children's home, found out of
area, seen with an older male in a car, a domestic incident, friends missing together) with the
innocent explanation in the truth (``negatives.csv``) and, as in real records, in the narrative.
"""

from __future__ import annotations

import random
from datetime import timedelta

from safeguarding.synth.clock import london_date
from safeguarding.synth.context import Ctx
from safeguarding.synth.geography import FOOTBALL_GROUNDS
from safeguarding.synth.narratives import vehicle_registration
from safeguarding.synth.people import MemberSpec, TruePerson, born_between_ages
from safeguarding.synth.records import events, missing, ppns
from safeguarding.synth.scenarios.base import Claim, Planner
from safeguarding.synth.scenarios.events import incident_event, missing_event


def childrens_home_relative(p: Planner) -> None:
    """Missing twice from a children's home, found safe at a grandparent's each time."""
    rng = p.rng
    onset = p.onset(200)
    on = london_date(onset)
    home = p.gazetteer.pick(rng, "childrens_home")
    s = p.new(
        "neg_childrens_home_relative",
        "missing",
        "Missing twice from a children's home; at nan's each time",
        onset,
        negative=True,
    )
    hh = p.population.plant(
        rng, [MemberSpec(born_between_ages(on, 55, 75), "F")], [MemberSpec(born_between_ages(on, 12, 16), address=home)]
    )
    nan, child = hh.adults[0], hh.children[0]
    p.label(s, child, "child")
    p.label(s, nan, "grandparent")
    s.places.extend([home, nan.address])
    for t in (onset, onset + timedelta(days=rng.randint(30, 150))):
        m = missing.Missing(
            child,
            t,
            home,
            "childrens_home",
            found_place=nan.address,
            risk="low",
            negated=True,
            hours=rng.choice((3, 5, 8)),
            found_with=[(nan, "associate")],
            extra=f"Found safe and well at the home of their grandmother, {nan.forenames}.",
        )
        p.missing(child, t, missing_event(m), s.kind, s)
    p.negative(s, child, "missing", "went to their grandmother's; a relative, no exploitation")


def football_parent(p: Planner) -> None:
    """A teenager found out of area at a football match, with a parent."""
    rng = p.rng
    onset = p.onset(30)
    hh = p.family(london_date(onset), [(13, 16)])
    child, dad = hh.children[0], hh.adults[0]
    s = p.new(
        "neg_football_parent",
        "criminal_exploitation",
        "Found out of area at a football match with dad",
        onset,
        negative=True,
    )
    p.label(s, child, "child")
    p.label(s, dad, "parent")
    m = missing.Missing(
        child,
        onset,
        child.address,
        "home",
        found_elsewhere=rng.choice(FOOTBALL_GROUNDS),
        hours=rng.choice((6, 9)),
        risk="low",
        risks=("out_of_area",),
        negated=True,
        reporter=hh.adults[1],
        found_with=[(dad, "associate")],
        extra="Had gone to the football with dad without telling mum.",
    )
    p.missing(child, onset, missing_event(m), s.kind, s)
    p.negative(s, child, "criminal_exploitation", "out of area at a football match with a parent")


def family_adults(p: Planner) -> None:
    """A child seen getting into a car with an older male, who is her uncle."""
    rng = p.rng
    onset = p.onset(30)
    on = london_date(onset)
    hh = p.family(on, [(12, 15)], child_sex="F")
    child = hh.children[0]
    uncle = p.population.plant(rng, [MemberSpec(born_between_ages(on, 25, 45), "M", surname=child.surname)], []).adults[
        0
    ]
    s = p.new(
        "neg_family_adults", "sexual_exploitation", "Seen with an older male in a car: her uncle", onset, negative=True
    )
    p.label(s, child, "child")
    p.label(s, uncle, "uncle")
    school = p.gazetteer.pick(rng, "school")
    vrm = vehicle_registration(rng)
    text = (
        f"Caller saw a girl of about 13 getting into a car ({vrm}) with an older male outside {school.name}. "
        f"Checked: the male is her uncle, {uncle.forenames}, collecting her with her mother's agreement. "
        "No concerns of exploitation."
    )
    people: list[tuple[TruePerson, str]] = [(child, "subject"), (uncle, "associate")]
    p.schedule(onset, incident_event(onset, school, "concern_for_welfare", people, text, (vrm,)), s)
    p.negative(s, child, "sexual_exploitation", "the older male is her uncle, with the parents' agreement")


def one_off_domestic(p: Planner) -> None:
    """A single verbal domestic incident with children present, never repeated."""
    rng = p.rng
    onset = p.onset(30)
    hh = p.family(london_date(onset), [(4, 15) for _ in range(rng.randint(1, 2))])
    s = p.new("neg_one_off_domestic", "domestic_abuse", "A one-off verbal domestic argument", onset, negative=True)
    a, b = hh.adults
    for person, role in ((a, "parent"), (b, "parent"), *((c, "child") for c in hh.children)):
        p.label(s, person, role)
    text = (
        f"Verbal argument between {b.forenames} and {a.forenames} about money; no assaults; both calm on police "
        "arrival. Children asleep upstairs."
    )
    people = [(b, "victim"), (a, "suspect"), *((c, "household_member") for c in hh.children)]

    def run(ctx: Ctx, r: random.Random) -> list[Claim]:
        ref = events.incident(ctx, r, onset, b.address, "domestic_abuse", people, text, "scheduled", True, True)
        claims: list[Claim] = [("incidents", ref)]
        for c in hh.children:
            claims.append(
                (
                    "ppns",
                    ppns.ppn(
                        ctx,
                        r,
                        onset,
                        c,
                        "domestic_abuse",
                        "green",
                        "One-off verbal argument between parents; children asleep.",
                        hh.members,
                        ref,
                        school_notify=4 <= c.age_on(london_date(onset)) < 18,
                    ),
                )
            )
        return claims

    p.schedule(onset, run, s)
    for c in hh.children:
        p.negative(s, c, "domestic_abuse", "a single verbal argument; no repeat, no violence")


def sleepover(p: Planner) -> None:
    """Friends reported missing together after a sleepover, found at another friend's house."""
    rng = p.rng
    onset = p.onset(30)
    on = london_date(onset)
    s = p.new("neg_sleepover", "missing", "Friends reported missing together after a sleepover", onset, negative=True)
    families = [p.family(on, [(12, 15)]) for _ in range(rng.randint(2, 3))]
    kids = [f.children[0] for f in families]
    host = families[0]
    for k in kids:
        p.label(s, k, "friend")
    for i, f in enumerate(families):
        child = f.children[0]
        at = onset + timedelta(minutes=10 * i)
        m = missing.Missing(
            child,
            at,
            host.adults[-1].address,
            "other",
            hours=rng.choice((2, 3)),
            risk="low",
            negated=True,
            reporter=host.adults[-1],
            companions=[k for k in kids if k is not child],
            extra="Left a sleepover without telling the parent; found at another friend's house watching films.",
        )
        p.missing(child, at, missing_event(m), s.kind, s)
        p.negative(s, child, "missing", "a sleepover: found within hours at a friend's house")
