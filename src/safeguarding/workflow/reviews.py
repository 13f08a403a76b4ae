"""Alert work: assigning alerts, reviewing them with a decision and a reason, and challenging indicators.

Scores and alerts are advice (DOMAIN.md): every decision is a person's, with a written reason, and
each one is written to the audit log in the same transaction as the decision itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import reading, transaction
from safeguarding.security import audit
from safeguarding.workflow.models import AlertAssignment, AlertReview, IndicatorChallenge

# The outcomes a review may record, with the words the portal shows.
DECISIONS: dict[str, str] = {
    "no_further_action": "No further action",
    "refer_to_hub": "Refer to the safeguarding hub",
    "strategy_discussion": "Strategy discussion",
    "add_to_plan": "Add to an existing plan",
}
MAX_REASON = 4000


class WorkflowError(ValueError):
    """A decision that cannot be recorded; the message says why, for the user."""


def _reason(text: str, what: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise WorkflowError(f"{what} needs a written reason.")
    if len(cleaned) > MAX_REASON:
        raise WorkflowError(f"Keep the reason under {MAX_REASON} characters.")
    return cleaned


@dataclass(frozen=True)
class Review:
    alert_id: str
    decision: str
    reason: str
    reviewed_by: str
    reviewed_at: datetime

    @property
    def decision_text(self) -> str:
        return DECISIONS.get(self.decision, self.decision)


@dataclass(frozen=True)
class Challenge:
    indicator_id: str
    rule_id: str
    reason: str
    challenged_by: str
    challenged_at: datetime


@dataclass(frozen=True)
class AlertState:
    """What people have done about the alerts: latest assignee and latest review, by alert id."""

    assigned_to: dict[str, str | None]
    reviews: dict[str, Review]


def assign(factory: sessionmaker[Session], *, alert_id: str, person_id: str, to: str | None, actor: str) -> None:
    """Assign an alert to ``to`` (None: back to the unassigned pool); audited."""
    with transaction(factory) as session:
        session.add(AlertAssignment(alert_id=alert_id, person_id=person_id, assigned_to=to, assigned_by=actor))
        audit.append(
            session, username=actor, action="alert.assign", object_type="alert", object_id=alert_id,
            detail={"person_id": person_id, "assigned_to": to},
        )  # fmt: skip


def review(
    factory: sessionmaker[Session], *, alert_id: str, person_id: str, decision: str, reason: str, actor: str
) -> Review:
    """Record a decision on an alert with its reason; audited as a review decision."""
    if decision not in DECISIONS:
        raise WorkflowError("Choose one of the decisions.")
    cleaned = _reason(reason, "A review")
    with transaction(factory) as session:
        row = AlertReview(alert_id=alert_id, person_id=person_id, decision=decision, reason=cleaned, reviewed_by=actor)
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="alert.review", object_type="alert", object_id=alert_id,
            detail={"person_id": person_id, "decision": decision, "reason": cleaned},
        )  # fmt: skip
        return Review(alert_id, decision, cleaned, actor, row.reviewed_at)


def challenge(
    factory: sessionmaker[Session], *, person_id: str, indicator_id: str, rule_id: str, reason: str, actor: str
) -> None:
    """Record that ``actor`` thinks an indicator is wrong, and why; shown beside the indicator."""
    cleaned = _reason(reason, "A challenge")
    with transaction(factory) as session:
        session.add(
            IndicatorChallenge(
                person_id=person_id, indicator_id=indicator_id, rule_id=rule_id, reason=cleaned, challenged_by=actor
            )
        )
        audit.append(
            session, username=actor, action="indicator.challenge", object_type="indicator", object_id=indicator_id,
            detail={"person_id": person_id, "rule_id": rule_id, "reason": cleaned},
        )  # fmt: skip


def _latest_assignments(session: Session, alert_ids: Iterable[str] | None) -> dict[str, str | None]:
    newest = select(AlertAssignment.alert_id, func.max(AlertAssignment.id).label("id")).group_by(
        AlertAssignment.alert_id
    )
    if alert_ids is not None:
        newest = newest.where(AlertAssignment.alert_id.in_(list(alert_ids)))
    sub = newest.subquery()
    rows = session.execute(
        select(AlertAssignment.alert_id, AlertAssignment.assigned_to).join(sub, AlertAssignment.id == sub.c.id)
    ).all()
    return {a: t for a, t in rows}


def _latest_reviews(session: Session, alert_ids: Iterable[str] | None) -> dict[str, Review]:
    # Only the newest review of each alert is read (the queue is shown on every visit; the history grows).
    newest = select(func.max(AlertReview.id)).group_by(AlertReview.alert_id)
    if alert_ids is not None:
        newest = newest.where(AlertReview.alert_id.in_(list(alert_ids)))
    query = select(AlertReview).where(AlertReview.id.in_(newest.scalar_subquery()))
    return {
        r.alert_id: Review(r.alert_id, r.decision, r.reason, r.reviewed_by, r.reviewed_at)
        for r in session.execute(query).scalars()
    }


def alert_state(factory: sessionmaker[Session], alert_ids: Iterable[str] | None = None) -> AlertState:
    """Latest assignment and review of the given alerts (all when None)."""
    ids = None if alert_ids is None else list(alert_ids)
    with reading(factory) as session:
        return AlertState(_latest_assignments(session, ids), _latest_reviews(session, ids))


def reviews_for_person(factory: sessionmaker[Session], person_id: str) -> list[Review]:
    """Every review of every alert about a person, oldest first."""
    with reading(factory) as session:
        rows = session.execute(
            select(AlertReview).where(AlertReview.person_id == person_id).order_by(AlertReview.id)
        ).scalars()
        return [Review(r.alert_id, r.decision, r.reason, r.reviewed_by, r.reviewed_at) for r in rows]


def challenges_for_person(factory: sessionmaker[Session], person_id: str) -> list[Challenge]:
    with reading(factory) as session:
        rows = session.execute(
            select(IndicatorChallenge).where(IndicatorChallenge.person_id == person_id).order_by(IndicatorChallenge.id)
        ).scalars()
        return [Challenge(r.indicator_id, r.rule_id, r.reason, r.challenged_by, r.challenged_at) for r in rows]


def queue_people(factory: sessionmaker[Session], username: str) -> set[str]:
    """The people whose alerts someone else (a supervisor, with ``alerts:assign``) has assigned to
    ``username``: their queue, a purpose stated by another person (DPA 2018 s.62).

    An alert someone took for themselves is not a reason to open the child: otherwise anyone who may
    review could open any child without giving one (#26). Those still ask for a reason.
    """
    with reading(factory) as session:
        newest = select(func.max(AlertAssignment.id).label("id")).group_by(AlertAssignment.alert_id).scalar_subquery()
        rows = session.execute(
            select(AlertAssignment.person_id).where(
                AlertAssignment.id.in_(newest),
                AlertAssignment.assigned_to == username,
                AlertAssignment.assigned_by != username,
            )
        ).all()
    return {person for (person,) in rows}
