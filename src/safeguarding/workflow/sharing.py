"""Sharing a child's case with a partner agency (children's social care, health, education ...).

A share is a disclosure (DPA 2018 s.62): who shared, with which agency, and why, is audited. A
partner user sees a case only while a share to their agency is in force. A share may also be of one
record (a PPN): the agency then sees that record only, never the rest of the case. A share may also be
scoped: to one named user (``username``) and to a window (``valid_from`` .. ``expires_at``); scrutiny
panels share their cases that way with each partner member, for the panel's period only
(workflow/panels.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import reading, transaction
from safeguarding.security import audit
from safeguarding.workflow.models import CaseShare
from safeguarding.workflow.reviews import WorkflowError

_AGENCY = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


@dataclass(frozen=True)
class Share:
    id: int
    person_id: str
    agency: str
    reason: str
    shared_by: str
    shared_at: datetime
    panel_id: int | None = None
    expires_at: datetime | None = None


def _plain(row: CaseShare) -> Share:
    return Share(
        row.id, row.person_id, row.agency, row.reason, row.shared_by, row.shared_at, row.panel_id, row.expires_at
    )


def _in_force(agency: str, username: str | None, now: datetime | None) -> ColumnElement[bool]:
    """A share to ``agency`` that is not revoked, is for everyone there or for ``username``, and whose
    window (if it has one) contains ``now``."""
    at = now or datetime.now(UTC)
    return and_(
        CaseShare.agency == agency,
        CaseShare.revoked_at.is_(None),
        or_(CaseShare.username.is_(None), CaseShare.username == (username or "")),
        or_(CaseShare.valid_from.is_(None), CaseShare.valid_from <= at),
        or_(CaseShare.expires_at.is_(None), CaseShare.expires_at > at),
    )


def validate_agency(agency: str) -> str:
    cleaned = agency.strip().lower()
    if not _AGENCY.match(cleaned):
        raise WorkflowError(
            "An agency code is 2-64 lower-case letters, digits, '-' or '_' (e.g. bcp-childrens-services)."
        )
    return cleaned


def share(
    factory: sessionmaker[Session],
    *,
    person_id: str,
    agency: str,
    reason: str,
    actor: str,
    record_type: str | None = None,
    record_ref: str | None = None,
) -> Share:
    """Share a case (or, with record_type and record_ref, one record of it) with an agency; audited as a
    disclosure with its recipient."""
    code = validate_agency(agency)
    cleaned = reason.strip()
    if not cleaned:
        raise WorkflowError("Sharing a case needs a written reason.")
    with transaction(factory) as session:
        row = CaseShare(
            person_id=person_id, agency=code, reason=cleaned, shared_by=actor, record_type=record_type,
            record_ref=record_ref,
        )  # fmt: skip
        session.add(row)
        session.flush()
        detail = {"agency": code, "reason": cleaned, "share_id": row.id}
        if record_ref:
            detail |= {"person_id": person_id}
        audit.append(
            session, username=actor, action="share", object_type=record_type or "person",
            object_id=record_ref or person_id, detail=detail,
        )  # fmt: skip
        return _plain(row)


def revoke(
    factory: sessionmaker[Session],
    share_id: int,
    *,
    actor: str,
    person_id: str | None,
    record: tuple[str, str] | None,
) -> None:
    """Stop sharing (the partner loses access at once); audited.

    The share must be the one the caller is looking at: of ``person_id`` (when given) and of that kind,
    a whole case when ``record`` is None, else that one record (``(record_type, record_ref)``). Share ids
    run in sequence, so without this anyone who may share could revoke every agency's shares (#26).
    """
    with transaction(factory) as session:
        row = session.get(CaseShare, share_id)
        if row is None or row.revoked_at is not None:
            raise WorkflowError("That share is not in force.")
        kind = None if row.record_type is None else (row.record_type, row.record_ref or "")
        if (person_id is not None and row.person_id != person_id) or kind != record:
            raise WorkflowError("That share is not in force.")
        row.revoked_by, row.revoked_at = actor, datetime.now(UTC)
        audit.append(
            session, username=actor, action="share.revoke", object_type="person", object_id=row.person_id,
            detail={"agency": row.agency, "share_id": share_id},
        )  # fmt: skip


def shares_for_person(factory: sessionmaker[Session], person_id: str) -> list[Share]:
    """Shares of a person not revoked and not yet expired (a panel's shares end with its period)."""
    now = datetime.now(UTC)
    with reading(factory) as session:
        rows = session.execute(
            select(CaseShare)
            .where(
                CaseShare.person_id == person_id,
                CaseShare.revoked_at.is_(None),
                CaseShare.record_ref.is_(None),
                or_(CaseShare.expires_at.is_(None), CaseShare.expires_at > now),
            )
            .order_by(CaseShare.id)
        ).scalars()
        return [_plain(r) for r in rows]


def shared_with(
    factory: sessionmaker[Session], agency: str | None, username: str | None = None, now: datetime | None = None
) -> list[Share]:
    """Shares in force for an agency (and, for scoped shares, this user now), newest first."""
    if not agency:
        return []
    with reading(factory) as session:
        rows = session.execute(
            select(CaseShare)
            .where(_in_force(agency, username, now), CaseShare.record_ref.is_(None))
            .order_by(CaseShare.id.desc())
        ).scalars()
        return [_plain(r) for r in rows]


def is_shared(
    factory: sessionmaker[Session],
    *,
    person_id: str,
    agency: str | None,
    username: str | None = None,
    now: datetime | None = None,
) -> Share | None:
    """The share in force of ``person_id`` with ``agency`` (for ``username``, now), or None: the
    record-level check for partners."""
    if not agency:
        return None
    with reading(factory) as session:
        row = session.execute(
            select(CaseShare)
            .where(CaseShare.person_id == person_id, _in_force(agency, username, now), CaseShare.record_ref.is_(None))
            .order_by(CaseShare.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        return None if row is None else _plain(row)


def record_shares(factory: sessionmaker[Session], record_type: str, record_ref: str) -> list[Share]:
    """Shares in force of one record (e.g. a PPN), oldest first."""
    with factory() as session:
        rows = session.execute(
            select(CaseShare)
            .where(
                CaseShare.record_type == record_type, CaseShare.record_ref == record_ref, CaseShare.revoked_at.is_(None)
            )
            .order_by(CaseShare.id)
        ).scalars()
        return [_plain(r) for r in rows]


def records_shared_with(factory: sessionmaker[Session], agency: str | None, record_type: str) -> dict[str, Share]:
    """record_ref -> share in force, of the records of one type shared with an agency."""
    if not agency:
        return {}
    with factory() as session:
        rows = session.execute(
            select(CaseShare)
            .where(CaseShare.agency == agency, CaseShare.record_type == record_type, CaseShare.revoked_at.is_(None))
            .order_by(CaseShare.id)
        ).scalars()
        return {str(r.record_ref): _plain(r) for r in rows}
