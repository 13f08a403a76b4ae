"""Registered sex offender work: home visits planned on the portal (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.workflow.board_models import VisitPlan
from safeguarding.workflow.reviews import WorkflowError


@dataclass(frozen=True)
class Plan:
    offender_ref: str
    planned_on: date
    note: str
    planned_by: str
    planned_at: datetime


def plan_visit(
    factory: sessionmaker[Session], *, offender_ref: str, planned_on: date, note: str, actor: str, today: date
) -> Plan:
    if planned_on < today:
        raise WorkflowError("A visit is planned for today or later.")
    cleaned = note.strip()
    if not cleaned:
        raise WorkflowError("Say what the visit is for (for example: ARMS review, unannounced home check).")
    with transaction(factory) as session:
        row = VisitPlan(offender_ref=offender_ref, planned_on=planned_on, note=cleaned, planned_by=actor)
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="decision", object_type="offender", object_id=offender_ref,
            detail={"visit_planned_on": planned_on.isoformat(), "plan_id": row.id},
        )  # fmt: skip
        return Plan(offender_ref, planned_on, cleaned, actor, row.planned_at)


def plans(factory: sessionmaker[Session]) -> dict[str, list[Plan]]:
    """Visit plans by offender, soonest first."""
    with factory() as session:
        rows = session.execute(select(VisitPlan).order_by(VisitPlan.planned_on, VisitPlan.id)).scalars()
        found: dict[str, list[Plan]] = {}
        for r in rows:
            found.setdefault(r.offender_ref, []).append(
                Plan(r.offender_ref, r.planned_on, r.note, r.planned_by, r.planned_at)
            )
        return found
