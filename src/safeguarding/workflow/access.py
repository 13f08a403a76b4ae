"""Reasons for opening a child's record that is not in your queue (DPA 2018 s.62: consultation with
its justification). A reason given is good for that user and that child for ``REASON_GOOD_FOR``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import reading, transaction
from safeguarding.security import audit
from safeguarding.workflow.models import AccessReason
from safeguarding.workflow.reviews import WorkflowError

# A working day: long enough not to ask again at every click, short enough that tomorrow's look at
# the same child needs tomorrow's reason.
REASON_GOOD_FOR = timedelta(hours=12)


def give_reason(factory: sessionmaker[Session], *, username: str, person_id: str, reason: str) -> None:
    """Record why ``username`` is opening ``person_id``; audited."""
    cleaned = reason.strip()
    if len(cleaned) < 5:
        raise WorkflowError("Say why you need to open this record (at least a few words).")
    with transaction(factory) as session:
        session.add(AccessReason(username=username, person_id=person_id, reason=cleaned[:2000]))
        audit.append(
            session, username=username, action="access.reason", object_type="person", object_id=person_id,
            detail={"reason": cleaned[:2000]},
        )  # fmt: skip


def current_reason(
    factory: sessionmaker[Session], *, username: str, person_id: str, now: datetime | None = None
) -> str | None:
    """The reason ``username`` gave for ``person_id`` within the last 12 hours, if any."""
    since = (now or datetime.now(UTC)) - REASON_GOOD_FOR
    with reading(factory) as session:
        found = session.execute(
            select(AccessReason.reason)
            .where(
                AccessReason.username == username,
                AccessReason.person_id == person_id,
                AccessReason.given_at >= since,
            )
            .order_by(AccessReason.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return found
