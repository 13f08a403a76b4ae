"""Custody clocks against the law, hand-worked (PACE s.40-44, Code C): the detainee from the detention's own
person_ref, reviews from authorisation then from the previous review, postponements with a reason, s.42
extensions and warrants, a review time before arrival, and the AA clock with no "identified" time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from minilake import ADULT_DOB, CHILD_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare

T = datetime(2024, 5, 1, 10, tzinfo=UTC)
LATER = datetime(2025, 1, 1, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def _board(lake: MiniLake) -> dict[str, dict[str, Any]]:
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, LATER)
    rel = lake.con.sql("SELECT * FROM board_custody")
    return {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}


def _detention(lake: MiniLake, ref: str, with_record_person: bool = True, **values: Any) -> None:
    values.setdefault("arrived_at", T)
    lake.add("custody_detentions", custody_ref=ref, person_ref=ref + "-P", **values)
    if with_record_person:
        lake.on("custody_detentions", ref, ref + "-P", "detainee")


def test_the_detentions_own_person_ref_is_the_detainee() -> None:
    lake = MiniLake()
    lake.person("K1-P", dob=CHILD_DOB)  # 14 on arrival, named only on the detention itself
    lake.person("K2-P", dob=ADULT_DOB)
    _detention(lake, "K1", with_record_person=False, released_at=_at(2))
    _detention(lake, "K2", with_record_person=False, released_at=_at(2))
    board = _board(lake)
    assert set(board) == {"K1"}
    assert board["K1"]["person_id"] == "P-K1-P" and board["K1"]["age"] == 14


def _reviews(*entries: str) -> str:
    return "|".join(entries)


def test_reviews_run_6h_from_authorisation_then_9h_from_the_previous_review() -> None:
    lake = MiniLake()
    lake.person("K1-P")
    lake.person("K2-P")
    # Authorised at 11:00 (an hour after arrival): first review due 17:00; held 16:00, so the next is due 01:00
    # (9 h after 16:00, not 9 h after 17:00 or on a grid from arrival); held 01:20, inside the 30-minute grace.
    _detention(lake, "K1", detention_authorised_at=_at(1), released_at=_at(16),
               review_times=_reviews(_at(6).isoformat(), _at(15 + 1 / 3).isoformat()))  # fmt: skip
    # The same first review; the second held at 01:40 is 40 minutes past its due time: late.
    _detention(lake, "K2", detention_authorised_at=_at(1), released_at=_at(16),
               review_times=_reviews(_at(6).isoformat(), _at(15 + 2 / 3).isoformat()))  # fmt: skip
    # First review early (14:00); the next is due 9 h after it (23:00), so one at 00:00 is late, although a fixed
    # grid from arrival (16:00, 01:00) would call it on time.
    lake.person("K3-P")
    _detention(lake, "K3", released_at=_at(16), review_times=_reviews(_at(4).isoformat(), _at(14).isoformat()))
    board = _board(lake)
    assert (board["K3"]["reviews_late"], board["K3"]["review_breach"]) == (1, True)
    assert (board["K1"]["reviews_done"], board["K1"]["reviews_late"], board["K1"]["review_breach"]) == (2, 0, False)
    assert board["K1"]["next_review_due_at"] == _at(15 + 1 / 3 + 9)
    assert (board["K2"]["reviews_late"], board["K2"]["review_breach"]) == (1, True)


def test_a_postponed_review_with_a_reason_is_not_a_breach_and_the_next_runs_from_its_due_time() -> None:
    lake = MiniLake()
    lake.person("K1-P")
    lake.person("K2-P")
    # First due 16:00 (6 h from arrival); postponed with a reason and held 17:00. The next is due 9 h after
    # 16:00, i.e. 01:00: held 01:00, on time. Released 02:00.
    _detention(lake, "K1", released_at=_at(16),
               review_times=_reviews(f"{_at(7).isoformat()} postponed: detainee being interviewed",
                                     _at(15).isoformat()))  # fmt: skip
    # Postponed with no reason: a breach.
    _detention(lake, "K2", released_at=_at(8), review_times=f"{_at(7).isoformat()} postponed")
    board = _board(lake)
    assert (board["K1"]["reviews_postponed"], board["K1"]["reviews_late"], board["K1"]["review_breach"]) == (
        1,
        0,
        False,
    )
    assert board["K2"]["review_breach"] and "review postponed with no reason" in board["K2"]["breaches"]


def test_a_review_before_arrival_is_not_counted_as_done() -> None:
    lake = MiniLake()
    lake.person("K1-P")
    _detention(lake, "K1", released_at=_at(8), review_times=_at(-2).isoformat())
    row = _board(lake)["K1"]
    assert (row["reviews_done"], row["reviews_before_arrival"], row["review_breach"]) == (0, 1, True)
    assert "review time before arrival (data error)" in row["breaches"]


def test_extensions_and_warrants_set_the_limit_in_force() -> None:
    lake = MiniLake()
    for ref in ("K1", "K2", "K3", "K4"):
        lake.person(ref + "-P")
    _detention(lake, "K1", released_at=_at(30))  # past 24 h with no authority
    _detention(lake, "K2", released_at=_at(30), extension_authorised_at=_at(20))  # s.42: 36 h
    _detention(lake, "K3", released_at=_at(40), extension_authorised_at=_at(20))  # past 36 h
    _detention(lake, "K4", released_at=_at(60), extension_authorised_at=_at(20), warrant_expires_at=_at(72))
    board = _board(lake)
    assert [board[k]["limit_hours"] for k in ("K1", "K2", "K3", "K4")] == [24, 36, 36, 72]
    assert [board[k]["over_basic_limit"] for k in ("K1", "K2", "K3", "K4")] == [True, False, True, False]
    assert "held past the basic limit" in board["K1"]["breaches"]
    assert "held past the extended limit" in board["K3"]["breaches"]


def test_no_identified_time_and_an_aa_requested_three_hours_after_arrival_is_a_breach() -> None:
    lake = MiniLake()
    lake.person("K1-P")
    _detention(lake, "K1", appears_under_18=True, aa_requested_at=_at(3), aa_arrived_at=_at(4), released_at=_at(5))
    row = _board(lake)["K1"]
    assert row["aa_request_status"] == "late" and row["no_identified_time"]
    assert "appropriate adult requested late" in row["breaches"]
