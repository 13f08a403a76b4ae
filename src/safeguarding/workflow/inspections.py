"""An inspection's two milestones after its report (DOMAIN.md "inspection"): the action plan, due within six
weeks of publication, and the post-inspection review that follows it. Both dates are tracked per inspection
(the inspection named on its recommendations), with when each was done; every change is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Date, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.recommendations import Recommendation
from safeguarding.workflow.reviews import WorkflowError

PLAN_WITHIN = timedelta(weeks=6)  # DOMAIN.md: an action plan is due within six weeks of publication


class InspectionMilestone(Base):
    __tablename__ = "gold_inspection_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection: Mapped[str] = mapped_column(String(200), unique=True)
    plan_submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    review_held_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _status(due: date | None, done: date | None, today: date) -> str:
    if due is None:
        return "done" if done is not None else "no_date"
    if done is not None:
        return "on_time" if done <= due else "late"
    return "overdue" if today > due else "due"


@dataclass(frozen=True)
class InspectionView:
    inspection: str
    published_on: date
    plan_submitted_on: date | None
    review_due_on: date | None
    review_held_on: date | None
    today: date

    @property
    def plan_due_on(self) -> date:
        return self.published_on + PLAN_WITHIN

    @property
    def plan_status(self) -> str:
        return _status(self.plan_due_on, self.plan_submitted_on, self.today)

    @property
    def review_status(self) -> str:
        return _status(self.review_due_on, self.review_held_on, self.today)


def inspections(factory: sessionmaker[Session], today: date) -> list[InspectionView]:
    """Each inspection with recommendations: its publication (the earliest), milestones and their states."""
    with factory() as session:
        published = session.execute(
            select(Recommendation.inspection, func.min(Recommendation.published_on)).group_by(Recommendation.inspection)
        ).all()
        marks = {m.inspection: m for m in session.scalars(select(InspectionMilestone))}
        out = []
        for name, on in sorted(published, key=lambda r: (r[1], r[0])):
            m = marks.get(name)
            out.append(InspectionView(
                name, on, m.plan_submitted_on if m else None, m.review_due_on if m else None,
                m.review_held_on if m else None, today,
            ))  # fmt: skip
        return out


def record(
    factory: sessionmaker[Session], *, inspection: str, plan_submitted_on: date | None, review_due_on: date | None,
    review_held_on: date | None, actor: str,
) -> list[str]:  # fmt: skip
    """Set an inspection's milestone dates (None keeps a date as it is); returns the fields changed. The dates must
    follow the report in order: report, action plan, review."""
    with transaction(factory) as session:
        published = session.scalar(
            select(func.min(Recommendation.published_on)).where(Recommendation.inspection == inspection)
        )
        if published is None:
            raise WorkflowError("Field 'inspection': no recommendation names that inspection.")
        row = session.scalar(select(InspectionMilestone).where(InspectionMilestone.inspection == inspection))
        if row is None:
            row = InspectionMilestone(inspection=inspection, updated_by=actor)
            session.add(row)
        given = {"plan_submitted_on": plan_submitted_on, "review_due_on": review_due_on,
                 "review_held_on": review_held_on}  # fmt: skip
        new = {f: v if v is not None else getattr(row, f) for f, v in given.items()}
        plan, due, held = new["plan_submitted_on"], new["review_due_on"], new["review_held_on"]
        if plan is not None and plan < published:
            raise WorkflowError(f"Field 'plan_submitted_on': the action plan cannot precede the report ({published}).")
        if due is not None and due <= (plan or published):
            raise WorkflowError("Field 'review_due_on': the post-inspection review follows the action plan.")
        if held is not None and plan is None:
            raise WorkflowError("Field 'review_held_on': record the action plan before the review.")
        if held is not None and plan is not None and held < plan:
            raise WorkflowError("Field 'review_held_on': the review cannot precede the action plan.")
        changed = [f for f, v in new.items() if getattr(row, f) != v]
        if not changed:
            raise WorkflowError("Nothing was changed.")
        for f in changed:
            setattr(row, f, new[f])
        row.updated_by, row.updated_at = actor, utcnow()
        session.flush()
        audit.append(
            session, username=actor, action="gold.inspection", object_type="inspection", object_id=str(row.id),
            detail={"inspection": inspection, "changed": changed,
                    **{f: (v.isoformat() if v else None) for f, v in new.items()}},
        )  # fmt: skip
        return changed
