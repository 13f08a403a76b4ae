"""Time-based one-time passwords (RFC 6238, via pyotp) as the second factor at sign-in.

A user enrols by being shown a new secret (to type or paste into an authenticator app) and proving
it with one code; only then is the factor switched on. Every step is audited.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.security.models import User
from safeguarding.security.users import LOCKOUT, MAX_FAILED_LOGINS

ISSUER = "Safeguarding portal"


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps accept."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(secret: str | None, code: str, *, at: datetime | None = None) -> int | None:
    """The 30-second time step ``code`` is right for: now, or the step either side (clock drift); else None."""
    cleaned = code.replace(" ", "").strip()
    if not secret or not cleaned.isdigit() or len(cleaned) != 6:
        return None
    otp = pyotp.TOTP(secret)
    moment = at or datetime.now(UTC)
    now_step = otp.timecode(moment)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(otp.generate_otp(step), cleaned):
            return step
    return None


def issue(factory: sessionmaker[Session], username: str) -> str:
    """The secret ``username`` is enrolling with: the one already issued (not yet switched on), or a new
    one, kept on the user row. The enrolment form never carries it back (#26 item 7)."""
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username).with_for_update()).scalar_one()
        if user.totp_enabled:
            raise ValueError(f"{username} already has a second factor")
        if not user.totp_secret:
            user.totp_secret = new_secret()
        return user.totp_secret


def enable(factory: sessionmaker[Session], username: str, code: str) -> bool:
    """Switch the second factor on for ``username`` if ``code`` proves they hold the secret the server
    issued them (``issue``); whatever a form might post as a secret plays no part."""
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username).with_for_update()).scalar_one()
        if user.totp_enabled or not user.totp_secret:
            return False
        step = matching_step(user.totp_secret, code)
        if step is None:
            return False
        user.totp_enabled = True
        # The enrolment code is spent too: it cannot be replayed at the next sign-in.
        user.totp_last_step = step
        audit.append(session, username=username, action="totp.enable", object_type="user", object_id=username)
    return True


def check(factory: sessionmaker[Session], username: str, code: str) -> bool:
    """Check a sign-in code for ``username``; a wrong or already used code is refused and audited.

    A code is accepted once: its time step must be later than that of the last code accepted for the
    user. The user's row is locked while checking (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite
    transactions hold the write lock), so two workers given the same code at once accept it only once.
    """
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username).with_for_update()).scalar_one_or_none()
        ok = False
        reason = "wrong second-factor code"
        now = datetime.now(UTC)
        if user is not None and user.locked_until is not None and user.locked_until > now:
            reason = "locked"
        elif user is not None:
            step = matching_step(user.totp_secret, code) if user.totp_enabled else None
            if step is not None and user.totp_last_step is not None and step <= user.totp_last_step:
                reason = "second-factor code already used"
            elif step is not None:
                user.totp_last_step = step
                user.failed_logins = 0
                ok = True
            if not ok:
                # Wrong codes count with wrong passwords: five lock the account, so a stolen password does
                # not buy unlimited guesses at six digits.
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILED_LOGINS:
                    user.locked_until = now + LOCKOUT
                    user.failed_logins = 0
                    reason += "; account locked"
        audit.append(
            session,
            username=username,
            action="login.second_factor" if ok else "login.failed",
            detail={} if ok else {"reason": reason},
        )
    return ok


def reset(factory: sessionmaker[Session], username: str, *, actor: str) -> None:
    """Switch a user's second factor off (lost phone); they enrol again at next sign-in if required."""
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        user.totp_secret = None
        user.totp_enabled = False
        user.totp_last_step = None
        audit.append(session, username=actor, action="totp.reset", object_type="user", object_id=username)
