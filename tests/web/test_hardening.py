"""Path ids that no database can hold, and the security headers on error responses (#26 item 9)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from portal_client import Portal, TestClient
from test_route_permissions import route_table

from safeguarding.config import Settings
from safeguarding.security.permissions import Role
from safeguarding.security.policy import SecurityPolicy
from safeguarding.web import create_app
from safeguarding.web.headers import CONTENT_SECURITY_POLICY

INT_IDS = {"audit_id", "panel_id", "rec_id", "action_id", "evidence_id", "plan_id", "share_id"}
HUGE = ("99999999999999999999999", str(2**63), "0", "-1")


@pytest.mark.usefixtures("published")
def test_ids_no_database_can_hold_are_not_found_on_every_route(portal: Portal, add_user: Callable[..., str]) -> None:
    everything = tuple(r.value for r in Role if r not in (Role.PARTNER, Role.ADMINISTRATOR))
    portal.sign_in_ready("una", add_user("una", everything, "Una"))
    token = portal.csrf_from(portal.client.get("/change-password").text)
    tried = 0
    for method, path, _permission in route_table(portal.client.app):
        names = set(re.findall(r"{(\w+)}", path))
        if not names & INT_IDS:
            continue
        for value in HUGE:
            url = path
            for name in names:
                url = url.replace("{" + name + "}", value if name in INT_IDS else "P-0001")
            response = portal.client.request(method, url, data={"csrf_token": token}, follow_redirects=False)
            assert response.status_code == 404, (method, url, response.status_code)
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            tried += 1
    assert tried >= 19 * len(HUGE)


def test_a_server_error_carries_the_security_headers(settings: Settings) -> None:
    app = create_app(settings, SecurityPolicy(admin_totp_required=False))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "a bug" not in response.text and "Traceback" not in response.text
