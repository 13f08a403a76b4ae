"""Sign in (password, then the TOTP code when the user has one), second-factor enrolment, change
password, sign out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import audit, csrf, passwords, sessions, totp, users
from safeguarding.security.users import LoginOutcome
from safeguarding.web.auth import LoginRequired, check_csrf, current_session, safe_next, signed_in
from safeguarding.web.state import app_state

router = APIRouter(include_in_schema=False)

# A locked account gets the same words as a wrong password or an unknown username (and the same
# hashing time, security/users.py), so neither reveals which usernames exist (#26 item 5).
_NOT_RIGHT = (
    "The username or password is not right. After 5 failed attempts in a row an account is locked for "
    f"{int(users.LOCKOUT.total_seconds() // 60)} minutes; ask an administrator if you need in sooner."
)
_LOGIN_MESSAGES = {
    LoginOutcome.BAD_CREDENTIALS: _NOT_RIGHT,
    LoginOutcome.LOCKED: _NOT_RIGHT,
    LoginOutcome.DISABLED: "This account is disabled. Ask an administrator.",
}


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=app_state(request).settings.secure_cookies,
    )


def _login_form(request: Request, next_path: str, error: str | None = None, status_code: int = 200) -> Response:
    token = csrf.new_token()
    response = app_state(request).templates.TemplateResponse(
        request,
        "login.html",
        {"csrf_token": token, "next": safe_next(next_path), "error": error, "viewer": None},
        status_code=status_code,
    )
    _set_cookie(request, response, csrf.LOGIN_COOKIE_NAME, token, max_age=3600)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if current_session(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_form(request, next)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request.cookies.get(csrf.LOGIN_COOKIE_NAME), csrf_token)
    state = app_state(request)
    outcome, user = users.authenticate(state.factory, username.strip().lower(), password)
    if outcome is not LoginOutcome.OK or user is None:
        return _login_form(request, next, _LOGIN_MESSAGES[outcome], status_code=401)
    # Any session the browser held before is ended: a fresh token on every sign-in defeats fixation.
    previous = current_session(request)
    if previous is not None:
        sessions.end(state.factory, previous.token_hash)
    pending = user.totp_enabled
    token = sessions.create(state.factory, user.id, state.session_lifetime, second_factor_pending=pending)
    if pending:
        target = "/login/second-factor?next=" + quote(safe_next(next), safe="/")
    else:
        target = "/change-password" if user.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(request, response, sessions.COOKIE_NAME, token, max_age=None)
    response.delete_cookie(csrf.LOGIN_COOKIE_NAME, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request,
    login_session: Annotated[sessions.SessionInfo, Depends(signed_in)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(login_session.csrf_token, csrf_token)
    state = app_state(request)
    sessions.end(state.factory, login_session.token_hash)
    audit.record(state.factory, username=login_session.username, action="logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(sessions.COOKIE_NAME, path="/")
    return response


def _change_form(
    request: Request, login_session: sessions.SessionInfo, error: str | None = None, status_code: int = 200
) -> Response:
    return app_state(request).templates.TemplateResponse(
        request,
        "change_password.html",
        {
            "login_session": login_session,
            "csrf_token": login_session.csrf_token,
            "error": error,
            "min_length": passwords.MIN_LENGTH,
            "changes": users.changes_by_others(app_state(request).factory, login_session.username),
            "viewer": None,
        },
        status_code=status_code,
    )


@router.get("/change-password")
def change_password_page(
    request: Request, login_session: Annotated[sessions.SessionInfo, Depends(signed_in)]
) -> Response:
    audit.record(
        app_state(request).factory,
        username=login_session.username,
        action="view",
        detail={"path": request.url.path},
    )
    return _change_form(request, login_session)


@router.post("/change-password")
def change_password(
    request: Request,
    login_session: Annotated[sessions.SessionInfo, Depends(signed_in)],
    current_password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
    new_password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
    confirm_password: Annotated[str, Form(max_length=passwords.MAX_LENGTH)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(login_session.csrf_token, csrf_token)
    state = app_state(request)
    try:
        users.change_password(state.factory, login_session.username, current_password, new_password, confirm_password)
    except (passwords.PasswordPolicyError, users.UserError) as exc:
        return _change_form(request, login_session, str(exc), status_code=400)
    # Other browsers signed in with the old password lose their sessions.
    sessions.end_all_for_user(state.factory, login_session.user_id, keep=login_session.token_hash)
    return RedirectResponse("/", status_code=303)


def _pending(request: Request) -> sessions.SessionInfo:
    found = current_session(request)
    if found is None:
        raise LoginRequired("/")
    return found


@router.get("/login/second-factor")
def second_factor_page(request: Request, next: str = "/") -> Response:
    found = _pending(request)
    if not found.second_factor_pending:
        return RedirectResponse(safe_next(next), status_code=303)
    return app_state(request).templates.TemplateResponse(
        request,
        "second_factor.html",
        {"csrf_token": found.csrf_token, "next": safe_next(next), "error": None, "viewer": None},
    )


@router.post("/login/second-factor")
def second_factor(
    request: Request,
    code: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    found = _pending(request)
    check_csrf(found.csrf_token, csrf_token)
    state = app_state(request)
    if not found.second_factor_pending:
        return RedirectResponse(safe_next(next), status_code=303)
    if not totp.check(state.factory, found.username, code):
        return state.templates.TemplateResponse(
            request,
            "second_factor.html",
            {"csrf_token": found.csrf_token, "next": safe_next(next), "viewer": None,
             "error": "That code is not right, or it has been used already. Codes change every 30 seconds: enter "
                      "the next one. After five wrong codes or passwords the account is locked for 15 minutes."},
            status_code=401,
        )  # fmt: skip
    # A new token for the fully signed-in session: the half-signed-in one is never promoted in place.
    sessions.end(state.factory, found.token_hash)
    token = sessions.create(state.factory, found.user_id, state.session_lifetime)
    target = "/change-password" if found.must_change_password else safe_next(next)
    response = RedirectResponse(target, status_code=303)
    _set_cookie(request, response, sessions.COOKIE_NAME, token, max_age=None)
    return response


def _enrol_form(
    request: Request, found: sessions.SessionInfo, secret: str, error: str | None = None, status_code: int = 200
) -> Response:
    return app_state(request).templates.TemplateResponse(
        request,
        "enrol_second_factor.html",
        {
            "login_session": found,
            "csrf_token": found.csrf_token,
            "secret": secret,
            "uri": totp.provisioning_uri(secret, found.username),
            "error": error,
            "viewer": None,
        },
        status_code=status_code,
    )


@router.get("/account/second-factor")
def enrol_page(request: Request, login_session: Annotated[sessions.SessionInfo, Depends(signed_in)]) -> Response:
    if login_session.totp_enabled:
        return RedirectResponse("/", status_code=303)
    return _enrol_form(request, login_session, totp.issue(app_state(request).factory, login_session.username))


@router.post("/account/second-factor")
def enrol(
    request: Request,
    login_session: Annotated[sessions.SessionInfo, Depends(signed_in)],
    code: Annotated[str, Form(max_length=12)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Switch the second factor on with the secret the server issued (a posted ``secret`` is ignored)."""
    check_csrf(login_session.csrf_token, csrf_token)
    if login_session.totp_enabled:
        return RedirectResponse("/", status_code=303)
    factory = app_state(request).factory
    if not totp.enable(factory, login_session.username, code):
        secret = totp.issue(factory, login_session.username)
        return _enrol_form(request, login_session, secret, "That code is not right: try the current one.", 400)
    return RedirectResponse("/", status_code=303)
