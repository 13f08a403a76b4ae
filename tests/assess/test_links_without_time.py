"""Links whose records carry no time keep one: nominal records without `recorded_at` (optional in the contract)."""

from __future__ import annotations

from datetime import date

from minilake import ADULT_DOB, MiniLake, day

from safeguarding.assess import networks
from safeguarding.assess.scoring import load_scoring


def _household(child_named_at: float | None) -> MiniLake:
    # A registered sex offender and a child at the same address, neither nominal record with a recorded_at.
    lake = MiniLake()
    lake.person("ADULT", dob=ADULT_DOB, address_ref="UPRN-1", recorded_at=None)
    lake.person("CHILD", address_ref="UPRN-1", recorded_at=None)
    lake.add("offenders", offender_ref="RSO-1", person_ref="ADULT", registered_on=date(2020, 1, 1))
    if child_named_at is not None:
        lake.missing("MIS-1", "CHILD", day(child_named_at))
    return lake


def _edges(lake: MiniLake) -> list[tuple[object, ...]]:
    moment = lake.assess(as_of=day(30).date()).con.execute("SELECT max(event_at) FROM record_times").fetchall()[0][0]
    networks.build(lake.con, load_scoring(), moment or day(30))
    return lake.con.execute(
        "SELECT person_l, person_r, link_types, first_at FROM network_edges ORDER BY ALL"
    ).fetchall()


def test_an_address_shared_by_mentions_without_recorded_at_makes_an_edge() -> None:
    edges = _edges(_household(child_named_at=None))
    assert [(a, b, t) for a, b, t, _ in edges] == [("P-ADULT", "P-CHILD", "address")]
    assert edges[0][3] is not None  # known at the assessment's moment


def test_the_link_takes_the_time_of_the_first_record_naming_the_mention() -> None:
    edges = _edges(_household(child_named_at=3))
    address = [e for e in edges if "address" in str(e[2])]
    assert address and address[0][3] == day(3)
