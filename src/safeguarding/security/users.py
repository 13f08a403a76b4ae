"""User accounts: creation, one-time passwords, disabling, password changes and login with lockout.

Every change is written to the audit log in the same transaction as the change itself, so there is
never a change without its audit entry (nor an entry for a change that was rolled back).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit, passwords
from safeguarding.security.models import AuditEntry, LoginSession, User, UserRole
from safeguarding.security.permissions import Role, parse_role

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")


class UserError(ValueError):
    """A request about users that cannot be met; the message is safe to show to the operator."""


@dataclass(frozen=True)
class UserInfo:
    """What the rest of the system needs to know about a user (never the password hash)."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    must_change_password: bool
    disabled: bool
    locked_until: datetime | None
    agency: str | None = None
    totp_enabled: bool = False


def _info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        roles=tuple(r.role for r in user.roles),
        must_change_password=user.must_change_password,
        disabled=user.disabled,
        locked_until=user.locked_until,
        agency=user.agency,
        totp_enabled=user.totp_enabled,
    )


def _get(session: Session, username: str, *, for_update: bool = False) -> User | None:
    stmt = select(User).where(User.username == username)
    if for_update:
        # Lock the row (PostgreSQL; SQLite transactions already hold the write lock, see db.py) so that
        # concurrent sign-ins in other workers read the failure count only after this one is written.
        stmt = stmt.with_for_update()
    return session.execute(stmt).scalar_one_or_none()


def _require(session: Session, username: str) -> User:
    user = _get(session, username)
    if user is None:
        raise UserError(f"no user called {username!r}")
    return user


def validate_username(username: str) -> str:
    if not _USERNAME.match(username):
        raise UserError(f"username {username!r} is not allowed: use 2-64 lower-case letters, digits, '.', '_' or '-'")
    return username


def add_user(
    factory: sessionmaker[Session],
    username: str,
    roles: Sequence[str],
    display_name: str | None = None,
    *,
    actor: str | None = None,
    agency: str | None = None,
) -> tuple[UserInfo, str]:
    """Create a user with a one-time password; return the user and that password (shown once)."""
    validate_username(username)
    if not roles:
        raise UserError("give at least one role")
    parsed = sorted({parse_role(r) for r in roles})
    if Role.PARTNER in parsed and not agency:
        raise UserError("a partner user needs --agency (the agency cases are shared with)")
    one_time = passwords.generate_one_time_password()
    with transaction(factory) as session:
        if _get(session, username) is not None:
            raise UserError(f"a user called {username!r} already exists")
        user = User(
            username=username,
            display_name=display_name or username,
            password_hash=passwords.hash_password(one_time),
            must_change_password=True,
            disabled=False,
            failed_logins=0,
            agency=agency.strip().lower() if agency else None,
            roles=[UserRole(role=r.value) for r in parsed],
        )
        session.add(user)
        session.flush()
        audit.append(
            session,
            username=actor,
            action="user.add",
            object_type="user",
            object_id=username,
            detail={"roles": [r.value for r in parsed], "agency": agency},
        )
        return _info(user), one_time


def list_users(factory: sessionmaker[Session]) -> list[UserInfo]:
    with transaction(factory) as session:
        return [_info(u) for u in session.execute(select(User).order_by(User.username)).scalars()]


def get_user(factory: sessionmaker[Session], username: str) -> UserInfo | None:
    with transaction(factory) as session:
        user = _get(session, username)
        return None if user is None else _info(user)


def disable_user(factory: sessionmaker[Session], username: str, *, actor: str | None = None) -> None:
    """Stop a user signing in, and end their open sessions at once."""
    with transaction(factory) as session:
        user = _require(session, username)
        user.disabled = True
        session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        audit.append(session, username=actor, action="user.disable", object_type="user", object_id=username)


def reset_password(factory: sessionmaker[Session], username: str, *, actor: str | None = None) -> str:
    """Give a user a new one-time password (returned, shown once); clears any lockout, ends sessions."""
    one_time = passwords.generate_one_time_password()
    with transaction(factory) as session:
        user = _require(session, username)
        user.password_hash = passwords.hash_password(one_time)
        user.must_change_password = True
        user.failed_logins = 0
        user.locked_until = None
        user.password_changed_at = datetime.now(UTC)
        session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
        audit.append(session, username=actor, action="user.reset", object_type="user", object_id=username)
    return one_time


def change_password(factory: sessionmaker[Session], username: str, current: str, new: str, confirm: str) -> None:
    """Replace a user's password after checking the current one; raises PasswordPolicyError or UserError."""
    passwords.check_policy(new, username=username, confirm=confirm)
    if new == current:
        raise passwords.PasswordPolicyError("Choose a password different from the current one.")
    with transaction(factory) as session:
        user = _require(session, username)
        if not passwords.verify_password(user.password_hash, current):
            audit.append(session, username=username, action="password.change_failed", object_type="user")
            raise UserError("The current password is not correct.")
        user.password_hash = passwords.hash_password(new)
        user.must_change_password = False
        user.password_changed_at = datetime.now(UTC)
        audit.append(session, username=username, action="password.change", object_type="user")


class LoginOutcome(Enum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    DISABLED = "disabled"


def authenticate(
    factory: sessionmaker[Session], username: str, password: str, *, now: datetime | None = None
) -> tuple[LoginOutcome, UserInfo | None]:
    """Check a login; count failures, lock for 15 minutes after 5, and audit the attempt.

    The lock lives in the database so it holds across every worker process.
    """
    now = now or datetime.now(UTC)
    with transaction(factory) as session:
        user = _get(session, username, for_update=True)
        if user is None:
            passwords.burn_time(password)
            audit.append(session, username=None, action="login.failed", detail={"reason": "unknown user"})
            return LoginOutcome.BAD_CREDENTIALS, None
        if user.locked_until is not None and user.locked_until > now:
            # Do not check the password: a guess made while locked must not reveal whether it was right. The
            # same hashing time is spent, so a locked account answers as slowly as any other (#26 item 5).
            passwords.burn_time(password)
            audit.append(session, username=username, action="login.failed", detail={"reason": "locked"})
            return LoginOutcome.LOCKED, None
        if not passwords.verify_password(user.password_hash, password):
            user.failed_logins += 1
            reason = "bad password"
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
                reason = "bad password; account locked"
            audit.append(session, username=username, action="login.failed", detail={"reason": reason})
            locked_now = user.locked_until is not None and user.locked_until > now
            return (LoginOutcome.LOCKED if locked_now else LoginOutcome.BAD_CREDENTIALS), None
        if user.disabled:
            audit.append(session, username=username, action="login.failed", detail={"reason": "disabled"})
            return LoginOutcome.DISABLED, None
        # With a second factor the count starts again only after the right code (security/totp.py): a right
        # password must not wipe out wrong codes, or a stolen password would buy unlimited guesses.
        if not user.totp_enabled:
            user.failed_logins = 0
        user.locked_until = None
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        audit.append(session, username=username, action="login")
        return LoginOutcome.OK, _info(user)


def create_admin(factory: sessionmaker[Session], username: str = "admin") -> str:
    """Create the administrator (or reset its password when it exists); return its one-time password.

    The demo administrator also holds the analyst role so that the demo shows the intelligence pages;
    administration alone grants no access to children's records (see permissions.py).
    """
    if get_user(factory, username) is None:
        _user, one_time = add_user(
            factory, username, [Role.ADMINISTRATOR, Role.ANALYST], "Administrator", actor="system"
        )
        return one_time
    return reset_password(factory, username, actor="system")


@dataclass(frozen=True)
class AccountChange:
    """A change to a user's account made by someone else (an administrator's reset)."""

    action: str
    actor: str | None
    at: datetime


def changes_by_others(factory: sessionmaker[Session], username: str) -> list[AccountChange]:
    """Resets of ``username``'s password or second factor by someone else since the user last chose a
    password, oldest first: shown to the user at their next sign-in, so a take-over by reset is seen."""
    with transaction(factory) as session:
        since = session.execute(
            select(func.max(AuditEntry.id)).where(
                AuditEntry.username == username, AuditEntry.action == "password.change"
            )
        ).scalar_one_or_none()
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.username, AuditEntry.at)
            .where(
                AuditEntry.object_type == "user",
                AuditEntry.object_id == username,
                AuditEntry.action.in_(("user.reset", "totp.reset")),
                AuditEntry.id > (since or 0),
                or_(AuditEntry.username.is_(None), AuditEntry.username != username),
            )
            .order_by(AuditEntry.id)
        ).all()
    return [AccountChange(a, who, at) for a, who, at in rows]
