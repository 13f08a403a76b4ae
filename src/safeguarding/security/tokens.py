"""Bearer tokens for other systems on the JSON API.

A token belongs to a user and carries that user's roles, so the one permission table governs the API
too, except the administrator role: a token has no second factor, so it never acts as an
administrator. A token stops working ``LIFETIME`` after it was made, when it is revoked, when its user
is disabled, and when the user's password is reset or changed after it was made (#26 item 8). The
token is shown once; only its SHA-256 is kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.security.models import ApiToken, User
from safeguarding.security.sessions import hash_token
from safeguarding.security.users import UserError

PREFIX = "sgt_"
# A quarter: long enough for a system's operators to renew on a schedule, short enough that a token
# copied into a forgotten script stops working.
LIFETIME = timedelta(days=90)
# Roles a token never carries: they need a second factor, which a bearer token cannot give.
NOT_FOR_TOKENS = frozenset({"administrator"})


@dataclass(frozen=True)
class TokenUser:
    """Who an API request acts as."""

    username: str
    token_name: str
    roles: frozenset[str]
    agency: str | None


def create(factory: sessionmaker[Session], username: str, name: str, *, actor: str) -> str:
    """Make a token for ``username``; return it (shown once)."""
    if not name.strip():
        raise UserError("give the token a name (the system that will use it)")
    token = PREFIX + secrets.token_urlsafe(32)
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise UserError(f"no user called {username!r}")
        session.add(ApiToken(token_hash=hash_token(token), name=name.strip()[:100], user_id=user.id, created_by=actor))
        audit.append(
            session, username=actor, action="token.add", object_type="user", object_id=username,
            detail={"name": name.strip()[:100]},
        )  # fmt: skip
    return token


def revoke(factory: sessionmaker[Session], username: str, name: str, *, actor: str) -> int:
    """Revoke a user's tokens called ``name``; return how many were revoked."""
    with transaction(factory) as session:
        rows = session.execute(
            select(ApiToken)
            .join(User, User.id == ApiToken.user_id)
            .where(User.username == username, ApiToken.name == name, ApiToken.revoked_at.is_(None))
        ).scalars()
        count = 0
        for row in rows:
            row.revoked_at = datetime.now(UTC)
            count += 1
        audit.append(
            session, username=actor, action="token.revoke", object_type="user", object_id=username,
            detail={"name": name, "revoked": count},
        )  # fmt: skip
    return count


def resolve(factory: sessionmaker[Session], token: str, *, now: datetime | None = None) -> TokenUser | None:
    """The user a live token acts as, or None (unknown, revoked, expired, the user disabled, or their
    password reset or changed since the token was made)."""
    if not token.startswith(PREFIX) or len(token) > 128:
        return None
    with factory() as session:
        row = session.execute(
            select(ApiToken, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
        ).one_or_none()
        if row is None:
            return None
        api_token, user = row
        if user.disabled:
            return None
        made = api_token.created_at
        if (now or datetime.now(UTC)) >= made + LIFETIME:
            return None
        if user.password_changed_at is not None and user.password_changed_at > made:
            return None  # the password was reset or changed after the token was made
        roles = frozenset(r.role for r in user.roles) - NOT_FOR_TOKENS
        return TokenUser(user.username, api_token.name, roles, user.agency)
