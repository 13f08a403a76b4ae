"""The keyed audit chain and its anchors (#26 item 10): what the key and an anchor catch, what they do
not, where the key lives, and the migration that re-keys an existing chain."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.db import transaction
from safeguarding.security import audit, audit_app, audit_key, users_app
from safeguarding.security.models import AuditEntry, AuditHead

runner = CliRunner()


def _write(factory: sessionmaker[Session], n: int) -> None:
    for i in range(n):
        audit.record(factory, username="alice", action="view", object_type="person", object_id=f"P-{i}")


def _verify(factory: sessionmaker[Session]) -> audit.VerifyResult:
    with transaction(factory) as s:
        return audit.verify(s)


def _plain_hash(row: AuditEntry, prev_hash: str) -> str:
    """The old, unkeyed hash: SHA-256 of the same canonical JSON (what an attacker could recompute)."""
    body = audit.canonical_json(
        {"id": row.id, "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"), "username": row.username,
         "action": row.action, "object_type": row.object_type, "object_id": row.object_id, "detail": row.detail,
         "prev_hash": prev_hash}
    )  # fmt: skip
    return hashlib.sha256(body.encode()).hexdigest()


def _rewrite_and_rehash(factory: sessionmaker[Session], entry_id: int, rehash: object) -> None:
    """Change one entry and recompute every hash from it on, as someone who can write to the database would."""
    with transaction(factory) as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == entry_id).values(object_id="P-999"))
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        prev = audit.GENESIS_HASH
        for row in rows:
            row.prev_hash = prev
            row.hash = rehash(row, prev)  # type: ignore[operator]
            prev = row.hash
        s.execute(update(AuditHead).values(last_hash=prev))


def test_rewriting_a_row_and_rehashing_everything_after_it_is_caught_without_the_key(
    factory: sessionmaker[Session],
) -> None:
    _write(factory, 5)
    _rewrite_and_rehash(factory, 3, _plain_hash)
    result = _verify(factory)
    assert (result.ok, result.broken_id) == (False, 1)  # no entry's hash can be made without the key
    assert "audit key" in result.reason


def test_a_wrong_key_fails_and_the_right_one_passes(factory: sessionmaker[Session]) -> None:
    _write(factory, 3)
    with transaction(factory) as s:
        assert audit.verify(s).ok
        assert not audit.verify(s, key=b"\x01" * 32).ok


def _keyed(key: bytes) -> object:
    def rehash(row: AuditEntry, prev: str) -> str:
        return audit.entry_hash(
            key=key, id=row.id, at=row.at, username=row.username, action=row.action, object_type=row.object_type,
            object_id=row.object_id, detail=row.detail, prev_hash=prev,
        )  # fmt: skip

    return rehash


def test_an_anchor_catches_a_rewrite_by_someone_holding_the_key(factory: sessionmaker[Session]) -> None:
    _write(factory, 5)
    with transaction(factory) as s:
        taken = audit.anchor(s)
        key = audit.session_key(s)
    assert taken["entry_id"] == 5
    _write(factory, 2)
    _rewrite_and_rehash(factory, 2, _keyed(key))
    assert _verify(factory).ok  # with the key, a rewrite re-chains cleanly: this is what the anchor is for
    with transaction(factory) as s:
        problem = audit.verify_anchor(s, taken)
    assert problem is not None and "entry 5 no longer has the anchored hash" in problem


def test_cutting_off_the_tail_passes_verify_but_not_the_anchor(factory: sessionmaker[Session]) -> None:
    _write(factory, 6)
    with transaction(factory) as s:
        taken = audit.anchor(s)
        s.execute(delete(AuditEntry).where(AuditEntry.id > 4))
        kept = s.get(AuditEntry, 4)
        assert kept is not None
        s.execute(update(AuditHead).values(last_id=4, last_hash=kept.hash))
    assert _verify(factory).ok  # needs no key: documented in docs/security.md
    with transaction(factory) as s:
        problem = audit.verify_anchor(s, taken)
        assert problem is not None and "entry 6" in problem and "removed" in problem
        assert audit.verify_anchor(s, {**taken, "format": "x"}) is not None
        assert audit.verify_anchor(s, {"format": audit.ANCHOR_FORMAT}) is not None


def test_the_key_file_is_made_beside_a_sqlite_database_readable_by_its_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(audit_key.KEY_ENV, raising=False)
    monkeypatch.delenv(audit_key.KEY_FILE_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    db.upgrade(url)
    factory = db.session_factory(db.make_engine(url))
    _write(factory, 2)
    path = tmp_path / audit_key.KEY_FILE_NAME
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text())) == 32
    with transaction(factory) as s:
        assert audit.verify(s).ok
    # A different key (a restored database without its key, or a forged chain) does not verify.
    audit_key.forget()
    path.write_text("ab" * 32 + "\n")
    assert not _verify(factory).ok
    monkeypatch.setenv(audit_key.KEY_ENV, "not hex")
    with pytest.raises(audit_key.AuditKeyError, match=audit_key.KEY_ENV):
        audit_key.key_for(url)
    factory.kw["bind"].dispose()
    audit_key.forget()


def test_the_migration_rekeys_an_existing_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    db.upgrade(url, "0008_lookup_indexes")
    engine = db.make_engine(url)
    prev = audit.GENESIS_HASH
    with engine.begin() as con:
        for i in range(1, 4):
            row = AuditEntry(
                id=i, at=datetime(2026, 1, i, 12, tzinfo=UTC), username="alice", action="view", object_type="person",
                object_id=f"P-{i}", detail="{}", prev_hash=prev,
            )  # fmt: skip
            row.hash = _plain_hash(row, prev)
            con.execute(
                insert(AuditEntry).values(
                    id=row.id,
                    at=row.at,
                    username=row.username,
                    action=row.action,
                    object_type=row.object_type,
                    object_id=row.object_id,
                    detail=row.detail,
                    prev_hash=row.prev_hash,
                    hash=row.hash,
                )
            )
            prev = row.hash
        con.execute(update(AuditHead).values(last_id=3, last_hash=prev))
    db.upgrade(url)
    factory = db.session_factory(engine)
    with transaction(factory) as s:
        assert audit.verify(s) == audit.VerifyResult(True, 3)
        first = s.get(AuditEntry, 1)
        assert first is not None and first.hash != _plain_hash(first, audit.GENESIS_HASH)
    _write(factory, 1)
    assert _verify(factory) == audit.VerifyResult(True, 4)
    engine.dispose()


def test_the_migration_refuses_to_rekey_a_broken_chain(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    db.upgrade(url, "0008_lookup_indexes")
    engine = db.make_engine(url)
    with engine.begin() as con:
        con.execute(
            insert(AuditEntry).values(
                id=1,
                at=datetime(2026, 1, 1, tzinfo=UTC),
                username="mallory",
                action="view",
                detail="{}",
                prev_hash=audit.GENESIS_HASH,
                hash="f" * 64,
            )
        )
    with pytest.raises(RuntimeError, match="audit log broken at entry 1 before re-keying"):
        db.upgrade(url)
    engine.dispose()


def test_audit_anchor_and_verify_anchor_on_the_command_line(settings: Settings, tmp_path: Path) -> None:
    for name in ("alice", "bob", "carol"):
        runner.invoke(users_app, ["add", name, "--role", "analyst"], obj=settings)
    anchor_file = tmp_path / "anchor.json"
    taken = runner.invoke(audit_app, ["anchor", "--out", str(anchor_file)], obj=settings)
    assert taken.exit_code == 0, taken.output
    assert json.loads(anchor_file.read_text())["entry_id"] == 3
    printed = runner.invoke(audit_app, ["anchor"], obj=settings)
    assert json.loads(printed.output)["entry_id"] == 4  # the first anchor is itself audited (entry 4)
    ok = runner.invoke(audit_app, ["verify", "--anchor", str(anchor_file)], obj=settings)
    assert ok.exit_code == 0 and "matches 1 anchor(s)" in ok.output, ok.output
    engine = db.make_engine(settings.app_database_url)
    with engine.begin() as con:
        kept = con.execute(select(AuditEntry.hash).where(AuditEntry.id == 2)).scalar_one()
        con.execute(delete(AuditEntry).where(AuditEntry.id > 2))
        con.execute(update(AuditHead).values(last_id=2, last_hash=kept))
    engine.dispose()
    assert runner.invoke(audit_app, ["verify"], obj=settings).exit_code == 0
    cut = runner.invoke(audit_app, ["verify", "--anchor", str(anchor_file)], obj=settings)
    assert cut.exit_code == 1 and "entry 3, which the anchor names, is no longer in the log" in cut.output
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    refused = runner.invoke(audit_app, ["verify", "--anchor", str(bad)], obj=settings)
    assert refused.exit_code == 2 and "bad.json: not an audit anchor" in refused.output
    assert "Traceback" not in refused.output
