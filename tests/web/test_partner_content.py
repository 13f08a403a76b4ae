"""Route x role x content: no partner page, export or API answer carries a score, threshold, indicator
or alert text, or anything from intelligence (#26 item 1).

Every GET route a partner's permissions reach is found by walking the app, filled in with ids of things
that really were shared with the partner (a case, a PPN, a scrutiny panel holding a missing episode and
an exploitation alert), and its body checked for the police assessment's words from the fixture snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from portal_client import Portal
from test_route_permissions import route_table

from governance_snapshot import publish_governance_snapshot
from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.security.permissions import ROLE_PERMISSIONS, Role
from safeguarding.workflow import sharing

# The police assessment in the fixture snapshot: alert titles and summaries, indicator titles and
# explanations, the intelligence log behind an alert, and the words scores and thresholds are shown with.
FORBIDDEN = (
    "Repeat missing episodes",
    "Two missing episodes in six weeks",
    "Older associate",
    "Seen twice with an adult linked to exploitation",
    "Repeat missing",
    "Found far from home",
    "2 episodes in 90 days",
    "Found 12 km from home",
    "INT-9",
    "intelligence",
    "score",
    "threshold",
    "weight",
    "indicator",
)


@pytest.fixture
def gov_snapshot(settings: Settings, make_snapshot: Callable[[Path], None]) -> None:
    publish_governance_snapshot(settings.snapshot_dir, make_snapshot)


def _offending(text: str) -> list[str]:
    # A page's own content is its <main>; the frame around it (the footer's "scores are advice", htmx's
    # settings) is the same on every page and carries no data.
    found = re.search(r"<main[^>]*>(.*)</main>", text, re.S)
    lowered = (found.group(1) if found else text).lower()
    return [word for word in FORBIDDEN if word.lower() in lowered]


@pytest.mark.usefixtures("gov_snapshot")
def test_no_partner_response_carries_scores_indicators_or_intelligence(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    factory = open_app_db(settings)
    try:
        _i, pat_pw = users.add_user(factory, "pat", ["partner"], "Pat Partner", agency="bcp-csc")
        sharing.share(factory, person_id="P-0001", agency="bcp-csc", reason="Referral to MASH", actor="olivia")
        sharing.share(
            factory, person_id="P-0002", agency="bcp-csc", reason="Strategy meeting", actor="olivia",
            record_type="ppns", record_ref="PPN-7",
        )  # fmt: skip
    finally:
        factory.kw["bind"].dispose()
    # A supervisor's panel with a missing episode and an exploitation alert, the partner invited.
    portal.sign_in_ready("sam", add_user("sam", ("supervisor",), "Sam"))
    token = portal.csrf_from(portal.client.get("/panels").text)
    made = portal.client.post(
        "/panels", data={"title": "Panel", "meeting_on": datetime.now(UTC).date().isoformat(), "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    panel_id = made.headers["location"].rsplit("/", 1)[1]
    for case in ("missing:MISS-120", "exploitation:A-2"):
        assert portal.client.post(f"/panels/{panel_id}/cases", data={"case": case, "csrf_token": token}).is_success
    portal.client.post(f"/panels/{panel_id}/members", data={"username": "pat", "csrf_token": token})
    police_view = portal.client.get(f"/panels/{panel_id}").text
    assert "Older associate" in police_view  # the police still see the alert on the panel

    portal.client.cookies.clear()
    portal.sign_in_ready("pat", pat_pw)
    partner = ROLE_PERMISSIONS[Role.PARTNER]
    ids = {"person_id": ["P-0001", "P-0002"], "ppn_ref": ["PPN-7"], "panel_id": [panel_id]}
    checked: dict[str, int] = {}
    for method, path, permission in route_table(portal.client.app):
        if method != "GET" or permission not in partner:
            continue
        names = re.findall(r"{(\w+)}", path)
        combos: list[dict[str, str]] = [{}]
        for name in names:
            combos = [c | {name: v} for c in combos for v in ids[name]]
        for combo in combos:
            url = path.format(**combo)
            response = portal.client.get(url)
            assert response.status_code == 200, url
            assert _offending(response.text) == [], url
            checked[url] = response.status_code
    # The content that is shared does reach the partner.
    case = portal.client.get("/shared/P-0001").text
    assert "Jayden Smith" in case and "Referral to MASH" in case and "Children&#39;s home" in case
    panel = portal.client.get(f"/panels/{panel_id}").text
    assert "A-2" in panel and "Police assessment (not shared)" in panel
    assert {"/shared", "/shared/P-0001", "/shared/ppns/PPN-7", f"/panels/{panel_id}", "/api/v1/shared"} <= set(checked)
    # The JSON API the partner's permission reaches.
    api = portal.client.get("/api/v1/shared")
    assert api.status_code == 200 and _offending(api.text) == []
