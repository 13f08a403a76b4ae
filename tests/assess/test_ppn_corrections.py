"""PPN corrections, hand-worked (issue #24): Operation Encompass is due before the start of the next school
day (configurable school days and holidays) for every child in the household, whoever the PPN is about; the
subject named by subject_person_ref counts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from minilake import ADULT_DOB, CHILD_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare
from safeguarding.policy.levels import use_levels_file
from safeguarding.synth.records.ppns import next_school_day_start

LATER = datetime(2025, 1, 1, tzinfo=UTC)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _board(lake: MiniLake) -> dict[str, dict[str, Any]]:
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, LATER)
    rel = lake.con.sql("SELECT * FROM board_ppn")
    return {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}


def _ppn(lake: MiniLake, ref: str, subject: str, at: datetime, link_subject: bool = True, **values: Any) -> None:
    values.setdefault("concern_type", "domestic_abuse")
    values.setdefault("grade", "amber")
    lake.add("ppns", ppn_ref=ref, subject_person_ref=subject, incident_at=at, submitted_at=at, **values)
    if link_subject:
        lake.on("ppns", ref, subject, "subject")


# 2024-05-07 is a Tuesday (BST: London is UTC+1).
CASES = [
    ("2024-05-07T01:00:00", "2024-05-07T07:30:00"),  # 02:00 Tuesday -> 08:30 that Tuesday
    ("2024-05-07T07:29:00", "2024-05-07T07:30:00"),  # 08:29 Tuesday -> 08:30 that Tuesday
    ("2024-05-07T07:30:00", "2024-05-08T07:30:00"),  # exactly 08:30 Tuesday -> Wednesday
    ("2024-05-10T20:00:00", "2024-05-13T07:30:00"),  # 21:00 Friday -> Monday
    ("2024-05-11T23:30:00", "2024-05-13T07:30:00"),  # 00:30 Sunday -> Monday
]


@pytest.mark.parametrize(("incident", "due"), CASES)
def test_encompass_is_due_before_the_start_of_the_next_school_day(incident: str, due: str) -> None:
    lake = MiniLake()
    lake.person("C1")
    _ppn(lake, "P1", "C1", utc(incident))
    assert _board(lake)["P1"]["school_due_at"] == utc(due)


@pytest.mark.parametrize(("incident", "due"), CASES)
def test_the_synthetic_generator_uses_the_same_deadline(incident: str, due: str) -> None:
    assert next_school_day_start(utc(incident)) == utc(due)


@pytest.fixture
def levels_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "force-levels.yaml"
    use_levels_file(None)


def test_school_holidays_and_days_are_configurable(levels_file: Path) -> None:
    levels_file.write_text(
        "ppn:\n  school_days: [1, 2, 3, 4]\n  school_holidays: ['2024-05-08', '2024-05-09..2024-05-13']\n",
        encoding="utf-8",
    )
    use_levels_file(levels_file)
    lake = MiniLake()
    lake.person("C1")
    # Tuesday 21:00: Wednesday is a holiday, Thursday-Monday too; Tuesday 14 May is the next school day.
    _ppn(lake, "P1", "C1", utc("2024-05-07T20:00:00"))
    assert _board(lake)["P1"]["school_due_at"] == utc("2024-05-14T07:30:00")


def test_encompass_covers_a_child_in_the_household_when_the_ppn_is_about_an_adult() -> None:
    lake = MiniLake()
    lake.person("M1", dob=ADULT_DOB)
    lake.person("C1", dob=CHILD_DOB)
    lake.person("M2", dob=ADULT_DOB)
    lake.on("ppns", "P1", "C1", "household_member")
    _ppn(lake, "P1", "M1", utc("2024-05-07T01:00:00"))  # about the mother; her child lives there
    _ppn(lake, "P2", "M2", utc("2024-05-07T01:00:00"))  # no child anywhere
    board = _board(lake)
    assert board["P1"]["school_due_at"] == utc("2024-05-07T07:30:00") and board["P1"]["household_children"] == 1
    assert board["P2"]["school_due_at"] is None and board["P2"]["school_status"] is None


def test_the_subject_person_ref_is_the_subject() -> None:
    lake = MiniLake()
    lake.person("C1")
    _ppn(lake, "P1", "C1", utc("2024-05-07T01:00:00"), link_subject=False)
    row = _board(lake)["P1"]
    assert row["person_id"] == "P-C1" and row["subject_is_child"] is True
    assert row["school_due_at"] == utc("2024-05-07T07:30:00")
