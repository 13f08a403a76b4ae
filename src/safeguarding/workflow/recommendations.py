"""Inspection recommendations tracked by the Gold Group: recommendation -> actions -> owners -> due
dates -> evidence -> RAG status, with every change kept (DOMAIN.md: inspection). The history table is
the full change record; the audit log has the same changes with who and when."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.reviews import WorkflowError

TIMESCALES: dict[str, tuple[str, int]] = {
    "immediate": ("Immediate", 0),
    "three_months": ("Within three months", 3),
    "six_months": ("Within six months", 6),
}
RAG: dict[str, str] = {"red": "Red", "amber": "Amber", "green": "Green", "complete": "Complete"}
_RAG_ORDER = {"red": 0, "amber": 1, "green": 2, "complete": 3}
# DOMAIN.md "inspection": an action is complete only with evidence attached.
NEEDS_EVIDENCE = "Field 'rag': an action is complete only with evidence attached; upload the evidence first."


class Recommendation(Base):
    __tablename__ = "gold_recommendations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection: Mapped[str] = mapped_column(String(200))
    published_on: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(Text)
    timescale: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationAction(Base):
    __tablename__ = "gold_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("gold_recommendations.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[date] = mapped_column(Date)
    rag: Mapped[str] = mapped_column(String(10))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ActionEvidence(Base):
    """An uploaded file: stored under the data folder by ``stored_name``, never by the uploader's name."""

    __tablename__ = "gold_evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("gold_actions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100))
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationChange(Base):
    """One change to a recommendation or an action: the field, the old and the new value."""

    __tablename__ = "gold_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("gold_recommendations.id"), index=True)
    action_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_value: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class GoldMeeting(Base):
    __tablename__ = "gold_meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_by(rec: Recommendation) -> date:
    """The date a recommendation's timescale runs out (immediate: its publication day)."""
    return add_months(rec.published_on, TIMESCALES[rec.timescale][1])


def _text(value: str, field: str, limit: int = 4000) -> str:
    cleaned = value.strip()
    if not cleaned:
        raise WorkflowError(f"Field '{field}' is required.")
    if len(cleaned) > limit:
        raise WorkflowError(f"Field '{field}': keep it under {limit} characters.")
    return cleaned


def _change(
    session: Session, rec_id: int, action_id: int | None, field: str, old: object, new: object, actor: str
) -> None:
    session.add(
        RecommendationChange(
            recommendation_id=rec_id, action_id=action_id, field=field,
            old_value=None if old is None else str(old), new_value=None if new is None else str(new), changed_by=actor,
        )
    )  # fmt: skip


def add_recommendation(
    factory: sessionmaker[Session], *, inspection: str, published_on: date, reference: str, text: str,
    timescale: str, actor: str,
) -> int:  # fmt: skip
    if timescale not in TIMESCALES:
        raise WorkflowError("Field 'timescale': choose immediate, three months or six months.")
    with transaction(factory) as session:
        row = Recommendation(
            inspection=_text(inspection, "inspection", 200), published_on=published_on,
            reference=_text(reference, "reference", 50), text=_text(text, "text"), timescale=timescale,
            created_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        _change(session, row.id, None, "created", None, f"{row.reference}: {row.text}", actor)
        audit.append(
            session, username=actor, action="gold.recommendation.add", object_type="recommendation",
            object_id=str(row.id), detail={"reference": row.reference, "timescale": timescale},
        )  # fmt: skip
        return row.id


def add_action(
    factory: sessionmaker[Session], recommendation_id: int, *, text: str, owner: str, due_on: date, rag: str, actor: str
) -> int:
    if rag not in RAG:
        raise WorkflowError("Field 'rag': choose red, amber, green or complete.")
    if rag == "complete":
        raise WorkflowError(NEEDS_EVIDENCE)
    with transaction(factory) as session:
        if session.get(Recommendation, recommendation_id) is None:
            raise WorkflowError("There is no such recommendation.")
        row = RecommendationAction(
            recommendation_id=recommendation_id, text=_text(text, "text"), owner=_text(owner, "owner", 100),
            due_on=due_on, rag=rag, updated_by=actor,
        )  # fmt: skip
        session.add(row)
        session.flush()
        _change(session, recommendation_id, row.id, "action added", None, row.text, actor)
        audit.append(
            session, username=actor, action="gold.action.add", object_type="recommendation",
            object_id=str(recommendation_id), detail={"action_id": row.id, "owner": row.owner,
                                                      "due_on": due_on.isoformat(), "rag": rag},
        )  # fmt: skip
        return row.id


def update_action(
    factory: sessionmaker[Session], action_id: int, *, owner: str, due_on: date, rag: str, note: str, actor: str
) -> list[str]:
    """Change an action's owner, due date or RAG status; each changed field is kept in the history.
    Returns the fields changed."""
    if rag not in RAG:
        raise WorkflowError("Field 'rag': choose red, amber, green or complete.")
    with transaction(factory) as session:
        row = session.get(RecommendationAction, action_id)
        if row is None:
            raise WorkflowError("There is no such action.")
        has_evidence = session.scalars(select(ActionEvidence.id).where(ActionEvidence.action_id == action_id)).first()
        if rag == "complete" and row.rag != "complete" and has_evidence is None:
            raise WorkflowError(NEEDS_EVIDENCE)
        changed = []
        for field, new in (("owner", _text(owner, "owner", 100)), ("due_on", due_on), ("rag", rag)):
            old = getattr(row, field)
            if old != new:
                _change(session, row.recommendation_id, action_id, field, old, new, actor)
                setattr(row, field, new)
                changed.append(field)
        if note.strip():
            _change(session, row.recommendation_id, action_id, "note", None, _text(note, "note"), actor)
            changed.append("note")
        if not changed:
            raise WorkflowError("Nothing was changed.")
        row.updated_by, row.updated_at = actor, utcnow()
        audit.append(
            session, username=actor, action="gold.action.update", object_type="recommendation",
            object_id=str(row.recommendation_id), detail={"action_id": action_id, "changed": changed, "rag": rag},
        )  # fmt: skip
        return changed


def record_meeting(factory: sessionmaker[Session], *, held_at: datetime, notes: str, actor: str) -> None:
    with transaction(factory) as session:
        row = GoldMeeting(held_at=held_at, notes=notes.strip()[:4000], recorded_by=actor)
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="gold.meeting", object_type="gold_meeting", object_id=str(row.id),
            detail={"held_at": held_at.isoformat()},
        )  # fmt: skip


@dataclass(frozen=True)
class ActionView:
    id: int
    text: str
    owner: str
    due_on: date
    rag: str
    overdue: bool
    evidence: list[ActionEvidence]


@dataclass(frozen=True)
class RecommendationView:
    id: int
    inspection: str
    published_on: date
    reference: str
    text: str
    timescale: str
    due_by: date
    actions: list[ActionView]

    @property
    def rag(self) -> str:
        """The worst RAG of its actions (red when it has none and is past its timescale)."""
        if not self.actions:
            return "red" if self.due_by < datetime.now(UTC).date() else "amber"
        return min((a.rag for a in self.actions), key=_RAG_ORDER.__getitem__)

    @property
    def overdue_actions(self) -> list[ActionView]:
        return [a for a in self.actions if a.overdue]


def dashboard(factory: sessionmaker[Session], today: date | None = None) -> list[RecommendationView]:
    """Every recommendation with its actions and evidence, in reference order."""
    today = today or datetime.now(UTC).date()
    with factory() as session:
        recs = session.scalars(select(Recommendation).order_by(Recommendation.inspection, Recommendation.id)).all()
        actions = session.scalars(select(RecommendationAction).order_by(RecommendationAction.id)).all()
        evidence = session.scalars(select(ActionEvidence).order_by(ActionEvidence.id)).all()
        session.expunge_all()
    by_action: dict[int, list[ActionEvidence]] = {}
    for e in evidence:
        by_action.setdefault(e.action_id, []).append(e)
    out = []
    for r in recs:
        views = [
            ActionView(a.id, a.text, a.owner, a.due_on, a.rag, a.due_on < today and a.rag != "complete",
                       by_action.get(a.id, []))
            for a in actions if a.recommendation_id == r.id
        ]  # fmt: skip
        out.append(
            RecommendationView(r.id, r.inspection, r.published_on, r.reference, r.text, r.timescale, due_by(r), views)
        )
    return out


def last_meeting(factory: sessionmaker[Session]) -> GoldMeeting | None:
    with factory() as session:
        row = session.scalars(select(GoldMeeting).order_by(GoldMeeting.held_at.desc()).limit(1)).first()
        if row is not None:
            session.expunge(row)
        return row


def changes(
    factory: sessionmaker[Session], *, recommendation_id: int | None = None, since: datetime | None = None
) -> list[RecommendationChange]:
    """The change history (of one recommendation, or of all since a moment), oldest first."""
    query = select(RecommendationChange).order_by(RecommendationChange.id)
    if recommendation_id is not None:
        query = query.where(RecommendationChange.recommendation_id == recommendation_id)
    if since is not None:
        query = query.where(RecommendationChange.changed_at > since)
    with factory() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def get_action(factory: sessionmaker[Session], action_id: int) -> RecommendationAction | None:
    with factory() as session:
        row = session.get(RecommendationAction, action_id)
        if row is not None:
            session.expunge(row)
        return row
