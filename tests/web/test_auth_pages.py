"""Signing in, the forced password change, signing out, lockout and CSRF, through the real app."""

from __future__ import annotations

import re
from collections.abc import Callable

from portal_client import STRONG, Portal
from sqlalchemy import select

from safeguarding.config import Settings
from safeguarding.db import make_engine
from safeguarding.security import sessions
from safeguarding.security.models import AuditEntry


def _actions(portal: Portal) -> list[tuple[str | None, str, str | None]]:
    engine = make_engine(portal.settings.app_database_url)
    with engine.connect() as con:
        rows = con.execute(
            select(AuditEntry.username, AuditEntry.action, AuditEntry.object_id).order_by(AuditEntry.id)
        ).all()
    engine.dispose()
    return [(r[0], r[1], r[2]) for r in rows]


def test_unauthenticated_pages_redirect_to_login(portal: Portal) -> None:
    for path in ("/alerts", "/people/P-0001", "/audit", "/change-password"):
        response = portal.client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_login_page_sets_a_strict_httponly_csrf_cookie_and_shows_the_banner(portal: Portal) -> None:
    page = portal.client.get("/login")
    assert page.status_code == 200
    assert "SYNTHETIC DATA — demonstration only" in page.text
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_one_time_password_forces_a_change_first(portal: Portal, add_user: Callable[..., str]) -> None:
    one_time = add_user()
    response = portal.login("alice", one_time)
    assert response.status_code == 303 and response.headers["location"] == "/change-password"
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(sessions.COOKIE_NAME) and "httponly" in cookie and "samesite=strict" in cookie
    # Every page leads back to the change-password form until the password is changed.
    assert portal.client.get("/alerts", follow_redirects=False).headers["location"] == "/change-password"
    refused = portal.change_password(one_time, "short")
    assert refused.status_code == 400 and "at least 12" in refused.text
    assert portal.change_password(one_time, STRONG).headers["location"] == "/"
    assert portal.client.get("/alerts", follow_redirects=False).status_code in (200, 503)


def test_wrong_password_and_lockout(portal: Portal, add_user: Callable[..., str]) -> None:
    one_time = add_user()
    for _ in range(4):
        response = portal.login("alice", "wrong password")
        assert response.status_code == 401 and "not right" in response.text
    locked = portal.login("alice", "wrong password")
    assert "locked for 15 minutes" in locked.text
    assert "locked" in portal.login("alice", one_time).text
    assert [a for a in _actions(portal) if a[1].startswith("login")][-1] == ("alice", "login.failed", None)
    # Locked, wrong and unknown read the same (#26 item 5): the words do not say which usernames exist.
    unknown = portal.login("nobody-at-all", "wrong password")
    message = re.compile(r'role="alert"[^>]*>(.*?)</', re.S)
    assert message.findall(locked.text) == message.findall(unknown.text) != []


def test_login_without_the_csrf_token_is_refused(portal: Portal, add_user: Callable[..., str]) -> None:
    one_time = add_user()
    portal.client.get("/login")
    response = portal.client.post("/login", data={"username": "alice", "password": one_time, "csrf_token": "x"})
    assert response.status_code == 403
    assert sessions.COOKIE_NAME not in portal.client.cookies


def test_post_without_the_session_csrf_token_is_refused(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("alice", add_user())
    response = portal.client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 403
    assert portal.client.get("/alerts", follow_redirects=False).status_code != 303


def test_logout_ends_the_session(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("alice", add_user())
    token = portal.client.cookies[sessions.COOKIE_NAME]
    page = portal.client.get("/change-password")
    response = portal.client.post("/logout", data={"csrf_token": portal.csrf_from(page.text)}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    # The old cookie is useless even if replayed.
    portal.client.cookies.set(sessions.COOKIE_NAME, token)
    assert portal.client.get("/alerts", follow_redirects=False).status_code == 303
    assert ("alice", "logout", None) in _actions(portal)


def test_next_only_follows_local_paths(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("alice", add_user())
    page = portal.client.get("/change-password")
    portal.client.post("/logout", data={"csrf_token": portal.csrf_from(page.text)})
    response = portal.login("alice", STRONG, next_path="//evil.example/")
    assert response.headers["location"] == "/"


def test_the_user_is_told_at_next_sign_in_that_an_administrator_reset_their_password(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    """#26 "Also": a reset is how an account is taken over, so its owner hears of it."""
    from safeguarding.security import users
    from safeguarding.security.cli import open_app_db

    portal.sign_in_ready("alice", add_user())
    assert "reset your" not in portal.client.get("/change-password").text
    factory = open_app_db(settings)
    one_time = users.reset_password(factory, "alice", actor="ada")
    factory.kw["bind"].dispose()
    portal.client.cookies.clear()
    portal.login("alice", one_time)
    page = portal.client.get("/change-password").text
    assert "ada reset your password on" in page
    assert portal.change_password(one_time, "another long passphrase for her").status_code == 303
    assert "reset your" not in portal.client.get("/change-password").text  # told once it is replaced
