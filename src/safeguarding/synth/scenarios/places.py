"""Contextual harm: repeat missing from a children's home (a place of concern) and a peer group who
go missing together."""

from __future__ import annotations

from datetime import datetime, timedelta

from safeguarding.synth.clock import london_date
from safeguarding.synth.geography import Place
from safeguarding.synth.people import MemberSpec, TruePerson, born_between_ages
from safeguarding.synth.records import missing
from safeguarding.synth.scenarios.base import Planner, Scenario, third_within
from safeguarding.synth.scenarios.events import missing_event


def childrens_home(p: Planner) -> None:
    """Residents of one children's home go missing again and again, found at the same places."""
    rng = p.rng
    onset = p.onset(150)
    on = london_date(onset)
    home = p.gazetteer.pick(rng, "childrens_home")
    s = p.new("childrens_home", "place", f"Repeat missing from {home.name}, a children's home", onset)
    s.places.append(home)
    hotspots = [p.gazetteer.pick(rng, "takeaway"), p.gazetteer.pick(rng, "park")]
    s.places.extend(hotspots)
    staff = p.adult(on, "F", (25, 55), address=home)
    p.label(s, staff, "care_staff")
    from_home: list[datetime] = []
    for _ in range(rng.randint(3, 4)):
        hh = p.population.plant(
            rng,
            [MemberSpec(born_between_ages(on, 30, 50), "F")],
            [MemberSpec(born_between_ages(on, 13, 15), address=home)],
        )
        child = hh.children[0]
        p.label(s, child, "resident")
        t = onset + timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 23))
        for _ in range(rng.randint(4, 7)):
            m = missing.Missing(
                child,
                t,
                home,
                "childrens_home",
                found_place=rng.choice(hotspots),
                risk=rng.choice(("low", "medium", "medium")),
                negated=rng.random() < 0.4,
                blaming=rng.random() < 0.4,
                reporter=staff,
            )
            p.missing(child, t, missing_event(m), s.kind, s)
            from_home.append(t)
            t += timedelta(days=rng.randint(4, 25), hours=rng.randint(0, 12))
    by = sorted(from_home)[min(5, len(from_home) - 1)]
    p.expect_place(s, home, "place", "place_of_concern", by)
    for spot in hotspots:
        p.expect_place(s, spot, "place", "found_location_hotspot", by)


def peer_group(p: Planner) -> None:
    """Three to five children from different homes who go missing together and are found together."""
    rng = p.rng
    onset = p.onset(200)
    on = london_date(onset)
    s = p.new("peer_group", "missing", "A peer group who go missing together", onset)
    kids: list[TruePerson] = []
    reporters: dict[str, TruePerson] = {}
    for _ in range(rng.randint(3, 5)):
        hh = p.family(on, [(13, 15)], adults=rng.randint(1, 2))
        kids.append(hh.children[0])
        reporters[hh.children[0].person_id] = hh.adults[-1]
        p.label(s, hh.children[0], "member")
    spot = p.gazetteer.pick(rng, rng.choice(("park", "leisure", "takeaway")))
    s.places.append(spot)
    t = onset
    joint: list[datetime] = []
    for _ in range(rng.randint(3, 5)):
        joint.append(t)
        _joint_episode(p, s, kids, reporters, t, spot)
        t += timedelta(days=rng.randint(15, 60), hours=rng.randint(0, 6))
    p.expect_group(s, kids, "missing", "peer_group_missing", joint[1])
    if third_within(joint) is None:
        p.expect_place(s, spot, "missing", "found_location_hotspot", joint[2])


def _joint_episode(
    p: Planner, s: Scenario, kids: list[TruePerson], reporters: dict[str, TruePerson], t: datetime, spot: Place
) -> None:
    for i, child in enumerate(kids):
        at = t + timedelta(minutes=20 * i + p.rng.randint(0, 15))
        m = missing.Missing(
            child,
            at,
            child.address,
            "home",
            found_place=spot,
            hours=p.rng.choice((5, 8, 12)),
            risk="medium",
            reporter=reporters[child.person_id],
            companions=[k for k in kids if k is not child],
            extra="Believed to be with friends from school.",
        )
        p.missing(child, at, missing_event(m), s.kind, s)
