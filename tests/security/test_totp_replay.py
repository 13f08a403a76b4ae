"""TOTP codes are accepted once: replay within the code's window is refused, and wrong codes count
towards the same five-failure lockout as wrong passwords (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import totp, users
from safeguarding.security.models import AuditEntry, User
from safeguarding.security.users import LoginOutcome


def _enrolled(factory: sessionmaker[Session], username: str = "ada") -> tuple[pyotp.TOTP, str]:
    _info, one_time = users.add_user(factory, username, ["administrator"], "Ada")
    secret = totp.issue(factory, username)
    otp = pyotp.TOTP(secret)
    # Enrol with the previous step's code (accepted for clock drift), so "now" is a fresh step.
    assert totp.enable(factory, username, otp.at(time.time() - 30))
    return otp, one_time


def _reasons(factory: sessionmaker[Session], username: str) -> list[str]:
    with transaction(factory) as s:
        rows = s.execute(
            select(AuditEntry.detail).where(AuditEntry.username == username, AuditEntry.action == "login.failed")
        ).scalars()
        return list(rows)


def test_a_code_is_accepted_once(factory: sessionmaker[Session]) -> None:
    otp, _ = _enrolled(factory)
    earlier = otp.at(time.time() - 30)
    assert not totp.check(factory, "ada", earlier), "the enrolment code was accepted again"
    code = otp.now()
    assert totp.check(factory, "ada", code)
    assert not totp.check(factory, "ada", code), "a code was accepted twice"
    # An older step than the last accepted one is refused even though it is inside the drift window.
    assert not totp.check(factory, "ada", earlier)
    assert any("already used" in r for r in _reasons(factory, "ada"))
    with transaction(factory) as s:
        step = s.execute(select(User.totp_last_step).where(User.username == "ada")).scalar_one()
    assert step == otp.timecode(datetime.now(UTC)) or step == otp.timecode(datetime.now(UTC)) - 1


def test_the_same_code_sent_at_once_is_accepted_once(factory: sessionmaker[Session]) -> None:
    otp, _ = _enrolled(factory)
    code = otp.now()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _n: totp.check(factory, "ada", code), range(4)))
    assert results.count(True) == 1


def test_wrong_codes_lock_the_account_like_wrong_passwords(factory: sessionmaker[Session]) -> None:
    otp, one_time = _enrolled(factory)
    good = otp.now()
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert not totp.check(factory, "ada", wrong)
    # A right password in between does not wipe the count of wrong codes.
    assert users.authenticate(factory, "ada", one_time)[0] is LoginOutcome.OK
    assert not totp.check(factory, "ada", wrong)
    info = users.get_user(factory, "ada")
    assert info is not None and info.locked_until is not None
    # Locked: even the right code is refused, and so is the right password.
    assert not totp.check(factory, "ada", good)
    assert users.authenticate(factory, "ada", one_time)[0] is LoginOutcome.LOCKED
    assert any("account locked" in r for r in _reasons(factory, "ada"))


def test_there_is_no_code_check_without_the_replay_guard() -> None:
    """#26 item 13: the only ways to check a code are ``check`` (sign-in, with the replay guard) and
    ``enable`` (enrolment, which spends the code)."""
    assert not hasattr(totp, "code_ok")
    public = {n for n in vars(totp) if not n.startswith("_") and callable(getattr(totp, n))}
    assert {n for n in public if "code" in n or "check" in n} == {"check"}
