"""The intelligence pages against a fixture snapshot, with audit of every view."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from portal_client import Portal, TestClient
from sqlalchemy import select

from safeguarding.config import Settings
from safeguarding.db import make_engine
from safeguarding.security.models import AuditEntry
from safeguarding.snapshot import store
from safeguarding.web import create_app
from safeguarding.web.app import london_time
from safeguarding.web.headers import CONTENT_SECURITY_POLICY


def audit_rows(portal: Portal, action: str | None = None) -> list[tuple[str | None, str, str | None, str | None, dict]]:
    engine = make_engine(portal.settings.app_database_url)
    query = select(
        AuditEntry.username, AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail
    ).order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    with engine.connect() as con:
        rows = con.execute(query).all()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3], json.loads(r[4])) for r in rows]


@pytest.fixture
def analyst(portal: Portal, add_user: Callable[..., str]) -> Portal:
    portal.sign_in_ready("alice", add_user())
    return portal


def open_person(portal: Portal, person_id: str, reason: str = "Call from school about this child") -> str:
    """Open a child's profile, giving a reason when asked; returns the profile HTML."""
    page = portal.client.get(f"/people/{person_id}")
    if "Why do you need this record?" in page.text:
        page = portal.client.post(
            f"/people/{person_id}/reason", data={"reason": reason, "csrf_token": portal.csrf_from(page.text)}
        )
    assert page.status_code == 200, page.text[:500]
    return page.text


def test_no_snapshot_yet_gives_a_friendly_page(analyst: Portal) -> None:
    response = analyst.client.get("/alerts")
    assert response.status_code == 503
    assert "No intelligence has been published yet" in response.text


@pytest.mark.usefixtures("published")
def test_home_shows_counts_charts_and_an_empty_queue(analyst: Portal) -> None:
    response = analyst.client.get("/")
    assert response.status_code == 200 and str(response.url).endswith("/home")
    html = response.text
    assert "My queue" in html and "Nothing is assigned to you" in html
    assert "Alerts raised per week, by category" in html and "<svg" in html and "<rect" in html
    assert "Missing episodes reported per week" in html
    assert "SYNTHETIC DATA — demonstration only" in html


@pytest.mark.usefixtures("published")
def test_alerts_list_shows_the_alert_with_its_child(analyst: Portal) -> None:
    html = analyst.client.get("/alerts").text
    assert "Jayden Smith" in html and 'href="/people/P-0001"' in html
    assert "Repeat missing episodes" in html
    # 20:15 UTC on 12 July is 21:15 in London (BST).
    assert "12 Jul 2025 21:15" in html


@pytest.mark.usefixtures("published")
def test_alerts_filter_and_sort(analyst: Portal) -> None:
    missing = analyst.client.get("/alerts?category=missing").text
    assert "Jayden Smith" in missing and "Aisha Khan" not in missing
    assert "No alerts match" in analyst.client.get("/alerts?category=online").text
    by_person = analyst.client.get("/alerts?sort=person").text
    assert by_person.index("Aisha Khan") < by_person.index("Jayden Smith")
    newest = analyst.client.get("/alerts?sort=newest").text
    assert newest.index("Jayden Smith") < newest.index("Aisha Khan")
    assert "No alerts match" in analyst.client.get("/alerts?assigned=me").text


@pytest.mark.usefixtures("published")
def test_child_page_asks_a_reason_then_shows_everything(analyst: Portal) -> None:
    ask = analyst.client.get("/people/P-0001")
    assert ask.status_code == 200 and "Why do you need this record?" in ask.text
    assert "Jayden" not in ask.text  # nothing about the child before the reason
    short = analyst.client.post(
        "/people/P-0001/reason", data={"reason": "x", "csrf_token": analyst.csrf_from(ask.text)}
    )
    assert short.status_code == 400
    html = open_person(analyst, "P-0001")
    assert "Jaden" in html and "Smyth" in html
    assert "MISS-101" in html and "MISS-102" in html and "Not yet found" in html
    assert "01 Jun 2025 22:30" in html  # BST
    assert "Evidence (2 records)" in html
    assert "Found far from home" in html and "Found 12 km from home" in html
    assert "Timeline" in html and "Reported missing (medium)" in html
    assert "No links to other people in this snapshot" in html
    assert "No match weights were recorded" in html and "No places linked to this person" in html
    assert "Aisha" not in html
    # The reason stays good: the next look does not ask again, and both are audited with it.
    assert "Why do you need" not in analyst.client.get("/people/P-0001").text
    reasons = audit_rows(analyst, "access.reason")
    assert reasons[-1][3] == "P-0001" and reasons[-1][4]["reason"] == "Call from school about this child"
    views = [r for r in audit_rows(analyst, "view") if r[2] == "person"]
    assert views[-1][4]["basis"] == "Call from school about this child"


@pytest.mark.usefixtures("published")
def test_unknown_person_is_404(analyst: Portal) -> None:
    response = analyst.client.get("/people/P-9999")
    assert response.status_code == 404 and "Page not found" in response.text


@pytest.mark.usefixtures("published")
def test_searches_are_audited_with_their_terms(analyst: Portal) -> None:
    html = analyst.client.get("/search", params={"name": "jaden smyth"}).text
    assert 'href="/people/P-0001"' in html and "Aisha" not in html
    by_dob = analyst.client.get("/search", params={"dob": "2009-11-02"}).text
    assert "Aisha Khan" in by_dob and "Jayden" not in by_dob
    by_postcode = analyst.client.get("/search", params={"postcode": "bh1"}).text
    assert "Jayden Smith" in by_postcode and "Aisha" not in by_postcode
    assert analyst.client.get("/search", params={"dob": "14/03/2010"}).status_code == 400
    # Phone: any formatting, +44 read as 0, the last six digits enough; the matched number is shown.
    by_phone = analyst.client.get("/search", params={"phone": "+44 7700 900123"}).text
    assert "Jayden Smith" in by_phone and "Aisha" not in by_phone and "phone 07700900123" in by_phone
    assert "Jayden Smith" in analyst.client.get("/search", params={"phone": "900 123"}).text
    assert analyst.client.get("/search", params={"phone": "123"}).status_code == 400
    # Vehicle: spaces and case ignored, part of a registration enough; the records it is on are counted.
    by_vehicle = analyst.client.get("/search", params={"vehicle": "ab12 cde"}).text
    assert "Aisha Khan" in by_vehicle and "Jayden" not in by_vehicle and "vehicle AB12CDE (2 records)" in by_vehicle
    assert "Aisha Khan" in analyst.client.get("/search", params={"vehicle": "12cd"}).text
    assert "No one matches" in analyst.client.get("/search", params={"vehicle": "ZZ99ZZZ"}).text
    # Terms combine: this phone is not Aisha's.
    assert "No one matches" in analyst.client.get("/search", params={"vehicle": "AB12CDE", "phone": "900123"}).text
    searches = audit_rows(analyst, "search")
    assert searches[0][4] == {"terms": {"name": "jaden smyth"}, "hits": 1}
    assert searches[1][4]["terms"] == {"date_of_birth": "2009-11-02"}
    assert {"terms": {"phone": "+44 7700 900123"}, "hits": 1} in [s[4] for s in searches]


def test_a_snapshot_without_vehicles_says_so(analyst: Portal, make_snapshot: Callable[[Path], None]) -> None:
    make_snapshot(analyst.settings.snapshot_dir)
    path = store.current(analyst.settings.snapshot_dir).path
    with duckdb.connect(str(path)) as con:  # an older snapshot, made before these tables existed
        con.execute("DROP TABLE person_vehicles")
    # ... and before snapshots had checksums.
    store.checksum_file(path).unlink()
    store.publish(analyst.settings.snapshot_dir, path)
    vehicle = analyst.client.get("/search", params={"vehicle": "AB12CDE"}).text
    assert "holds no vehicle registrations" in vehicle


@pytest.mark.usefixtures("published")
def test_role_without_permission_is_refused_and_audited(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("gill", add_user("gill", ("gold_group",), "Gill Gold"))
    response = portal.client.get("/people/P-0001")
    assert response.status_code == 403 and "Jayden" not in response.text
    assert portal.client.get("/audit").status_code == 403
    home = portal.client.get("/home").text
    assert "My queue" not in home and "Jayden" not in home and "Alerts raised per week" in home
    denied = audit_rows(portal, "access.denied")
    assert [(r[0], r[2], r[3]) for r in denied] == [("gill", "person", "P-0001"), ("gill", "audit_log", None)]


def test_auditor_searches_the_audit_log(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("audrey", add_user("audrey", ("auditor",), "Audrey"))
    html = portal.client.get("/audit").text
    assert "password.change" in html and "user.add" in html
    only_changes = portal.client.get("/audit", params={"action": "password."}).text
    assert "password.change" in only_changes and "user.add" not in only_changes
    assert "No entries match" in portal.client.get("/audit", params={"username": "nobody"}).text


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
    for licence in ("htmx/LICENSE", "leaflet/LICENSE", "cytoscape/LICENSE", "axe-core/LICENSE"):
        assert portal.client.get(f"/static/vendor/{licence}").status_code == 200


def test_banner_can_be_turned_off(settings: Settings) -> None:
    quiet = replace(settings, synthetic_banner=False)
    with TestClient(create_app(quiet)) as client:
        assert "SYNTHETIC DATA" not in client.get("/login").text


def test_london_time_handles_both_gmt_and_bst() -> None:
    assert london_time(datetime(2025, 1, 15, 12, 0, tzinfo=UTC)) == "15 Jan 2025 12:00"
    assert london_time(datetime(2025, 7, 15, 12, 0, tzinfo=UTC)) == "15 Jul 2025 13:00"
    assert london_time("2025-07-15T12:00:00+00:00") == "15 Jul 2025 13:00"
    assert london_time(None) == ""
