"""Multi-agency scrutiny panels: scheduled (quarterly by default), a few cases selected, partner members
invited, findings and actions recorded with owners and due dates, and a learning summary written.

Partner members see the panel's cases through the ordinary per-record sharing check
(workflow/sharing.py): each case is shared with each partner member by name, valid only for the panel's
period. Nothing else gives them access, and the shares end by themselves when the period ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.models import CaseShare
from safeguarding.workflow.reviews import WorkflowError
from safeguarding.workflow.sharing import validate_agency

ITEM_KINDS = {"finding": "Finding", "action": "Action"}


class Panel(Base):
    __tablename__ = "scrutiny_panels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    meeting_on: Mapped[date] = mapped_column(Date)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    learning_summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelCase(Base):
    __tablename__ = "scrutiny_panel_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("scrutiny_panels.id"), index=True)
    case_type: Mapped[str] = mapped_column(String(20))
    case_ref: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelMember(Base):
    __tablename__ = "scrutiny_panel_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("scrutiny_panels.id"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[str] = mapped_column(String(64))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PanelItem(Base):
    """A finding, or an action with its owner and due date."""

    __tablename__ = "scrutiny_panel_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("scrutiny_panels.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def quarter_of(day: date) -> tuple[date, date]:
    """The calendar quarter holding ``day``: a panel's default period."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = date(day.year + (first_month == 10), 1 if first_month == 10 else first_month + 3, 1) - timedelta(days=1)
    return start, end


def _window(panel: Panel) -> tuple[datetime, datetime]:
    """Partner access: from the first moment of the period to the end of its last day (UTC)."""
    return (
        datetime.combine(panel.period_start, time.min, UTC),
        datetime.combine(panel.period_end + timedelta(days=1), time.min, UTC),
    )


def schedule(
    factory: sessionmaker[Session], *, title: str, meeting_on: date, actor: str,
    period_start: date | None = None, period_end: date | None = None,
) -> int:  # fmt: skip
    """A new panel; its period defaults to the calendar quarter of the meeting."""
    cleaned = title.strip()
    if not cleaned or len(cleaned) > 200:
        raise WorkflowError("Field 'title': give the panel a title (up to 200 characters).")
    default_start, default_end = quarter_of(meeting_on)
    start, end = period_start or default_start, period_end or default_end
    if end < start:
        raise WorkflowError("Field 'period_end': the period must end on or after it starts.")
    if not start <= meeting_on <= end:
        raise WorkflowError("Field 'meeting_on': the meeting must fall within the panel's period.")
    with transaction(factory) as session:
        row = Panel(title=cleaned, meeting_on=meeting_on, period_start=start, period_end=end, created_by=actor)
        session.add(row)
        session.flush()
        audit.append(
            session, username=actor, action="panel.schedule", object_type="panel", object_id=str(row.id),
            detail={"meeting_on": meeting_on.isoformat(), "period": [start.isoformat(), end.isoformat()]},
        )  # fmt: skip
        return row.id


# Case types whose person is the suspect (an online referral names the adult suspected), not a child: selecting
# one puts the case on the panel but shares no person's record with the partner members.
SUSPECT_CASE_TYPES = ("online",)


def _share(session: Session, panel: Panel, member: PanelMember, person_id: str, actor: str) -> None:
    start, end = _window(panel)
    session.add(
        CaseShare(
            person_id=person_id, agency=member.agency, reason=f"Scrutiny panel {panel.id}: {panel.title}",
            shared_by=actor, panel_id=panel.id, username=member.username, valid_from=start, expires_at=end,
        )
    )  # fmt: skip
    audit.append(
        session, username=actor, action="share", object_type="person", object_id=person_id,
        detail={"agency": member.agency, "user": member.username, "panel_id": panel.id,
                "until": end.isoformat()},
    )  # fmt: skip


def _panel(session: Session, panel_id: int) -> Panel:
    panel = session.get(Panel, panel_id)
    if panel is None:
        raise WorkflowError("There is no such panel.")
    return panel


def add_case(
    factory: sessionmaker[Session], panel_id: int, *, case_type: str, case_ref: str, person_id: str | None, actor: str
) -> None:
    """Select a case for the panel and share it with every partner member for the panel's period."""
    if not person_id:
        raise WorkflowError("This case names no child, so it cannot be shared with the panel.")
    with transaction(factory) as session:
        panel = _panel(session, panel_id)
        exists = session.execute(
            select(PanelCase.id).where(
                PanelCase.panel_id == panel_id, PanelCase.case_type == case_type, PanelCase.case_ref == case_ref
            )
        ).first()
        if exists:
            raise WorkflowError("That case is already on the panel.")
        session.add(PanelCase(panel_id=panel_id, case_type=case_type, case_ref=case_ref, person_id=person_id,
                              added_by=actor))  # fmt: skip
        audit.append(
            session, username=actor, action="panel.case.add", object_type="panel", object_id=str(panel_id),
            detail={"case_type": case_type, "case_ref": case_ref, "person_id": person_id},
        )  # fmt: skip
        if case_type in SUSPECT_CASE_TYPES:  # the case's person is the suspect: the panel sees the case, not him
            return
        if _already_shared(session, panel_id, person_id):  # another case about the same child
            return
        for member in session.scalars(select(PanelMember).where(PanelMember.panel_id == panel_id)):
            _share(session, panel, member, person_id, actor)


def _already_shared(session: Session, panel_id: int, person_id: str) -> bool:
    return (
        session.execute(
            select(CaseShare.id).where(CaseShare.panel_id == panel_id, CaseShare.person_id == person_id).limit(1)
        ).first()
        is not None
    )


def invite(factory: sessionmaker[Session], panel_id: int, *, username: str, agency: str | None, actor: str) -> None:
    """Invite a partner member: they may then open the panel and its cases, during its period only."""
    if not agency:
        raise WorkflowError(f"User {username} belongs to no agency, so cannot be a partner member.")
    code = validate_agency(agency)
    with transaction(factory) as session:
        panel = _panel(session, panel_id)
        if session.execute(
            select(PanelMember.id).where(PanelMember.panel_id == panel_id, PanelMember.username == username)
        ).first():
            raise WorkflowError(f"{username} is already a member of this panel.")
        member = PanelMember(panel_id=panel_id, username=username, agency=code, invited_by=actor)
        session.add(member)
        audit.append(
            session, username=actor, action="panel.invite", object_type="panel", object_id=str(panel_id),
            detail={"member": username, "agency": code},
        )  # fmt: skip
        people = sorted(
            {
                p
                for (p,) in session.execute(
                    select(PanelCase.person_id).where(
                        PanelCase.panel_id == panel_id, PanelCase.case_type.not_in(SUSPECT_CASE_TYPES)
                    )
                )
            }
        )
        for person_id in people:
            _share(session, panel, member, person_id, actor)


def add_item(
    factory: sessionmaker[Session], panel_id: int, *, kind: str, text: str, owner: str, due_on: date | None, actor: str
) -> None:
    if kind not in ITEM_KINDS:
        raise WorkflowError("Field 'kind': choose finding or action.")
    cleaned = text.strip()
    if not cleaned or len(cleaned) > 4000:
        raise WorkflowError("Field 'text': write the finding or action (up to 4000 characters).")
    if kind == "action" and (not owner.strip() or due_on is None):
        raise WorkflowError("Field 'owner': an action needs an owner and a due date.")
    with transaction(factory) as session:
        _panel(session, panel_id)
        session.add(PanelItem(panel_id=panel_id, kind=kind, text=cleaned, owner=owner.strip()[:100] or None,
                              due_on=due_on, recorded_by=actor))  # fmt: skip
        audit.append(
            session, username=actor, action=f"panel.{kind}", object_type="panel", object_id=str(panel_id),
            detail={"owner": owner.strip() or None, "due_on": due_on.isoformat() if due_on else None},
        )  # fmt: skip


def write_summary(factory: sessionmaker[Session], panel_id: int, *, summary: str, actor: str) -> None:
    cleaned = summary.strip()
    if not cleaned or len(cleaned) > 10000:
        raise WorkflowError("Field 'summary': write the learning summary (up to 10000 characters).")
    with transaction(factory) as session:
        panel = _panel(session, panel_id)
        panel.learning_summary = cleaned
        audit.append(
            session, username=actor, action="panel.summary", object_type="panel", object_id=str(panel_id),
            detail={"length": len(cleaned)},
        )  # fmt: skip


@dataclass(frozen=True)
class PanelView:
    panel: Panel
    cases: list[PanelCase]
    members: list[PanelMember]
    items: list[PanelItem]

    def is_open(self, now: datetime | None = None) -> bool:
        start, end = _window(self.panel)
        return start <= (now or datetime.now(UTC)) < end


def get(factory: sessionmaker[Session], panel_id: int) -> PanelView | None:
    with factory() as session:
        panel = session.get(Panel, panel_id)
        if panel is None:
            return None
        view = PanelView(
            panel,
            list(session.scalars(select(PanelCase).where(PanelCase.panel_id == panel_id).order_by(PanelCase.id))),
            list(session.scalars(select(PanelMember).where(PanelMember.panel_id == panel_id).order_by(PanelMember.id))),
            list(session.scalars(select(PanelItem).where(PanelItem.panel_id == panel_id).order_by(PanelItem.id))),
        )
        session.expunge_all()
        return view


def list_panels(factory: sessionmaker[Session], *, member: str | None = None) -> list[Panel]:
    """Every panel (newest meeting first), or only those ``member`` was invited to."""
    query = select(Panel).order_by(Panel.meeting_on.desc(), Panel.id.desc())
    if member is not None:
        query = query.where(Panel.id.in_(select(PanelMember.panel_id).where(PanelMember.username == member)))
    with factory() as session:
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def is_member(factory: sessionmaker[Session], panel_id: int, username: str) -> bool:
    with factory() as session:
        return (
            session.execute(
                select(PanelMember.id).where(PanelMember.panel_id == panel_id, PanelMember.username == username)
            ).first()
            is not None
        )
