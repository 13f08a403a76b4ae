"""Time-based one-time passwords (RFC 6238, via pyotp) as the second factor at sign-in.

A user enrols by being shown a new secret (to type or paste into an authenticator app) and proving
it with one code; only then is the factor switched on. Every step is audited.
"""

from __future__ import annotations

import pyotp
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.security.models import User

ISSUER = "Safeguarding portal"


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str) -> str:
    """The otpauth:// URI authenticator apps accept."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def code_ok(secret: str | None, code: str) -> bool:
    """True when ``code`` is right for now, or for the 30-second step either side (clock drift)."""
    cleaned = code.replace(" ", "").strip()
    if not secret or not cleaned.isdigit() or len(cleaned) != 6:
        return False
    return bool(pyotp.TOTP(secret).verify(cleaned, valid_window=1))


def enable(factory: sessionmaker[Session], username: str, secret: str, code: str) -> bool:
    """Switch the second factor on for ``username`` if ``code`` proves they hold ``secret``."""
    if not code_ok(secret, code):
        return False
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        user.totp_secret = secret
        user.totp_enabled = True
        audit.append(session, username=username, action="totp.enable", object_type="user", object_id=username)
    return True


def check(factory: sessionmaker[Session], username: str, code: str) -> bool:
    """Check a sign-in code for ``username``; a wrong code is audited."""
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        ok = user is not None and user.totp_enabled and code_ok(user.totp_secret, code)
        audit.append(
            session,
            username=username,
            action="login.second_factor" if ok else "login.failed",
            detail={} if ok else {"reason": "wrong second-factor code"},
        )
    return ok


def reset(factory: sessionmaker[Session], username: str, *, actor: str) -> None:
    """Switch a user's second factor off (lost phone); they enrol again at next sign-in if required."""
    with transaction(factory) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one()
        user.totp_secret = None
        user.totp_enabled = False
        audit.append(session, username=actor, action="totp.reset", object_type="user", object_id=username)
