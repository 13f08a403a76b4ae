"""Every route, every role: each request is allowed or refused exactly as the permission table says.

Routes are found by walking the app, so a new route is covered the day it is added; one that declares
no permission fails here unless it is on the short public or signed-in-only lists below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from portal_client import Portal, TestClient

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.security.permissions import ROLE_PERMISSIONS, Permission, Role
from safeguarding.security.policy import SecurityPolicy
from safeguarding.web import create_app
from safeguarding.web.auth import Require

PUBLIC = {("GET", "/login"), ("POST", "/login")}
# Reachable by anyone signed in, whatever their roles: their own account, and the landing redirect.
SIGNED_IN_ONLY = {
    ("GET", "/"),
    ("POST", "/logout"),
    ("GET", "/change-password"),
    ("POST", "/change-password"),
    ("GET", "/login/second-factor"),
    ("POST", "/login/second-factor"),
    ("GET", "/account/second-factor"),
    ("POST", "/account/second-factor"),
}
PARAMS = {
    "person_id": "P-0001",
    "alert_id": "A-1",
    "username": "nobody",
    "share_id": "999",
    "ppn_ref": "PPN-1",
    "referral_ref": "R-1",
    "offender_ref": "RSO-1",
}


def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path (FastAPI 0.16x keeps included routers as wrappers)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from _api_routes(route.original_router.routes, prefix + route.include_context.prefix)


def route_table(app: Any) -> list[tuple[str, str, Permission | None]]:
    """(method, path, permission) for every route; None where the route declares no permission."""
    found = []
    for path, route in _api_routes(app.router.routes):
        needs = [d.call.permission for d in route.dependant.dependencies if isinstance(d.call, Require)]
        assert len(needs) <= 1, f"{path} declares several permissions"
        for method in route.methods:
            found.append((method, path, needs[0] if needs else None))
    return found


@pytest.fixture
def relaxed_portal(settings: Settings, csrf_from: Callable[[str], str]) -> Iterator[Portal]:
    # Administrators' second factor is tested on its own; here it would only hide the permission check.
    with TestClient(create_app(settings, SecurityPolicy(admin_totp_required=False))) as client:
        yield Portal(client=client, settings=settings, csrf_from=csrf_from)


def test_every_route_declares_a_permission_or_is_listed(relaxed_portal: Portal) -> None:
    undeclared = {(m, p) for m, p, perm in route_table(relaxed_portal.client.app) if perm is None}
    assert undeclared <= PUBLIC | SIGNED_IN_ONLY, f"routes with no permission: {undeclared - PUBLIC - SIGNED_IN_ONLY}"


@pytest.mark.usefixtures("published")
def test_every_route_for_every_role_matches_the_table(relaxed_portal: Portal, settings: Settings) -> None:
    portal = relaxed_portal
    factory = open_app_db(settings)
    one_time = {
        role: users.add_user(factory, f"u-{role.value.replace('_', '-')}", [role], agency="bcp-csc")[1] for role in Role
    }
    factory.kw["bind"].dispose()
    routes = [r for r in route_table(portal.client.app) if r[2] is not None]
    assert len(routes) >= 30
    checked = 0
    for role in Role:
        username = f"u-{role.value.replace('_', '-')}"
        portal.client.cookies.clear()
        portal.sign_in_ready(username, one_time[role])
        token = portal.csrf_from(portal.client.get("/change-password").text)
        granted = ROLE_PERMISSIONS[role]
        for method, path, permission in routes:
            url = path.format(**PARAMS)
            if method == "GET":
                response = portal.client.get(url, follow_redirects=False)
            else:
                response = portal.client.post(
                    url, data={"csrf_token": token, "to": username, "reason": ""}, follow_redirects=False
                )
            if permission in granted:
                assert response.status_code != 403, f"{role.value} refused {method} {path} ({permission})"
                assert response.status_code != 303 or "/login" not in response.headers["location"]
            else:
                assert response.status_code == 403, f"{role.value} allowed {method} {path} ({permission})"
            checked += 1
    assert checked == len(routes) * len(Role)


def test_anonymous_requests_never_reach_a_route(relaxed_portal: Portal) -> None:
    for method, path, _permission in route_table(relaxed_portal.client.app):
        if (method, path) in PUBLIC:
            continue
        url = path.format(**PARAMS)
        response = relaxed_portal.client.request(method, url, follow_redirects=False)
        if path.startswith("/api/"):
            assert response.status_code == 401, (method, path)
        elif method == "GET":
            assert response.status_code == 303 and "/login" in response.headers["location"], (method, path)
        else:
            assert response.status_code in (303, 403, 422), (method, path)
