"""Problem-solving plans (SARA) for a place of concern or a peer group: the children, places and
incidents linked to it, its stage (scanning, analysis, response, assessment), the interventions tried,
and a start date from which before-and-after measures are computed (web/data/problem_measures.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.reviews import WorkflowError

STAGES: dict[str, str] = {
    "scanning": "Scanning",
    "analysis": "Analysis",
    "response": "Response",
    "assessment": "Assessment",
}
SUBJECTS: dict[str, str] = {"place": "Place of concern", "group": "Peer group"}
LINK_KINDS: dict[str, str] = {"child": "Child", "place": "Place", "incident": "Incident or record"}


class ProblemPlan(Base):
    __tablename__ = "problem_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_ref: Mapped[str] = mapped_column(String(200))
    problem: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(20))
    started_on: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProblemLink(Base):
    __tablename__ = "problem_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("problem_plans.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProblemIntervention(Base):
    __tablename__ = "problem_interventions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("problem_plans.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    started_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProblemStageChange(Base):
    __tablename__ = "problem_stage_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("problem_plans.id"), index=True)
    stage: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _text(value: str, field: str, limit: int = 4000) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise WorkflowError(f"Field '{field}' is required.")
    if len(cleaned) > limit:
        raise WorkflowError(f"Field '{field}': keep it under {limit} characters.")
    return cleaned


def create(
    factory: sessionmaker[Session], *, title: str, subject_type: str, subject_ref: str, problem: str,
    started_on: date, actor: str,
) -> int:  # fmt: skip
    """A plan at the scanning stage; the subject (place or group) is also its first link."""
    if subject_type not in SUBJECTS:
        raise WorkflowError("Field 'subject_type': choose a place or a peer group.")
    with transaction(factory) as session:
        row = ProblemPlan(
            title=_text(title, "title", 200), subject_type=subject_type,
            subject_ref=_text(subject_ref, "subject_ref", 200), problem=_text(problem, "problem"), stage="scanning",
            started_on=started_on, created_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        if subject_type == "place":
            session.add(ProblemLink(plan_id=row.id, kind="place", ref=row.subject_ref, added_by=actor))
        session.add(ProblemStageChange(plan_id=row.id, stage="scanning", note="Plan opened", changed_by=actor))
        audit.append(
            session, username=actor, action="problem.create", object_type="problem_plan", object_id=str(row.id),
            detail={"subject_type": subject_type, "subject_ref": row.subject_ref, "started_on": started_on.isoformat()},
        )  # fmt: skip
        return row.id


def _plan(session: Session, plan_id: int) -> ProblemPlan:
    plan = session.get(ProblemPlan, plan_id)
    if plan is None:
        raise WorkflowError("There is no such plan.")
    return plan


def link(factory: sessionmaker[Session], plan_id: int, *, kind: str, ref: str, actor: str) -> None:
    if kind not in LINK_KINDS:
        raise WorkflowError("Field 'kind': choose a child, a place or an incident.")
    cleaned = _text(ref, "ref", 200)
    with transaction(factory) as session:
        _plan(session, plan_id)
        if session.execute(
            select(ProblemLink.id).where(
                ProblemLink.plan_id == plan_id, ProblemLink.kind == kind, ProblemLink.ref == cleaned
            )
        ).first():
            raise WorkflowError("That is already linked to the plan.")
        session.add(ProblemLink(plan_id=plan_id, kind=kind, ref=cleaned, added_by=actor))
        audit.append(
            session, username=actor, action="problem.link", object_type="problem_plan", object_id=str(plan_id),
            detail={"kind": kind, "ref": cleaned},
        )  # fmt: skip


def set_stage(factory: sessionmaker[Session], plan_id: int, *, stage: str, note: str, actor: str) -> None:
    if stage not in STAGES:
        raise WorkflowError("Field 'stage': choose scanning, analysis, response or assessment.")
    cleaned = _text(note, "note")
    with transaction(factory) as session:
        plan = _plan(session, plan_id)
        if plan.stage == stage:
            raise WorkflowError(f"The plan is already at the {STAGES[stage].lower()} stage.")
        order = list(STAGES)
        if order.index(stage) > order.index(plan.stage) + 1:
            # SARA runs in order: a later stage needs the one before it (going back a stage is allowed).
            following = STAGES[order[order.index(plan.stage) + 1]].lower()
            raise WorkflowError(
                f"Field 'stage': a plan moves on one stage at a time; after {STAGES[plan.stage].lower()} comes "
                f"{following}."
            )
        old, plan.stage = plan.stage, stage
        session.add(ProblemStageChange(plan_id=plan_id, stage=stage, note=cleaned, changed_by=actor))
        audit.append(
            session, username=actor, action="problem.stage", object_type="problem_plan", object_id=str(plan_id),
            detail={"from": old, "to": stage},
        )  # fmt: skip


def add_intervention(
    factory: sessionmaker[Session], plan_id: int, *, text: str, owner: str, started_on: date, actor: str
) -> None:
    with transaction(factory) as session:
        _plan(session, plan_id)
        session.add(ProblemIntervention(plan_id=plan_id, text=_text(text, "text"), owner=_text(owner, "owner", 100),
                                        started_on=started_on, recorded_by=actor))  # fmt: skip
        audit.append(
            session, username=actor, action="problem.intervention", object_type="problem_plan", object_id=str(plan_id),
            detail={"owner": owner.strip(), "started_on": started_on.isoformat()},
        )  # fmt: skip


@dataclass(frozen=True)
class PlanView:
    plan: ProblemPlan
    links: list[ProblemLink]
    interventions: list[ProblemIntervention]
    stages: list[ProblemStageChange]

    def refs(self, kind: str) -> list[str]:
        return [link.ref for link in self.links if link.kind == kind]


def get(factory: sessionmaker[Session], plan_id: int) -> PlanView | None:
    with factory() as session:
        plan = session.get(ProblemPlan, plan_id)
        if plan is None:
            return None
        links = select(ProblemLink).where(ProblemLink.plan_id == plan_id).order_by(ProblemLink.id)
        done = select(ProblemIntervention).where(ProblemIntervention.plan_id == plan_id)
        stages = select(ProblemStageChange).where(ProblemStageChange.plan_id == plan_id)
        view = PlanView(
            plan,
            list(session.scalars(links)),
            list(session.scalars(done.order_by(ProblemIntervention.id))),
            list(session.scalars(stages.order_by(ProblemStageChange.id))),
        )
        session.expunge_all()
        return view


def list_plans(factory: sessionmaker[Session]) -> list[ProblemPlan]:
    with factory() as session:
        rows = list(session.scalars(select(ProblemPlan).order_by(ProblemPlan.id.desc())))
        session.expunge_all()
        return rows
