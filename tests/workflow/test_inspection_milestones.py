"""The six-week action plan and the post-inspection review are tracked per inspection (DOMAIN.md)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.workflow import inspections, recommendations
from safeguarding.workflow.reviews import WorkflowError


def _inspection(factory: sessionmaker[Session]) -> None:
    recommendations.add_recommendation(
        factory, inspection="NCPI 2026", published_on=date(2026, 1, 10), reference="R1", text="Improve the hub",
        timescale="three_months", actor="gina",
    )  # fmt: skip


def test_the_action_plan_is_due_six_weeks_after_the_report(factory: sessionmaker[Session]) -> None:
    _inspection(factory)
    (view,) = inspections.inspections(factory, today=date(2026, 2, 21))
    assert view.plan_due_on == date(2026, 2, 21) and view.plan_status == "due"
    (view,) = inspections.inspections(factory, today=date(2026, 2, 22))
    assert view.plan_status == "overdue" and view.review_status == "no_date"
    inspections.record(factory, inspection="NCPI 2026", plan_submitted_on=date(2026, 2, 20), review_due_on=None,
                       review_held_on=None, actor="gina")  # fmt: skip
    inspections.record(factory, inspection="NCPI 2026", plan_submitted_on=None, review_due_on=date(2026, 9, 1),
                       review_held_on=None, actor="gina")  # fmt: skip
    (view,) = inspections.inspections(factory, today=date(2026, 9, 2))
    assert (view.plan_status, view.plan_submitted_on, view.review_status) == ("on_time", date(2026, 2, 20), "overdue")


@pytest.mark.parametrize(
    ("plan", "due", "held", "message"),
    [
        (date(2026, 1, 9), None, None, "cannot precede the report"),
        (date(2026, 2, 1), date(2026, 1, 30), None, "review follows the action plan"),
        (None, None, date(2026, 3, 1), "record the action plan before the review"),
        (date(2026, 2, 1), None, date(2026, 1, 31), "review cannot precede the action plan"),
    ],
)
def test_milestones_must_follow_in_order(
    factory: sessionmaker[Session], plan: date | None, due: date | None, held: date | None, message: str
) -> None:
    _inspection(factory)
    with pytest.raises(WorkflowError, match=message):
        inspections.record(factory, inspection="NCPI 2026", plan_submitted_on=plan, review_due_on=due,
                           review_held_on=held, actor="gina")  # fmt: skip


def test_an_unknown_inspection_is_refused(factory: sessionmaker[Session]) -> None:
    with pytest.raises(WorkflowError, match="no recommendation names that inspection"):
        inspections.record(factory, inspection="Nope", plan_submitted_on=date(2026, 1, 1), review_due_on=None,
                           review_held_on=None, actor="gina")  # fmt: skip
