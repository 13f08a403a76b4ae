"""Truth the background's own records make: children the force's ordinary business puts at risk.

The background is not only noise. Police demand is concentrated (synth/pick.py), so some ordinary households
have domestic abuse again and again, and some online referrals name a suspect who lives with children. By
DOMAIN.md's own definitions those children are at risk exactly as a planted household's are, and an honest
truth says so. Both sets are worked out here from what the generator made (true households, true addresses,
the times it wrote), never from the assessment, which ``synth`` does not import:

- ``background_domestic_abuse``: a child under 18 living at a home (their own address) where three or more
  domestic-abuse incidents happened within 365 days: the definition the planted ``domestic_abuse`` scenario
  has always used (expected by the third incident; "a household with repeat domestic abuse where a child
  lives", issue 6). Expected by the third incident.
- ``background_online_access``: a child under 18 living with the suspect of an online child-abuse referral
  that records access to children (DOMAIN.md "Online child sexual abuse referrals", step 2, as the planted
  ``online_offender`` scenario). Expected by the referral.

Only children who appear in some record are listed: a child the force never recorded cannot be found, and
``people.csv`` (which the evaluation reads) lists only people in records. There is no planted harm date.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from safeguarding.synth.clock import london_date
from safeguarding.synth.people import Population, TruePerson
from safeguarding.synth.truth import TruthWriter

REPEAT_INCIDENTS = 3
REPEAT_WINDOW = timedelta(days=365)


def repeat_domestic_abuse(
    incidents: list[tuple[datetime, str, list[TruePerson]]],
) -> dict[str, tuple[TruePerson, datetime]]:
    """Child id -> (child, moment of the incident that made the third within 365 days at their home)."""
    by_home: dict[str, list[tuple[datetime, list[TruePerson]]]] = {}
    for at, home, children in incidents:
        by_home.setdefault(home, []).append((at, children))
    found: dict[str, tuple[TruePerson, datetime]] = {}
    for events in by_home.values():
        events.sort(key=lambda e: e[0])
        for i, (at, children) in enumerate(events):
            # Each child's count uses only the incidents that happened while they lived there as a child.
            for child in children:
                if child.person_id in found or child.age_on(london_date(at)) >= 18:
                    continue
                inside = [
                    t
                    for t, kids in events[: i + 1]
                    if t > at - REPEAT_WINDOW and any(k.person_id == child.person_id for k in kids)
                ]
                if len(inside) >= REPEAT_INCIDENTS:
                    found[child.person_id] = (child, at)
    return found


def online_access(
    referrals: list[tuple[datetime, TruePerson, bool]], population: Population
) -> dict[str, tuple[TruePerson, datetime]]:
    """Child id -> (child, first referral) for children living with a suspect whose referral records access."""
    found: dict[str, tuple[TruePerson, datetime]] = {}
    for at, suspect, access in sorted(referrals, key=lambda r: r[0]):
        if not access:
            continue
        for child in population.household(suspect.household).children:
            if child.address.ref == suspect.address.ref and child.age_on(london_date(at)) < 18:
                found.setdefault(child.person_id, (child, at))
    return found


def expect_background(
    truth: TruthWriter,
    population: Population,
    domestic: list[tuple[datetime, str, list[TruePerson]]],
    referrals: list[tuple[datetime, TruePerson, bool]],
) -> int:
    """Append the background's expectations to the truth; return how many rows were added."""
    added = 0
    for kind, category, indicator, found in (
        ("background_domestic_abuse", "domestic_abuse", "repeat_domestic_abuse", repeat_domestic_abuse(domestic)),
        ("background_online_access", "online", "online_offender_access", online_access(referrals, population)),
    ):
        for pid, (_child, at) in sorted(found.items()):
            if not truth.seen(pid):
                continue
            truth.expected.append(
                {
                    "true_person_id": pid,
                    "category": category,
                    "indicator": indicator,
                    "expected_by": london_date(at).isoformat(),
                    "scenario": kind,
                    "scenario_id": "",
                    "harm_on": "",
                }
            )
            added += 1
    return added
