"""Registered sex offender corrections, hand-worked (issue #24): the indefinite requirement's review runs from
the initial notification (SOA 2003 s.91B), a "no access" call is not a visit, re-notification is due a year
after the last notification, and a notification period that has ended shows as ended."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from minilake import ADULT_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare

MOMENT = datetime(2025, 2, 1, 12, tzinfo=UTC)


def _board(lake: MiniLake) -> dict[str, dict[str, Any]]:
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, MOMENT)
    rel = lake.con.sql("SELECT * FROM board_rso")
    return {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}


def _offender(lake: MiniLake, ref: str, **values: Any) -> None:
    lake.person(ref + "-P", dob=ADULT_DOB)
    values.setdefault("registered_on", date(2020, 1, 1))
    values.setdefault("status", "active")
    lake.add("offenders", offender_ref=ref, person_ref=ref + "-P", **values)


def test_indefinite_review_runs_from_the_initial_notification_not_the_conviction() -> None:
    lake = MiniLake()
    _offender(lake, "R1", conviction_date=date(2000, 1, 1), registered_on=date(2002, 6, 1), disposal="custody",
              sentence_months=36)  # fmt: skip
    _offender(lake, "R2", conviction_date=date(2000, 1, 1), registered_on=date(2002, 6, 1), disposal="custody",
              sentence_months=36, under_18_at_conviction=True)  # fmt: skip
    board = _board(lake)
    assert board["R1"]["indefinite"] and board["R1"]["review_from_on"] == date(2017, 6, 1)
    assert board["R2"]["review_from_on"] == date(2010, 6, 1)


def test_a_no_access_call_is_not_a_visit() -> None:
    lake = MiniLake()
    _offender(lake, "R1", disposal="caution", conviction_date=date(2024, 6, 1), registered_on=date(2024, 6, 1))
    lake.add("offender_visits", visit_ref="V1", offender_ref="R1", planned_on=date(2024, 9, 1),
             visited_at=datetime(2024, 9, 1, 10, tzinfo=UTC), outcome="no_access")  # fmt: skip
    lake.add("offender_visits", visit_ref="V2", offender_ref="R1", planned_on=date(2024, 10, 1),
             visited_at=datetime(2024, 10, 1, 10, tzinfo=UTC), outcome="completed")  # fmt: skip
    row = _board(lake)["R1"]
    assert (row["visits_planned"], row["visits_done"], row["visits_overdue"]) == (2, 1, 1)
    assert row["last_visited_at"] == datetime(2024, 10, 1, 10, tzinfo=UTC)
    measures = lake.con.execute(
        "SELECT numerator, denominator FROM monthly_measures WHERE measure = 'visits_on_time' ORDER BY month"
    ).fetchall()
    assert measures == [(0, 1), (1, 1)]


def test_renotification_due_a_year_after_the_last_notification() -> None:
    lake = MiniLake()
    _offender(lake, "R1", disposal="custody", sentence_months=40, conviction_date=date(2019, 1, 1),
              last_notified_at=datetime(2024, 1, 10, 9, tzinfo=UTC))  # fmt: skip
    _offender(lake, "R2", disposal="custody", sentence_months=40, conviction_date=date(2019, 1, 1),
              last_notified_at=datetime(2024, 6, 10, 9, tzinfo=UTC))  # fmt: skip
    board = _board(lake)
    assert (board["R1"]["renotify_due_on"], board["R1"]["renotify_overdue"]) == (date(2025, 1, 10), True)
    assert (board["R2"]["renotify_due_on"], board["R2"]["renotify_overdue"]) == (date(2025, 6, 10), False)


def test_an_ended_notification_period_is_shown_ended() -> None:
    lake = MiniLake()
    # A caution: 2 years from 1 Jan 2021, so ended on 1 Jan 2023, though the record still says active.
    _offender(lake, "R1", disposal="caution", conviction_date=date(2021, 1, 1), registered_on=date(2021, 1, 1))
    _offender(lake, "R2", disposal="caution", conviction_date=date(2024, 1, 1), registered_on=date(2024, 1, 1))
    board = _board(lake)
    assert (board["R1"]["status"], board["R1"]["recorded_status"]) == ("ended", "active")
    assert board["R1"]["notification_ends_on"] == date(2023, 1, 1)
    assert board["R2"]["status"] == "active"
