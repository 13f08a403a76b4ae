"""Analysts' decisions about who is who: merge two persons, or split a mention off a person.

Decisions name person *mentions* (``source_system:person_ref``), not person ids, so they keep their
meaning however later runs number the persons. Linkage re-applies every active decision, oldest
first, on every run; each decision is audit-logged as a combination (DPA 2018 s.62).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, reading, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow

KINDS = ("merge", "split")


class LinkageDecisionError(ValueError):
    """A decision that cannot be recorded (no reason, unknown kind, a merge of a mention with itself)."""


class LinkageDecisionRow(Base):
    __tablename__ = "linkage_decisions"
    # A child's page shows the decisions about its mentions (decisions_about).
    __table_args__ = (
        Index("ix_linkage_decisions_mention", "mention"),
        Index("ix_linkage_decisions_other_mention", "other_mention"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    mention: Mapped[str] = mapped_column(String(200))  # merge: a mention of the first person; split: the mention
    other_mention: Mapped[str | None] = mapped_column(String(200), nullable=True)  # merge: one of the second person
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class LinkageDecision:
    id: int
    kind: str
    mention: str
    other_mention: str | None
    reason: str
    decided_by: str
    decided_at: datetime


def _plain(row: LinkageDecisionRow) -> LinkageDecision:
    return LinkageDecision(row.id, row.kind, row.mention, row.other_mention, row.reason, row.decided_by, row.decided_at)


def record_decision(
    factory: sessionmaker[Session], *, kind: str, mention: str, other_mention: str | None, reason: str, actor: str
) -> LinkageDecision:
    """Store a merge or split with its reason, and audit it; it takes effect on the next linkage run."""
    if kind not in KINDS:
        raise LinkageDecisionError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if not reason.strip():
        raise LinkageDecisionError("a merge or split needs a reason")
    if kind == "merge" and (not other_mention or other_mention == mention):
        raise LinkageDecisionError("a merge needs two different mentions")
    if kind == "split" and other_mention:
        raise LinkageDecisionError("a split names one mention")
    with transaction(factory) as session:
        row = LinkageDecisionRow(
            kind=kind, mention=mention, other_mention=other_mention, reason=reason.strip(), decided_by=actor
        )
        session.add(row)
        session.flush()
        audit.append(
            session,
            username=actor,
            action=f"linkage.{kind}",
            object_type="linkage_decision",
            object_id=str(row.id),
            detail={"mention": mention, "other_mention": other_mention, "reason": reason.strip()},
        )
        return _plain(row)


def revoke_decision(factory: sessionmaker[Session], decision_id: int, *, actor: str, reason: str) -> None:
    """Withdraw a decision (it stops being applied from the next run); audited."""
    if not reason.strip():
        raise LinkageDecisionError("withdrawing a decision needs a reason")
    with transaction(factory) as session:
        row = session.get(LinkageDecisionRow, decision_id)
        if row is None or row.revoked_at is not None:
            raise LinkageDecisionError(f"no active decision {decision_id}")
        row.revoked_at, row.revoked_by = utcnow(), actor
        audit.append(
            session, username=actor, action="linkage.revoke", object_type="linkage_decision",
            object_id=str(decision_id), detail={"reason": reason.strip()},
        )  # fmt: skip


def decisions_about(factory: sessionmaker[Session], mentions: Collection[str]) -> list[LinkageDecision]:
    """The decisions in force that name any of ``mentions`` (either side of a merge), oldest first."""
    keys = sorted(set(mentions))
    if not keys:
        return []
    with reading(factory) as session:
        rows = session.scalars(
            select(LinkageDecisionRow)
            .where(
                LinkageDecisionRow.revoked_at.is_(None),
                or_(LinkageDecisionRow.mention.in_(keys), LinkageDecisionRow.other_mention.in_(keys)),
            )
            .order_by(LinkageDecisionRow.id)
        ).all()
        return [_plain(r) for r in rows]


def active_decisions(factory: sessionmaker[Session]) -> list[LinkageDecision]:
    """Every decision in force, oldest first (the order linkage applies them in)."""
    with reading(factory) as session:
        rows = session.scalars(
            select(LinkageDecisionRow).where(LinkageDecisionRow.revoked_at.is_(None)).order_by(LinkageDecisionRow.id)
        ).all()
        return [_plain(r) for r in rows]
