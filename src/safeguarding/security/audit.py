"""The append-only, hash-chained audit log.

Each entry's hash is an HMAC-SHA256, under a key kept outside the app database (security/audit_key.py),
of the canonical JSON of its fields and the previous entry's hash, so changing, removing or re-ordering
any entry breaks every link after it, and someone who can write to the database but does not hold the
key cannot re-compute the chain after a change. Cutting entries off the end and pointing the head at an
earlier entry needs no key: an anchor (the head exported with ``safeguarding audit anchor`` and kept
elsewhere) is what catches that, up to the anchored entry. A single ``audit_head`` row
holds the latest id and hash: writers lock it (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
transactions already hold the database write lock, see db.py) so that concurrent appends queue up
rather than fork the chain, and ``verify`` compares it with the last entry to catch a cut-off tail.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit_key
from safeguarding.security.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def entry_hash(
    *,
    key: bytes,
    id: int,
    at: datetime,
    username: str | None,
    action: str,
    object_type: str | None,
    object_id: str | None,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash (HMAC-SHA256 under ``key``) an entry with these fields must carry."""
    body = canonical_json(
        {
            "id": id,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "username": username,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail,
            "prev_hash": prev_hash,
        }
    )
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def session_key(session: Session) -> bytes:
    """The audit key for the database this session writes to."""
    return audit_key.key_for(session.get_bind().engine.url)


def append(
    session: Session,
    *,
    username: str | None,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one entry inside the caller's transaction (it lands only if that transaction commits)."""
    head = session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update()).scalar_one()
    # Microseconds only: what every backend stores, so the hash can be recomputed from the stored row.
    at = datetime.now(UTC)
    detail_text = canonical_json(dict(detail or {}))
    entry = AuditEntry(
        id=head.last_id + 1,
        at=at,
        username=username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail_text,
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(
        key=session_key(session),
        id=entry.id,
        at=at,
        username=username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail_text,
        prev_hash=head.last_hash,
    )
    session.add(entry)
    head.last_id = entry.id
    head.last_hash = entry.hash
    session.flush()
    return entry


def record(
    factory: sessionmaker[Session],
    *,
    username: str | None,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry in a transaction of its own, committed before this returns."""
    with transaction(factory) as session:
        append(
            session,
            username=username,
            action=action,
            object_type=object_type,
            object_id=object_id,
            detail=detail,
        )


@dataclass(frozen=True)
class VerifyResult:
    """The outcome of ``verify``: ok, or the id of the first entry that does not check out and why."""

    ok: bool
    entries: int
    broken_id: int | None = None
    reason: str = ""


def verify(session: Session, batch_size: int = 5000, key: bytes | None = None) -> VerifyResult:
    """Walk the chain from the start; report the first entry whose link or hash does not hold."""
    key = session_key(session) if key is None else key
    expected_prev = GENESIS_HASH
    expected_id = 1
    count = 0
    last_id = 0
    while True:
        rows = (
            session.execute(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch_size))
            .scalars()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                return VerifyResult(False, count, row.id, f"entry {expected_id} is missing")
            if row.prev_hash != expected_prev:
                return VerifyResult(False, count, row.id, "previous-hash link does not match")
            recomputed = entry_hash(
                key=key,
                id=row.id,
                at=row.at,
                username=row.username,
                action=row.action,
                object_type=row.object_type,
                object_id=row.object_id,
                detail=row.detail,
                prev_hash=row.prev_hash,
            )
            if recomputed != row.hash:
                why = "entry content does not match its hash (or the audit key is not the one it was written with)"
                return VerifyResult(False, count, row.id, why)
            expected_prev = row.hash
            expected_id += 1
            count += 1
            last_id = row.id
        session.expunge_all()
    head = session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)).scalar_one_or_none()
    if head is None:
        return VerifyResult(False, count, None, "the chain head row is missing")
    if head.last_id != last_id or head.last_hash != expected_prev:
        return VerifyResult(
            False, count, head.last_id, f"entries after {last_id} are missing (the head names {head.last_id})"
        )
    return VerifyResult(True, count)


ANCHOR_FORMAT = "safeguarding-audit-anchor/1"


def anchor(session: Session) -> dict[str, Any]:
    """The chain's head as a small JSON-able record, to keep where the database's administrators cannot
    write (printed, e-mailed to the DPO, a write-once store). ``verify_anchor`` checks a chain against it."""
    head = session.execute(select(AuditHead).where(AuditHead.id == HEAD_ID)).scalar_one()
    return {
        "format": ANCHOR_FORMAT,
        "entry_id": head.last_id,
        "hash": head.last_hash,
        "taken_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def verify_anchor(session: Session, found: Mapping[str, Any]) -> str | None:
    """None when the chain still holds the anchored entry with the anchored hash; else why not.

    Run after ``verify`` (which proves every entry links to the one before it): then an anchored entry
    that is still there, with its hash, proves nothing up to it was changed, removed or re-hashed."""
    try:
        if found.get("format") != ANCHOR_FORMAT:
            return f"not an audit anchor (format {found.get('format')!r}, expected {ANCHOR_FORMAT!r})"
        entry_id, expected = int(found["entry_id"]), str(found["hash"])
    except (KeyError, TypeError, ValueError) as exc:
        return f"the anchor is missing or has a bad field ({exc})"
    if entry_id == 0:
        return None if expected == GENESIS_HASH else "the anchor names entry 0 with a hash other than the start"
    row = session.get(AuditEntry, entry_id)
    if row is None:
        return f"entry {entry_id}, which the anchor names, is no longer in the log (entries were removed)"
    if not hmac.compare_digest(row.hash, expected):
        return f"entry {entry_id} no longer has the anchored hash (the chain up to it was rewritten)"
    return None


def recent(session: Session, limit: int = 100) -> list[AuditEntry]:
    """The latest entries, newest first."""
    return list(session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).scalars())
