"""The assessment's one moment (assess/assessment.py ``assessment_moment``): with no ``--as-of`` and no
extract time it is the latest time any record was known, so a time recorded after the newest report (a
child found, a detainee released, a grade ratified) is not blanked as "not yet happened"."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from minilake import ADULT_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.assessment import assess_children, assessment_moment


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _board(lake: MiniLake, table: str, key: str, value: str, extract: datetime | None = None) -> dict[str, Any]:
    moment = assess_children(lake.con, lake.mentions(), extract_time=extract)
    clocks.build(lake.con, moment)
    rel = lake.con.sql(f"SELECT * FROM {table} WHERE {key} = '{value}'")
    (found,) = rel.fetchall()
    return dict(zip(rel.columns, found, strict=True))


def test_a_child_found_and_interviewed_after_the_newest_report_is_back_home() -> None:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", utc("2024-05-01 01:00"), risk_grade="medium", found_at=utc("2024-05-01 09:00"),
                 rhi_done_at=utc("2024-05-01 15:00"))  # fmt: skip
    row = _board(lake, "board_missing", "episode_ref", "E1")
    assert row["is_open"] is False
    assert row["rhi_status"] == "done_in_time"
    assert row["hours_missing"] == 8.0


def test_a_detainee_released_after_the_newest_arrival_is_not_in_custody_now() -> None:
    lake = MiniLake()
    lake.person("D1")
    lake.add("custody_detentions", custody_ref="K1", person_ref="D1", arrived_at=utc("2024-05-01 01:00"),
             appears_under_18=True, released_at=utc("2024-05-01 09:00"))  # fmt: skip
    lake.on("custody_detentions", "K1", "D1", "detainee")
    row = _board(lake, "board_custody", "custody_ref", "K1")
    assert row["in_custody_now"] is False
    assert row["released_at"] == utc("2024-05-01 09:00")


def test_a_grade_ratified_forty_minutes_later_is_on_time() -> None:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", utc("2024-05-01 10:00"), risk_grade="high", graded_at=utc("2024-05-01 10:05"),
                 ratified_at=utc("2024-05-01 10:45"))  # fmt: skip
    row = _board(lake, "board_missing", "episode_ref", "E1")
    assert row["ratify_status"] == "on_time"


def test_the_extract_time_is_the_moment_and_as_of_overrides_it() -> None:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", utc("2024-05-01 10:00"), risk_grade="medium")
    extract = utc("2024-05-03 06:00")
    row = _board(lake, "board_missing", "episode_ref", "E1", extract)
    assert row["is_open"] and row["hours_missing"] == 44.0
    assert assessment_moment(lake.con, date(2024, 5, 1), extract) == utc("2024-05-02 00:00")
    assert assessment_moment(lake.con, None, extract) == extract
    assert assessment_moment(lake.con, None, None) == utc("2024-05-01 10:00")


def test_adults_stay_adults_and_children_stay_children_at_the_moment_not_today() -> None:
    # Born 2008: a child at the data's moment (2024), an adult by the machine's date (2026): the rule views
    # take the age at each record's time, and the moment is the data's, so the episode is a child's.
    lake = MiniLake()
    lake.person("C1", dob=date(2008, 6, 1))
    lake.person("A1", dob=ADULT_DOB)
    lake.missing("E1", "C1", utc("2024-05-01 10:00"), risk_grade="medium")
    lake.missing("E2", "A1", utc("2024-05-01 10:00"), risk_grade="medium")
    moment = assess_children(lake.con, lake.mentions())
    clocks.build(lake.con, moment)
    refs = {r[0] for r in lake.con.execute("SELECT episode_ref FROM board_missing").fetchall()}
    assert refs == {"E1"}
