from __future__ import annotations

import threading

from sqlalchemy import delete, update
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.security.models import AuditEntry, AuditHead


def _write(factory: sessionmaker[Session], n: int) -> None:
    for i in range(n):
        audit.record(factory, username="alice", action="view", object_type="person", object_id=f"P-{i}")


def _verify(factory: sessionmaker[Session]) -> audit.VerifyResult:
    with transaction(factory) as s:
        return audit.verify(s)


def test_empty_log_verifies(factory: sessionmaker[Session]) -> None:
    assert _verify(factory) == audit.VerifyResult(True, 0)


def test_chain_links_each_entry_to_the_previous(factory: sessionmaker[Session]) -> None:
    _write(factory, 3)
    with transaction(factory) as s:
        rows = audit.recent(s)[::-1]
    assert [r.id for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == audit.GENESIS_HASH
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert _verify(factory) == audit.VerifyResult(True, 3)


def test_editing_a_row_is_detected(factory: sessionmaker[Session]) -> None:
    _write(factory, 5)
    with transaction(factory) as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 3).values(object_id="P-999"))
    result = _verify(factory)
    assert (result.ok, result.broken_id) == (False, 3)
    assert "hash" in result.reason


def test_editing_a_row_and_its_hash_breaks_the_next_link(factory: sessionmaker[Session]) -> None:
    _write(factory, 5)
    with transaction(factory) as s:
        s.execute(update(AuditEntry).where(AuditEntry.id == 2).values(hash="f" * 64, username="mallory"))
    result = _verify(factory)
    assert (result.ok, result.broken_id) == (False, 2)


def test_deleting_a_middle_row_is_detected(factory: sessionmaker[Session]) -> None:
    _write(factory, 5)
    with transaction(factory) as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id == 2))
    result = _verify(factory)
    assert (result.ok, result.broken_id) == (False, 3)


def test_reordering_two_rows_is_detected(factory: sessionmaker[Session]) -> None:
    """Swap entries 2 and 3 whole (content and hashes), keeping the ids in sequence."""
    _write(factory, 5)
    columns = ("at", "username", "action", "object_type", "object_id", "detail", "prev_hash", "hash")
    with transaction(factory) as s:
        two, three = (s.get(AuditEntry, i) for i in (2, 3))
        assert two is not None and three is not None
        a = {c: getattr(two, c) for c in columns}
        b = {c: getattr(three, c) for c in columns}
        # The unique hash column needs a placeholder while the two rows trade places.
        s.execute(update(AuditEntry).where(AuditEntry.id == 2).values(hash="x" * 64))
        s.flush()
        s.execute(update(AuditEntry).where(AuditEntry.id == 3).values(**a))
        s.execute(update(AuditEntry).where(AuditEntry.id == 2).values(**b))
    result = _verify(factory)
    assert (result.ok, result.broken_id) == (False, 2)


def test_cutting_off_the_tail_is_detected(factory: sessionmaker[Session]) -> None:
    _write(factory, 5)
    with transaction(factory) as s:
        s.execute(delete(AuditEntry).where(AuditEntry.id >= 4))
    result = _verify(factory)
    assert not result.ok and result.broken_id == 5 and "missing" in result.reason


def test_verify_works_across_batches(factory: sessionmaker[Session]) -> None:
    _write(factory, 7)
    with transaction(factory) as s:
        assert audit.verify(s, batch_size=3) == audit.VerifyResult(True, 7)


def test_an_entry_lands_only_with_its_transaction(factory: sessionmaker[Session]) -> None:
    try:
        with transaction(factory) as s:
            audit.append(s, username="alice", action="user.add")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert _verify(factory) == audit.VerifyResult(True, 0)
    with transaction(factory) as s:
        assert s.get(AuditHead, audit.HEAD_ID) is not None


def test_concurrent_writers_keep_one_unbroken_chain(factory: sessionmaker[Session]) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _write(factory, 10)
        except BaseException as exc:  # collected so the test reports it
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _verify(factory) == audit.VerifyResult(True, 60)


def test_a_writer_waits_for_the_one_before_it_and_sees_its_entry(factory: sessionmaker[Session]) -> None:
    """Writers queue (on SQLite first on the process's lock, see db.transaction): the second starts only
    after the first commits, and chains its entry onto the first's."""
    holding = threading.Event()
    release = threading.Event()
    second_done = threading.Event()

    def first() -> None:
        with transaction(factory) as s:
            audit.append(s, username="alice", action="view")
            holding.set()
            release.wait(10)

    def second() -> None:
        holding.wait(10)
        audit.record(factory, username="bob", action="view")
        second_done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    assert holding.wait(10)
    assert not second_done.wait(0.3)  # still queued behind the open transaction
    release.set()
    for t in threads:
        t.join(30)
    assert second_done.is_set()
    with transaction(factory) as s:
        assert [e.username for e in audit.recent(s)] == ["bob", "alice"]
    assert _verify(factory) == audit.VerifyResult(True, 2)
