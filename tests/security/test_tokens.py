"""API tokens expire, never act as an administrator, and die with a password reset (#26 item 8)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from safeguarding.security import tokens, users


def test_a_token_expires(factory: sessionmaker[Session]) -> None:
    users.add_user(factory, "svc", ["analyst"], "Service")
    token = tokens.create(factory, "svc", "mash", actor="test")
    assert tokens.resolve(factory, token) is not None
    later = datetime.now(UTC) + tokens.LIFETIME + timedelta(minutes=1)
    assert tokens.resolve(factory, token, now=later) is None


def test_a_token_never_acts_as_an_administrator(factory: sessionmaker[Session]) -> None:
    users.add_user(factory, "ada", ["administrator", "analyst"], "Ada")
    found = tokens.resolve(factory, tokens.create(factory, "ada", "script", actor="test"))
    assert found is not None and found.roles == frozenset({"analyst"})


def test_a_password_reset_ends_the_users_tokens(factory: sessionmaker[Session]) -> None:
    users.add_user(factory, "svc", ["analyst"], "Service")
    token = tokens.create(factory, "svc", "mash", actor="test")
    users.reset_password(factory, "svc", actor="admin")
    assert tokens.resolve(factory, token) is None
    fresh = tokens.create(factory, "svc", "mash", actor="test")  # a token made after the reset works
    assert tokens.resolve(factory, fresh) is not None
