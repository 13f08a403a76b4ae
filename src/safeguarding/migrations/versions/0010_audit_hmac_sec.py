"""Key the audit chain: every existing entry's hash is re-computed as HMAC-SHA256 under the audit key
(security/audit_key.py), in order, and the head moved to the new last hash.

The old, unkeyed chain is checked first: a chain that is already broken is not re-keyed (that would
make tampering look sound); the migration stops, naming the first broken entry.

Revision ID: 0010_audit_hmac_sec
Revises: 0009_record_reviews_rm
Create Date: 2026-12-08
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alembic import op
from sqlalchemy import Table, select, update

from safeguarding.security import audit_key
from safeguarding.security.models import AuditEntry, AuditHead

revision = "0010_audit_hmac_sec"
down_revision: str | None = "0009_record_reviews_rm"
branch_labels: str | None = None
depends_on: str | None = None

GENESIS = "0" * 64


def _body(row: Any, prev_hash: str) -> bytes:
    at: datetime = row.at
    return json.dumps(
        {
            "id": row.id,
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "username": row.username,
            "action": row.action,
            "object_type": row.object_type,
            "object_id": row.object_id,
            "detail": row.detail,
            "prev_hash": prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def _plain(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _rechain(old: Callable[[bytes], str], new: Callable[[bytes], str]) -> None:
    bind = op.get_bind()
    entries, head = AuditEntry.__table__, AuditHead.__table__
    assert isinstance(entries, Table) and isinstance(head, Table)
    old_prev, new_prev, expected_id = GENESIS, GENESIS, 1
    for row in bind.execute(select(entries).order_by(entries.c.id)).all():
        if row.id != expected_id or row.prev_hash != old_prev or old(_body(row, old_prev)) != row.hash:
            raise RuntimeError(
                f"audit log broken at entry {row.id} before re-keying: run `safeguarding audit verify` on a "
                "copy, investigate, and restore the log from a backup before upgrading"
            )
        new_hash = new(_body(row, new_prev))
        bind.execute(update(entries).where(entries.c.id == row.id).values(prev_hash=new_prev, hash=new_hash))
        old_prev, new_prev, expected_id = row.hash, new_hash, expected_id + 1
    bind.execute(update(head).where(head.c.id == 1, head.c.last_hash == old_prev).values(last_hash=new_prev))


def _keyed() -> Callable[[bytes], str]:
    key = audit_key.key_for(op.get_bind().engine.url)
    return lambda body: hmac.new(key, body, hashlib.sha256).hexdigest()


def upgrade() -> None:
    _rechain(_plain, _keyed())


def downgrade() -> None:
    _rechain(_keyed(), _plain)
