"""Online child-abuse referral work: the KIRAT-style questionnaire (a new referral, or a re-grade of one in the
force's data) and outcomes. The priority always comes from the decision table in configuration
(policy.levels), never from a number typed in; a grade lower than the one before is kept and flagged."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.policy.levels import ANSWERS, grade, load_levels, priority_rank
from safeguarding.security import audit
from safeguarding.workflow.board_models import OnlineGrading, OnlineOutcome
from safeguarding.workflow.reviews import WorkflowError

OUTCOMES: dict[str, str] = {
    "warrant_executed": "Warrant executed",
    "arrest": "Arrest",
    "voluntary_interview": "Voluntary interview",
    "safeguarding_visit": "Safeguarding visit",
    "no_further_action": "No further action (reason in notes)",
    "transferred": "Transferred to another force",
}
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9/_.-]{0,63}$")


@dataclass(frozen=True)
class Grading:
    id: int
    referral_ref: str
    referrer: str
    received_at: datetime
    answers: dict[str, bool]
    priority: str
    deadline_at: datetime
    reason: str
    graded_by: str
    graded_at: datetime
    previous_priority: str | None  # the grade before this one (portal or force data), if any

    @property
    def graded_down(self) -> bool:
        return self.previous_priority is not None and priority_rank(self.priority) < priority_rank(
            self.previous_priority
        )


@dataclass(frozen=True)
class Outcome:
    referral_ref: str
    outcome: str
    notes: str
    actioned_at: datetime
    recorded_by: str


def deadline(received_at: datetime, priority: str) -> datetime:
    """Receipt plus the priority's hours, counted in real time (UTC): a day across a clock change is 24 hours,
    not the 23 or 25 that adding to London wall-clock time would give."""
    hours = int(load_levels()["online"]["deadline_hours"][priority])
    return received_at.astimezone(UTC) + timedelta(hours=hours)


def grade_referral(
    factory: sessionmaker[Session],
    *,
    referral_ref: str,
    referrer: str,
    received_at: datetime,
    answers: Mapping[str, bool],
    actor: str,
    reason: str = "",
    previous_priority: str | None = None,
) -> Grading:
    """Grade a referral from the questionnaire's answers; audited. ``previous_priority`` is the grade the
    force's data gave it, for a re-grade of a referral that is not yet graded on the portal."""
    ref = referral_ref.strip()
    if not _REF.match(ref):
        raise WorkflowError("A referral reference is 1-64 letters, digits, '/', '_', '.' or '-'.")
    unknown = set(answers) - ANSWERS
    if unknown:
        raise WorkflowError(f"Unknown answers: {', '.join(sorted(unknown))}.")
    clean = {a: bool(answers.get(a, False)) for a in sorted(ANSWERS)}
    priority = grade(clean)
    earlier = gradings(factory, ref)
    before = earlier[-1].priority if earlier else previous_priority
    if before is not None and priority_rank(priority) < priority_rank(before) and not reason.strip():
        raise WorkflowError(
            f"These answers lower the grade from {before.replace('_', ' ')} to {priority.replace('_', ' ')}:"
            " give the reason."
        )
    with transaction(factory) as session:
        row = OnlineGrading(
            referral_ref=ref, referrer=referrer.strip()[:100], received_at=received_at, answers=json.dumps(clean),
            priority=priority, previous_priority=before, deadline_at=deadline(received_at, priority),
            reason=reason.strip(), graded_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="decision", object_type="online_referral", object_id=ref,
            detail={"priority": priority, "previous": before, "grading_id": row.id},
        )  # fmt: skip
        return _grading(row)


def _grading(row: OnlineGrading) -> Grading:
    return Grading(
        row.id, row.referral_ref, row.referrer, row.received_at, json.loads(row.answers), row.priority,
        row.deadline_at, row.reason, row.graded_by, row.graded_at, row.previous_priority,
    )  # fmt: skip


def gradings(factory: sessionmaker[Session], referral_ref: str | None = None) -> list[Grading]:
    """Portal gradings, oldest first, each with the grade before it."""
    with factory() as session:
        query = select(OnlineGrading).order_by(OnlineGrading.id)
        if referral_ref is not None:
            query = query.where(OnlineGrading.referral_ref == referral_ref)
        return [_grading(row) for row in session.execute(query).scalars()]


def record_outcome(
    factory: sessionmaker[Session], *, referral_ref: str, outcome: str, notes: str, actioned_at: datetime, actor: str
) -> Outcome:
    if outcome not in OUTCOMES:
        raise WorkflowError("Choose an outcome.")
    cleaned = notes.strip()
    if not cleaned:
        raise WorkflowError("An outcome needs a note of what was done (or why nothing was).")
    with transaction(factory) as session:
        row = OnlineOutcome(
            referral_ref=referral_ref, outcome=outcome, notes=cleaned, actioned_at=actioned_at, recorded_by=actor
        )
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="decision", object_type="online_referral", object_id=referral_ref,
            detail={"outcome": outcome, "outcome_id": row.id},
        )  # fmt: skip
        return Outcome(referral_ref, outcome, cleaned, actioned_at, actor)


def outcomes(factory: sessionmaker[Session]) -> dict[str, Outcome]:
    """The latest outcome per referral."""
    with factory() as session:
        rows = session.execute(select(OnlineOutcome).order_by(OnlineOutcome.id)).scalars()
        return {r.referral_ref: Outcome(r.referral_ref, r.outcome, r.notes, r.actioned_at, r.recorded_by) for r in rows}
