"""The audit log page shows search terms to auditors only (#26, "Also")."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from portal_client import Portal, TestClient

from safeguarding.config import Settings
from safeguarding.security.policy import SecurityPolicy
from safeguarding.web import create_app
from safeguarding.web.routes_admin import SEARCH_WITHHELD


@pytest.fixture
def relaxed(settings: Settings, csrf_from: Callable[[str], str]) -> Iterator[Portal]:
    with TestClient(create_app(settings, SecurityPolicy(admin_totp_required=False))) as client:
        yield Portal(client=client, settings=settings, csrf_from=csrf_from)


@pytest.mark.usefixtures("published")
def test_search_terms_are_shown_to_auditors_not_administrators(relaxed: Portal, add_user: Callable[..., str]) -> None:
    relaxed.sign_in_ready("alice", add_user("alice", ("analyst",), "Alice"))
    assert relaxed.client.get("/search?name=Jayden").status_code == 200
    relaxed.client.cookies.clear()
    relaxed.sign_in_ready("ada", add_user("ada", ("administrator",), "Ada"))
    page = relaxed.client.get("/audit?action=search").text
    assert "Jayden" not in page and SEARCH_WITHHELD in page
    # Nor can the text filter find an entry by its terms.
    assert SEARCH_WITHHELD not in relaxed.client.get("/audit?action=search&text=Jayden").text
    relaxed.client.cookies.clear()
    relaxed.sign_in_ready("aud", add_user("aud", ("auditor",), "Aud"))
    assert "Jayden" in relaxed.client.get("/audit?action=search&text=Jayden").text
