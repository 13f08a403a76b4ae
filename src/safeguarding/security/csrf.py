"""CSRF tokens for POST forms.

A signed-in form carries the random token stored with the session (so it is bound to that session
and useless in another). The login form has no session yet, so it uses the double-submit pattern:
a random value in a SameSite=Strict, HttpOnly cookie that the form must echo.
"""

from __future__ import annotations

import hmac
import secrets

FIELD_NAME = "csrf_token"
LOGIN_COOKIE_NAME = "sg_login_csrf"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, submitted: str | None) -> bool:
    """Constant-time comparison; a missing or empty token never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
