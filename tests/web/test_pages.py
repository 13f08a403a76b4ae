"""The intelligence pages against a fixture snapshot, with audit of every view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from portal_client import Portal, TestClient
from sqlalchemy import select

from safeguarding.config import Settings
from safeguarding.db import make_engine
from safeguarding.security.models import AuditEntry
from safeguarding.web import create_app
from safeguarding.web.app import london_time
from safeguarding.web.headers import CONTENT_SECURITY_POLICY


def _views(portal: Portal) -> list[tuple[str | None, str | None, str | None, str]]:
    engine = make_engine(portal.settings.app_database_url)
    with engine.connect() as con:
        rows = con.execute(
            select(AuditEntry.username, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail)
            .where(AuditEntry.action == "view")
            .order_by(AuditEntry.id)
        ).all()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


@pytest.fixture
def analyst(portal: Portal, add_user: Callable[..., str]) -> Portal:
    portal.sign_in_ready("alice", add_user())
    return portal


def test_no_snapshot_yet_gives_a_friendly_page(analyst: Portal) -> None:
    response = analyst.client.get("/alerts")
    assert response.status_code == 503
    assert "No intelligence has been published yet" in response.text


@pytest.mark.usefixtures("published")
def test_alerts_list_shows_the_alert_with_its_child(analyst: Portal) -> None:
    response = analyst.client.get("/")
    assert response.status_code == 200 and str(response.url).endswith("/alerts")
    html = response.text
    assert "Jayden Smith" in html and 'href="/people/P-0001"' in html
    assert "Repeat missing episodes" in html
    # 20:15 UTC on 12 July is 21:15 in London (BST).
    assert "12 Jul 2025 21:15" in html
    assert "SYNTHETIC DATA — demonstration only" in html


@pytest.mark.usefixtures("published")
def test_alerts_filter_by_category(analyst: Portal) -> None:
    assert "Jayden Smith" in analyst.client.get("/alerts?category=missing").text
    assert "No alerts in this category" in analyst.client.get("/alerts?category=online").text


@pytest.mark.usefixtures("published")
def test_child_page_shows_spellings_episodes_and_evidence(analyst: Portal) -> None:
    html = analyst.client.get("/people/P-0001").text
    assert "Jaden" in html and "Smyth" in html
    assert "MISS-101" in html and "MISS-102" in html and "Not yet found" in html
    assert "01 Jun 2025 22:30" in html  # BST
    assert "Evidence (2 records)" in html
    assert "Aisha" not in html


@pytest.mark.usefixtures("published")
def test_unknown_person_is_404(analyst: Portal) -> None:
    response = analyst.client.get("/people/P-9999")
    assert response.status_code == 404 and "Page not found" in response.text


@pytest.mark.usefixtures("published")
def test_every_view_is_audited_with_who_and_what(analyst: Portal) -> None:
    analyst.client.get("/alerts")
    analyst.client.get("/people/P-0001")
    analyst.client.get("/people/P-9999")
    views = _views(analyst)
    assert views[-3][:3] == ("alice", "alerts", None) and '"path":"/alerts"' in views[-3][3]
    assert views[-2][:3] == ("alice", "person", "P-0001")
    assert views[-1][:3] == ("alice", "person", "P-9999")


@pytest.mark.usefixtures("published")
def test_role_without_permission_is_refused_and_audited(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("pat", add_user("pat", ("partner",), "Pat Partner"))
    response = portal.client.get("/people/P-0001")
    assert response.status_code == 403 and "Jayden" not in response.text
    assert portal.client.get("/audit").status_code == 403
    assert _views(portal)[-1][:2] == ("pat", None)  # the change-password page, not the refused ones


def test_auditor_sees_the_audit_log(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("audrey", add_user("audrey", ("auditor",), "Audrey"))
    html = portal.client.get("/audit").text
    assert "password.change" in html and "user.add" in html


def test_security_headers_on_pages_and_static(portal: Portal) -> None:
    page = portal.client.get("/login")
    assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "style=" not in page.text
    static = portal.client.get("/static/vendor/htmx/htmx-2.0.11.min.js")
    assert static.status_code == 200 and static.headers["cache-control"].startswith("public")
    assert portal.client.get("/static/vendor/htmx/LICENSE").status_code == 200


def test_banner_can_be_turned_off(settings: Settings) -> None:
    quiet = replace(settings, synthetic_banner=False)
    with TestClient(create_app(quiet)) as client:
        assert "SYNTHETIC DATA" not in client.get("/login").text


def test_london_time_handles_both_gmt_and_bst() -> None:
    assert london_time(datetime(2025, 1, 15, 12, 0, tzinfo=UTC)) == "15 Jan 2025 12:00"
    assert london_time(datetime(2025, 7, 15, 12, 0, tzinfo=UTC)) == "15 Jul 2025 13:00"
    assert london_time("2025-07-15T12:00:00+00:00") == "15 Jul 2025 13:00"
    assert london_time(None) == ""
