"""Who is asking, and may they: the per-request session lookup, ``require(permission)`` and CSRF checks.

Every page route depends on ``require``. It sends the anonymous to the login page, a half-signed-in
user to the second-factor page, a user holding a one-time password to the change-password page, an
administrator without a second factor (when one is required) to enrolment, refuses (403) anyone whose
roles lack the permission, and otherwise writes the page view to the audit log before the page is
built. The JSON API uses ``require_api``: a bearer token or a session, the same permission table.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request

from safeguarding.security import audit, csrf, sessions, tokens
from safeguarding.security.permissions import Permission, Role, permissions_for
from safeguarding.web.state import app_state


class LoginRequired(Exception):
    """No live session: the app answers with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class SecondFactorRequired(Exception):
    """The password was right; the TOTP code is still to come."""


class SecondFactorEnrolmentRequired(Exception):
    """An administrator must set up a second factor before using the portal."""


class PasswordChangeRequired(Exception):
    """The user signed in with a one-time password and must replace it first."""


class PermissionDenied(Exception):
    """The user's roles do not grant what the page needs (or the record is not theirs to see)."""


class ApiAuthFailed(Exception):
    """A JSON API request with no valid token or session (401) or without the permission (403)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message


class CsrfFailed(Exception):
    """A POST without the right CSRF token."""


@dataclass(frozen=True)
class Viewer:
    """The signed-in user (or API token) on a permitted page."""

    username: str
    display_name: str
    roles: frozenset[str]
    permissions: frozenset[Permission]
    agency: str | None = None
    csrf_token: str | None = None
    token_name: str | None = None

    def can(self, permission: Permission | str) -> bool:
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
    """Dependency for pages any fully signed-in user may reach (change password, sign out)."""
    found = current_session(request)
    if found is None:
        raise LoginRequired(_path_with_query(request))
    if found.second_factor_pending:
        raise SecondFactorRequired()
    return found


def _needs_enrolment(request: Request, found: sessions.SessionInfo) -> bool:
    policy = app_state(request).policy
    return policy.admin_totp_required and Role.ADMINISTRATOR.value in found.roles and not found.totp_enabled


class Require:
    """Dependency: the route needs ``permission``; a GET is audited as a view of ``object_type``.

    ``object_param`` names the path parameter holding the id of the object viewed (e.g. person_id).
    ``audit_view=False`` leaves the audit entry to the route (which adds the reason it collects).
    """

    def __init__(
        self,
        permission: Permission,
        object_type: str | None = None,
        object_param: str | None = None,
        *,
        audit_view: bool = True,
    ) -> None:
        self.permission = permission
        self.object_type = object_type
        self.object_param = object_param
        self.audit_view = audit_view

    def __call__(self, request: Request) -> Viewer:
        found = signed_in(request)
        if found.must_change_password:
            raise PasswordChangeRequired()
        if _needs_enrolment(request, found):
            raise SecondFactorEnrolmentRequired()
        state = app_state(request)
        object_id = str(request.path_params[self.object_param]) if self.object_param else None
        granted = permissions_for(found.roles)
        if self.permission not in granted:
            audit.record(
                state.factory, username=found.username, action="access.denied", object_type=self.object_type,
                object_id=object_id, detail={"path": request.url.path, "permission": self.permission.value},
            )  # fmt: skip
            raise PermissionDenied()
        if self.audit_view and request.method == "GET":
            audit.record(
                state.factory, username=found.username, action="view", object_type=self.object_type,
                object_id=object_id, detail={"path": request.url.path},
            )  # fmt: skip
        return Viewer(
            username=found.username,
            display_name=found.display_name,
            roles=found.roles,
            permissions=granted,
            agency=found.agency,
            csrf_token=found.csrf_token,
        )


def require(
    permission: Permission, object_type: str | None = None, object_param: str | None = None, *, audit_view: bool = True
) -> Require:
    return Require(permission, object_type, object_param, audit_view=audit_view)


class RequireApi(Require):
    """Like ``Require`` for the JSON API: a bearer token (``Authorization: Bearer sgt_...``) or a
    session; failures are JSON 401/403, not redirects."""

    def __call__(self, request: Request) -> Viewer:
        state = app_state(request)
        header = request.headers.get("authorization", "")
        object_id = str(request.path_params[self.object_param]) if self.object_param else None
        if header.lower().startswith("bearer "):
            user = tokens.resolve(state.factory, header[7:].strip())
            if user is None:
                raise ApiAuthFailed(401, "invalid or revoked token")
            username, name, roles, agency, token_name = (
                user.username,
                user.username,
                user.roles,
                user.agency,
                user.token_name,
            )
        else:
            found = current_session(request)
            if found is None or found.second_factor_pending or found.must_change_password:
                raise ApiAuthFailed(401, "sign in or send a bearer token")
            if _needs_enrolment(request, found):
                raise ApiAuthFailed(401, "set up a second factor first")
            username, name, roles, agency, token_name = (
                found.username, found.display_name, found.roles, found.agency, None,
            )  # fmt: skip
        granted = permissions_for(roles)
        via = {"path": request.url.path, "via": f"token {token_name}" if token_name else "session"}
        if self.permission not in granted:
            audit.record(
                state.factory, username=username, action="access.denied", object_type=self.object_type,
                object_id=object_id, detail={**via, "permission": self.permission.value},
            )  # fmt: skip
            raise ApiAuthFailed(403, f"your roles do not grant {self.permission.value}")
        if self.audit_view:
            audit.record(
                state.factory, username=username, action="view", object_type=self.object_type,
                object_id=object_id, detail=via,
            )  # fmt: skip
        return Viewer(username, name, roles, granted, agency, None, token_name)


def require_api(
    permission: Permission, object_type: str | None = None, object_param: str | None = None, *, audit_view: bool = True
) -> RequireApi:
    return RequireApi(permission, object_type, object_param, audit_view=audit_view)


def check_csrf(expected: str | None, submitted: str | None) -> None:
    if not csrf.tokens_match(expected, submitted):
        raise CsrfFailed()


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login, so the login page cannot be used to
    send someone to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")
