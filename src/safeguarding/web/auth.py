"""Who is asking, and may they: the per-request session lookup, ``require(permission)`` and CSRF checks.

Every page route depends on ``require``. It sends the anonymous to the login page, a user holding a
one-time password to the change-password page, refuses (403) anyone whose roles lack the permission,
and otherwise writes the page view to the audit log before the page is built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request

from safeguarding.security import audit, csrf, sessions
from safeguarding.security.permissions import Permission, permissions_for
from safeguarding.web.state import app_state


class LoginRequired(Exception):
    """No live session: the app answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """The user signed in with a one-time password and must replace it first."""


class PermissionDenied(Exception):
    """The user's roles do not grant what the page needs."""


class CsrfFailed(Exception):
    """A POST without the right CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user on a permitted page."""

    session: sessions.SessionInfo
    permissions: frozenset[Permission]

    @property
    def username(self) -> str:
        return self.session.username

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def current_session(request: Request) -> sessions.SessionInfo | None:
    """The live session for this request's cookie (looked up once per request)."""
    if not hasattr(request.state, "login_session"):
        state = app_state(request)
        token = request.cookies.get(sessions.COOKIE_NAME)
        request.state.login_session = sessions.load(state.factory, token, state.session_lifetime)
    found: sessions.SessionInfo | None = request.state.login_session
    return found


def _path_with_query(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def signed_in(request: Request) -> sessions.SessionInfo:
    """Dependency for pages any signed-in user may reach (change password, sign out)."""
    found = current_session(request)
    if found is None:
        raise LoginRequired(_path_with_query(request))
    return found


def require(
    permission: Permission, object_type: str | None = None, object_param: str | None = None
) -> Callable[[Request], Viewer]:
    """Dependency factory: the page needs ``permission``; its view is audited as ``object_type``.

    ``object_param`` names the path parameter holding the id of the object viewed (e.g. person_id).
    """

    def dependency(request: Request) -> Viewer:
        found = signed_in(request)
        if found.must_change_password:
            raise PasswordChangeRequired()
        state = app_state(request)
        object_id = str(request.path_params[object_param]) if object_param else None
        granted = permissions_for(found.roles)
        if permission not in granted:
            audit.record(
                state.factory,
                username=found.username,
                action="access.denied",
                object_type=object_type,
                object_id=object_id,
                detail={"path": request.url.path, "permission": permission.value},
            )
            raise PermissionDenied()
        audit.record(
            state.factory,
            username=found.username,
            action="view",
            object_type=object_type,
            object_id=object_id,
            detail={"path": request.url.path},
        )
        return Viewer(session=found, permissions=granted)

    return dependency


def check_csrf(expected: str | None, submitted: str | None) -> None:
    if not csrf.tokens_match(expected, submitted):
        raise CsrfFailed()


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login, so the login page cannot be used to
    send someone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/alerts"
    return target


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")
