"""Board workflow services on both app databases: deadlines in real hours across the clock changes, grades and
their history, missing-child actions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.workflow import missing, online
from safeguarding.workflow.reviews import WorkflowError

LONDON = ZoneInfo("Europe/London")
VERY_HIGH = {"access_own_children": True, "facilitator_grooming": True}


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (datetime(2026, 3, 29, 0, 30, tzinfo=LONDON), datetime(2026, 3, 30, 0, 30, tzinfo=UTC)),  # 01:30 BST
        (datetime(2026, 10, 25, 0, 30, tzinfo=LONDON), datetime(2026, 10, 25, 23, 30, tzinfo=UTC)),  # 23:30 GMT
    ],
)
def test_online_deadline_is_24_real_hours_across_a_clock_change(
    factory: sessionmaker[Session], received: datetime, deadline: datetime
) -> None:
    graded = online.grade_referral(
        factory, referral_ref="N-1", referrer="NCA", received_at=received, answers=VERY_HIGH, actor="ian"
    )
    assert graded.priority == "very_high" and graded.deadline_at == deadline
    assert (graded.deadline_at - received).total_seconds() == 24 * 3600


def test_grading_history_and_unknown_answers(factory: sessionmaker[Session]) -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    with pytest.raises(WorkflowError, match="Unknown answers"):
        online.grade_referral(factory, referral_ref="N-2", referrer="", received_at=at, answers={"x": True}, actor="i")
    with pytest.raises(WorkflowError, match="reference"):
        online.grade_referral(factory, referral_ref=" ", referrer="", received_at=at, answers={}, actor="i")
    online.grade_referral(factory, referral_ref="N-2", referrer="", received_at=at, answers={}, actor="i")
    up = online.grade_referral(factory, referral_ref="N-2", referrer="", received_at=at, answers=VERY_HIGH, actor="i")
    assert (up.priority, up.previous_priority, up.graded_down) == ("very_high", "low", False)
    with pytest.raises(WorkflowError, match="give the reason"):
        online.grade_referral(factory, referral_ref="N-2", referrer="", received_at=at, answers={}, actor="i")
    down = online.grade_referral(
        factory, referral_ref="N-2", referrer="", received_at=at, answers={}, actor="i", reason="No access now"
    )
    assert down.graded_down and [g.priority for g in online.gradings(factory, "N-2")] == ["low", "very_high", "low"]


def test_missing_actions_need_their_facts(factory: sessionmaker[Session]) -> None:
    with pytest.raises(WorkflowError, match="date and time"):
        missing.record(factory, person_id="P-1", episode_ref="E-1", kind="rhi_done", detail="Done by Barnardo's",
                       happened_at=None, actor="o")  # fmt: skip
    with pytest.raises(WorkflowError, match="needs an episode"):
        missing.record(factory, person_id="P-1", episode_ref=None, kind="rhi_declined", detail="Child declined",
                       happened_at=None, actor="o")  # fmt: skip
    missing.record(factory, person_id="P-1", episode_ref=None, kind="multi_agency_plan", detail="MACE plan",
                   happened_at=None, actor="o")  # fmt: skip
    assert missing.children_with_plans(factory) == {"P-1"}
    assert [a.kind for a in missing.actions(factory, ["P-1"])] == ["multi_agency_plan"]
