from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import sessions, users
from safeguarding.security.models import LoginSession

# The policy defaults: 30 minutes idle, 12 hours at most.
HOURS = sessions.Lifetime(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _user(factory: sessionmaker[Session]) -> int:
    info, _ = users.add_user(factory, "alice", ["analyst"], "Alice")
    return info.id


def test_session_round_trip_stores_only_a_hash(factory: sessionmaker[Session]) -> None:
    token = sessions.create(factory, _user(factory), HOURS)
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    with transaction(factory) as s:
        stored = s.execute(select(LoginSession)).scalar_one()
    assert stored.token_hash != token and stored.token_hash == sessions.hash_token(token)
    found = sessions.load(factory, token, HOURS)
    assert found is not None
    assert (found.username, found.roles) == ("alice", frozenset({"analyst"}))
    assert found.csrf_token and found.csrf_token != token


def test_unknown_and_missing_tokens(factory: sessionmaker[Session]) -> None:
    _user(factory)
    assert sessions.load(factory, None, HOURS) is None
    assert sessions.load(factory, "forged", HOURS) is None
    assert sessions.load(factory, "x" * 1000, HOURS) is None


def test_session_idles_out_after_30_minutes_and_activity_extends_it(factory: sessionmaker[Session]) -> None:
    token = sessions.create(factory, _user(factory), HOURS)
    now = datetime.now(UTC)
    assert sessions.load(factory, token, HOURS, now=now + timedelta(minutes=25)) is not None
    # Activity at +25 min moved the idle expiry to +55 min.
    assert sessions.load(factory, token, HOURS, now=now + timedelta(minutes=50)) is not None
    assert sessions.load(factory, token, HOURS, now=now + timedelta(minutes=81)) is None
    # An expired session is removed, not just ignored.
    assert sessions.load(factory, token, HOURS, now=now) is None


def test_session_ends_after_12_hours_however_active(factory: sessionmaker[Session]) -> None:
    token = sessions.create(factory, _user(factory), HOURS)
    now = datetime.now(UTC)
    for minutes in range(20, 12 * 60, 20):
        assert sessions.load(factory, token, HOURS, now=now + timedelta(minutes=minutes)) is not None
    assert sessions.load(factory, token, HOURS, now=now + timedelta(hours=12, minutes=1)) is None


def test_end_and_disable_close_sessions(factory: sessionmaker[Session]) -> None:
    user_id = _user(factory)
    one, two = sessions.create(factory, user_id, HOURS), sessions.create(factory, user_id, HOURS)
    sessions.end(factory, sessions.hash_token(one))
    assert sessions.load(factory, one, HOURS) is None
    assert sessions.load(factory, two, HOURS) is not None
    users.disable_user(factory, "alice")
    assert sessions.load(factory, two, HOURS) is None


def test_end_all_for_user_keeps_the_current_one(factory: sessionmaker[Session]) -> None:
    user_id = _user(factory)
    keep, other = sessions.create(factory, user_id, HOURS), sessions.create(factory, user_id, HOURS)
    sessions.end_all_for_user(factory, user_id, keep=sessions.hash_token(keep))
    assert sessions.load(factory, keep, HOURS) is not None
    assert sessions.load(factory, other, HOURS) is None
