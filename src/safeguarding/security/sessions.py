"""Server-side login sessions in the app database.

The browser holds a random 32-byte token in an HttpOnly, SameSite=Strict cookie; the database holds
only its SHA-256, the user, a CSRF token bound to the session, and an expiry that moves forward with
activity. A login ends after ``idle`` without activity or ``absolute`` after sign-in, whichever is
first (security/policy.py: 30 minutes and 12 hours by default). A session made by a right password
for a user with a second factor stays ``second_factor_pending`` (it opens no page) until the code.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import reading, transaction
from safeguarding.security.models import LoginSession, User

COOKIE_NAME = "sg_session"

# Writing last-activity on every request would double the writes for no gain in precision that
# matters against an idle limit of half an hour.
_TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Lifetime:
    """How long a login lasts: ``idle`` without activity, ``absolute`` after sign-in at most."""

    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class SessionInfo:
    """The signed-in user behind a request, as plain data."""

    token_hash: str
    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]
    must_change_password: bool
    csrf_token: str
    expires_at: datetime
    second_factor_pending: bool = False
    agency: str | None = None
    totp_enabled: bool = False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create(
    factory: sessionmaker[Session], user_id: int, lifetime: Lifetime, *, second_factor_pending: bool = False
) -> str:
    """Start a session for ``user_id``; return the token for the cookie (never stored as such)."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with transaction(factory) as session:
        # Drop this user's expired sessions while we are here, so the table does not grow for ever.
        session.execute(delete(LoginSession).where(LoginSession.user_id == user_id, LoginSession.expires_at <= now))
        session.add(
            LoginSession(
                token_hash=hash_token(token),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(32),
                created_at=now,
                last_seen_at=now,
                expires_at=now + min(lifetime.idle, lifetime.absolute),
                second_factor_pending=second_factor_pending,
            )
        )
    return token


def load(
    factory: sessionmaker[Session], token: str | None, lifetime: Lifetime, *, now: datetime | None = None
) -> SessionInfo | None:
    """The live session for ``token`` (extending its expiry), or None if absent, expired or disabled."""
    if not token or len(token) > 128:
        return None
    now = now or datetime.now(UTC)
    token_hash = hash_token(token)
    # Most requests only read the session; the write (expiry, or moving the idle limit on) is made in a
    # transaction of its own and only when needed, so reads do not queue behind the write lock.
    with reading(factory) as session:
        row = session.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == token_hash)
        ).one_or_none()
        if row is None:
            return None
        login, user = row
        roles = frozenset(r.role for r in user.roles)
    hard_end = login.created_at + lifetime.absolute
    if login.expires_at <= now or hard_end <= now or user.disabled:
        with transaction(factory) as session:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash))
        return None
    expires_at = login.expires_at
    if now - login.last_seen_at >= _TOUCH_EVERY:
        expires_at = min(now + lifetime.idle, hard_end)
        with transaction(factory) as session:
            # Only move forward: a concurrent request may have touched it already.
            session.execute(
                update(LoginSession)
                .where(LoginSession.token_hash == token_hash, LoginSession.last_seen_at < now)
                .values(last_seen_at=now, expires_at=expires_at)
            )
    return SessionInfo(
        token_hash=token_hash,
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=roles,
        must_change_password=user.must_change_password,
        csrf_token=login.csrf_token,
        expires_at=expires_at,
        second_factor_pending=login.second_factor_pending,
        agency=user.agency,
        totp_enabled=user.totp_enabled,
    )


def end(factory: sessionmaker[Session], token_hash: str) -> None:
    """Sign a session out (idempotent)."""
    with transaction(factory) as session:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash))


def end_all_for_user(factory: sessionmaker[Session], user_id: int, keep: str | None = None) -> None:
    """End every session of a user except ``keep`` (a token hash), e.g. after a password change."""
    with transaction(factory) as session:
        stmt = delete(LoginSession).where(LoginSession.user_id == user_id)
        if keep is not None:
            stmt = stmt.where(LoginSession.token_hash != keep)
        session.execute(stmt)
