"""MoPI review decisions: a records manager retains a record (with a reason and the next review date) or
disposes of it (with a reason). Rows are only added: the newest decision on a record is in force, and
the table is the record's review history. Each decision is audited in the same transaction.

Disposal is decided here and carried out by the pipeline (``safeguarding records dispose``), which
erases the record from the lake the way an erasure does (lake/erase.py) and rebuilds the snapshot;
the portal never writes to the lake.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker
from sqlalchemy.orm import Session as OrmSession

from safeguarding.db import Base, reading, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.reviews import WorkflowError

DECISIONS = ("retain", "dispose")
MIN_REASON = 10  # characters: "ok" is not a reason a reviewer can be held to


class RecordReviewDecision(Base):
    __tablename__ = "record_review_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    source_system: Mapped[str] = mapped_column(String(40))
    record_ref: Mapped[str] = mapped_column(String(200))
    group_id: Mapped[str] = mapped_column(String(40))
    decision: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    next_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the pipeline has erased a disposed record (the erasure's id in lake/_erasures).
    erasure_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    carried_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_record_review_decisions_record", "record_type", "source_system", "record_ref"),)

    @property
    def key(self) -> str:
        return f"{self.record_type}:{self.source_system}:{self.record_ref}"


@dataclass(frozen=True)
class Due:
    """What the schedule says of the record under decision (from the snapshot's record_reviews)."""

    record_type: str
    source_system: str
    record_ref: str
    group_id: str
    earliest_disposal: date | None
    disposal_note: str


def decide(
    factory: sessionmaker[OrmSession],
    due: Due,
    *,
    decision: str,
    reason: str,
    next_review_on: date | None,
    today: date,
    actor: str,
) -> int:
    """Record one review decision and its audit entry; WorkflowError names the field that is wrong."""
    reason = reason.strip()
    if decision not in DECISIONS:
        raise WorkflowError("Field 'decision': choose retain or dispose.")
    if len(reason) < MIN_REASON:
        raise WorkflowError(f"Field 'reason': give the reason for the decision (at least {MIN_REASON} characters).")
    if decision == "retain":
        if next_review_on is None:
            raise WorkflowError("Field 'next_review_on': a record that is retained needs its next review date.")
        if next_review_on <= today:
            raise WorkflowError(f"Field 'next_review_on': the next review must be after {today:%d %b %Y}.")
    else:
        next_review_on = None
        if due.earliest_disposal is None or due.earliest_disposal > today:
            when = f"before {due.earliest_disposal:%d %b %Y}" if due.earliest_disposal else "yet"
            raise WorkflowError(
                f"Field 'decision': this record cannot be disposed of {when} ({due.disposal_note or due.group_id}); "
                "retain it with a next review date."
            )
    with transaction(factory) as session:
        if decision == "dispose" and _pending(session, due):
            raise WorkflowError("Field 'decision': a disposal of this record is already waiting to be carried out.")
        row = RecordReviewDecision(
            record_type=due.record_type, source_system=due.source_system, record_ref=due.record_ref,
            group_id=due.group_id, decision=decision, reason=reason, next_review_on=next_review_on, decided_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action=f"retention.{decision}", object_type="record",
            object_id=f"{due.record_type}:{due.source_system}:{due.record_ref}",
            detail={"group": due.group_id, "reason": reason,
                    "next_review_on": next_review_on.isoformat() if next_review_on else None},
        )  # fmt: skip
        return row.id


def _pending(session: OrmSession, due: Due) -> bool:
    found = session.scalars(
        select(RecordReviewDecision.id).where(
            RecordReviewDecision.record_type == due.record_type,
            RecordReviewDecision.source_system == due.source_system,
            RecordReviewDecision.record_ref == due.record_ref,
            RecordReviewDecision.decision == "dispose",
            RecordReviewDecision.carried_out_at.is_(None),
        )
    ).first()
    return found is not None


def latest(factory: sessionmaker[OrmSession]) -> dict[str, RecordReviewDecision]:
    """The decision in force on each record that has one, by ``record_type:source_system:ref``."""
    with reading(factory) as session:
        rows = session.scalars(select(RecordReviewDecision).order_by(RecordReviewDecision.id)).all()
        session.expunge_all()
    return {row.key: row for row in rows}


def history(
    factory: sessionmaker[OrmSession], record_type: str, source_system: str, record_ref: str
) -> list[RecordReviewDecision]:
    """Every decision on one record, oldest first."""
    with reading(factory) as session:
        rows = session.scalars(
            select(RecordReviewDecision)
            .where(RecordReviewDecision.record_type == record_type, RecordReviewDecision.source_system == source_system,
                   RecordReviewDecision.record_ref == record_ref)
            .order_by(RecordReviewDecision.id)
        ).all()  # fmt: skip
        session.expunge_all()
    return list(rows)


def pending_disposals(factory: sessionmaker[OrmSession]) -> list[RecordReviewDecision]:
    """Disposals decided and not yet carried out, oldest first."""
    return [
        row for row in sorted(latest(factory).values(), key=lambda r: r.id)
        if row.decision == "dispose" and row.carried_out_at is None
    ]  # fmt: skip


def mark_carried_out(factory: sessionmaker[OrmSession], ids: list[int], erasure_id: str, actor: str) -> None:
    """Note that the pipeline has erased these disposed records (and audit it)."""
    with transaction(factory) as session:
        for row in session.scalars(select(RecordReviewDecision).where(RecordReviewDecision.id.in_(ids))).all():
            row.erasure_id, row.carried_out_at = erasure_id, utcnow()
        audit.append(session, username=actor, action="retention.disposed", object_type="erasure", object_id=erasure_id,
                     detail={"decisions": sorted(ids)})  # fmt: skip
