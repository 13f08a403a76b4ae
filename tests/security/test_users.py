from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import passwords, users
from safeguarding.security.models import AuditEntry, User
from safeguarding.security.permissions import UnknownRoleError
from safeguarding.security.users import LoginOutcome

NEW = "correct horse battery staple"


def _actions(factory: sessionmaker[Session]) -> list[str]:
    with transaction(factory) as s:
        return list(s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_add_user_stores_a_hash_and_roles(factory: sessionmaker[Session]) -> None:
    info, one_time = users.add_user(factory, "alice", ["analyst", "Supervisor"], "Alice A", actor="cli")
    assert info.roles == ("analyst", "supervisor")
    assert info.must_change_password
    with transaction(factory) as s:
        stored = s.execute(select(User.password_hash)).scalar_one()
    assert one_time not in stored
    assert passwords.verify_password(stored, one_time)
    assert _actions(factory) == ["user.add"]


@pytest.mark.parametrize(
    ("username", "roles", "error"),
    [
        ("Bad Name", ["analyst"], users.UserError),
        ("bob", [], users.UserError),
        ("bob", ["root"], UnknownRoleError),
    ],
)
def test_add_user_refuses(
    factory: sessionmaker[Session], username: str, roles: list[str], error: type[Exception]
) -> None:
    with pytest.raises(error):
        users.add_user(factory, username, roles)


def test_duplicate_username_is_refused(factory: sessionmaker[Session]) -> None:
    users.add_user(factory, "alice", ["analyst"])
    with pytest.raises(users.UserError, match="already exists"):
        users.add_user(factory, "alice", ["analyst"])


def test_login_and_password_change(factory: sessionmaker[Session]) -> None:
    _info, one_time = users.add_user(factory, "alice", ["analyst"])
    outcome, who = users.authenticate(factory, "alice", one_time)
    assert outcome is LoginOutcome.OK and who is not None and who.must_change_password
    with pytest.raises(users.UserError, match="not correct"):
        users.change_password(factory, "alice", "wrong", NEW, NEW)
    users.change_password(factory, "alice", one_time, NEW, NEW)
    assert users.authenticate(factory, "alice", one_time)[0] is LoginOutcome.BAD_CREDENTIALS
    outcome, who = users.authenticate(factory, "alice", NEW)
    assert outcome is LoginOutcome.OK and who is not None and not who.must_change_password


def test_lockout_after_five_failures_for_fifteen_minutes(factory: sessionmaker[Session]) -> None:
    _info, one_time = users.add_user(factory, "alice", ["analyst"])
    now = datetime.now(UTC)
    for _ in range(users.MAX_FAILED_LOGINS - 1):
        assert users.authenticate(factory, "alice", "guess", now=now)[0] is LoginOutcome.BAD_CREDENTIALS
    assert users.authenticate(factory, "alice", "guess", now=now)[0] is LoginOutcome.LOCKED
    # Even the right password is refused while locked: the lock lives in the database.
    assert users.authenticate(factory, "alice", one_time, now=now + timedelta(minutes=14))[0] is LoginOutcome.LOCKED
    assert users.authenticate(factory, "alice", one_time, now=now + timedelta(minutes=16))[0] is LoginOutcome.OK
    assert _actions(factory).count("login.failed") == 6


def test_disabled_user_cannot_sign_in(factory: sessionmaker[Session]) -> None:
    _info, one_time = users.add_user(factory, "alice", ["analyst"])
    users.disable_user(factory, "alice", actor="cli")
    assert users.authenticate(factory, "alice", one_time)[0] is LoginOutcome.DISABLED
    assert users.authenticate(factory, "alice", "wrong")[0] is LoginOutcome.BAD_CREDENTIALS


def test_unknown_user_fails_like_a_wrong_password(factory: sessionmaker[Session]) -> None:
    assert users.authenticate(factory, "nobody", "x") == (LoginOutcome.BAD_CREDENTIALS, None)
    with transaction(factory) as s:
        entry = s.execute(select(AuditEntry)).scalar_one()
    assert entry.action == "login.failed" and entry.username is None
    assert "x" not in entry.detail.replace("unknown", "")


def test_reset_gives_a_new_one_time_password_and_clears_the_lock(factory: sessionmaker[Session]) -> None:
    _info, first = users.add_user(factory, "alice", ["analyst"])
    for _ in range(users.MAX_FAILED_LOGINS):
        users.authenticate(factory, "alice", "guess")
    second = users.reset_password(factory, "alice", actor="cli")
    assert second != first
    outcome, who = users.authenticate(factory, "alice", second)
    assert outcome is LoginOutcome.OK and who is not None and who.must_change_password
    with pytest.raises(users.UserError, match="no user"):
        users.reset_password(factory, "nobody")


def test_create_admin_is_idempotent(factory: sessionmaker[Session]) -> None:
    first = users.create_admin(factory)
    second = users.create_admin(factory)
    assert first != second
    admins = users.list_users(factory)
    assert [u.username for u in admins] == ["admin"]
    assert set(admins[0].roles) == {"administrator", "analyst"}
    assert users.authenticate(factory, "admin", second)[0] is LoginOutcome.OK


def test_a_locked_account_answers_as_slowly_as_an_unknown_one(factory: sessionmaker[Session]) -> None:
    """#26 item 5: a locked account was answered in ~12 ms, an unknown name in ~400 ms (the hashing)."""
    import statistics
    import time

    users.add_user(factory, "alice", ["analyst"], "Alice")
    for _ in range(users.MAX_FAILED_LOGINS):
        users.authenticate(factory, "alice", "wrong password")

    def timed(username: str) -> float:
        start = time.perf_counter()
        outcome, _ = users.authenticate(factory, username, "wrong password")
        assert outcome in (LoginOutcome.LOCKED, LoginOutcome.BAD_CREDENTIALS)
        return time.perf_counter() - start

    locked = statistics.median(timed("alice") for _ in range(3))
    unknown = statistics.median(timed("nobody") for _ in range(3))
    assert locked >= 0.5 * unknown, (locked, unknown)
