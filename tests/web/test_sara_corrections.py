"""SARA problem-solving plans (issue #24): before/after counts split at the start day, count only periods
that ended by the data's moment and each record once; links must name real records; stages run in order."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
from portal_client import Portal
from sqlalchemy.orm import Session, sessionmaker
from test_governance_pages import _as, _csrf, gov_snapshot  # noqa: F401 (fixture)

from safeguarding.web.data import governance
from safeguarding.web.data.reader import Snapshot
from safeguarding.workflow import problem_solving
from safeguarding.workflow.reviews import WorkflowError


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _snap(tmp_path: Path) -> Snapshot:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TABLE place_events (location_ref VARCHAR, record_type VARCHAR, record_ref VARCHAR,"
        " person_id VARCHAR, event_at TIMESTAMPTZ, kind VARCHAR)"
    )
    rows = [
        ("E0", "C1", "2025-05-20T10:00:00"),  # before
        ("E1", "C1", "2025-06-10T10:00:00"),  # the start's month, but before the start day: before
        ("E2", "C1", "2025-06-20T10:00:00"),  # after
        ("E2", "C2", "2025-06-20T10:00:00"),  # the same find, a second child: counted once
        ("E3", "C1", "2025-07-20T10:00:00"),  # in a period that has not ended by the moment: not counted
    ]
    for ref, child, at in rows:
        con.execute(
            "INSERT INTO place_events VALUES ('L1', 'missing_episodes', ?, ?, ?, 'found')", [ref, child, _utc(at)]
        )
    cols = {"place_events": frozenset(("location_ref", "record_type", "record_ref", "person_id", "event_at", "kind"))}
    return Snapshot(tmp_path / "s.duckdb", "", con, cols, _utc("2025-08-01T00:00:00"))


def test_before_and_after_split_at_the_start_day_in_complete_periods_counting_each_find_once(tmp_path: Path) -> None:
    snap = _snap(tmp_path)
    (found, *_rest) = [
        m
        for m in governance.before_after(
            snap, started_on=date(2025, 6, 15), places=["L1"], children=[], until=snap.moment, months=2
        )
        if m.name.startswith("Missing children found")
    ]
    assert found.months == [date(2025, 4, 15), date(2025, 5, 15), date(2025, 6, 15)]
    assert found.before == [0, 2] and found.after == [1]


def test_a_plan_moves_one_stage_at_a_time(factory: sessionmaker[Session]) -> None:
    plan = problem_solving.create(factory, title="t", subject_type="place", subject_ref="L1", problem="p",
                                  started_on=date(2025, 6, 1), actor="lou")  # fmt: skip
    with pytest.raises(WorkflowError, match="after scanning comes analysis"):
        problem_solving.set_stage(factory, plan, stage="assessment", note="done", actor="lou")
    problem_solving.set_stage(factory, plan, stage="analysis", note="looked", actor="lou")
    problem_solving.set_stage(factory, plan, stage="response", note="acted", actor="lou")
    problem_solving.set_stage(factory, plan, stage="analysis", note="back a stage", actor="lou")  # allowed


@pytest.mark.usefixtures("gov_snapshot")
def test_a_plan_links_only_records_in_the_intelligence(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "lou", "analyst")
    token = _csrf(portal, "/problems")
    made = portal.client.post(
        "/problems",
        data={"title": "Oak House", "subject": "place:L-HOME", "started_on": "2025-06-15", "problem": "Missing",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    plan_id = made.headers["location"].rsplit("/", 1)[1]
    bad = portal.client.post(f"/problems/{plan_id}/links", data={"kind": "child", "ref": "P-NOPE", "csrf_token": token})
    assert bad.status_code == 400 and "no child &#39;P-NOPE&#39; is in the intelligence" in bad.text
    good = portal.client.post(
        f"/problems/{plan_id}/links", data={"kind": "child", "ref": "P-0002", "csrf_token": token}
    )
    assert good.status_code == 200 and "P-NOPE" not in good.text
