"""What people do on the portal: review alerts with reasons, assign them, challenge indicators, record
merges and splits, share a case with a partner (who then sees only that), and call the JSON API."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from portal_client import Portal
from test_pages import audit_rows, open_person

from safeguarding.config import Settings
from safeguarding.security import tokens
from safeguarding.security.cli import open_app_db
from safeguarding.workflow import linkage_decisions, reviews, sharing

pytestmark = pytest.mark.usefixtures("published")


def _csrf(portal: Portal, path: str = "/change-password") -> str:
    return portal.csrf_from(portal.client.get(path).text)


def _as(portal: Portal, add_user: Callable[..., str], username: str, role: str) -> Portal:
    portal.client.cookies.clear()
    portal.sign_in_ready(username, add_user(username, (role,), username.title()))
    return portal


def test_review_needs_a_decision_and_a_reason(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "olivia", "safeguarding_officer")
    token = _csrf(portal, "/alerts/A-1")
    refused = portal.client.post(
        "/alerts/A-1/review", data={"decision": "refer_to_hub", "reason": " ", "csrf_token": token}
    )
    assert refused.status_code == 400 and "needs a written reason" in refused.text
    bad = portal.client.post("/alerts/A-1/review", data={"decision": "ignore", "reason": "x", "csrf_token": token})
    assert bad.status_code == 400
    done = portal.client.post(
        "/alerts/A-1/review",
        data={"decision": "refer_to_hub", "reason": "Third episode this term; school worried", "csrf_token": token},
    )
    assert done.status_code == 200 and "Refer to the safeguarding hub" in done.text
    assert "Third episode this term" in done.text
    assert "Aisha Khan" in portal.client.get("/alerts").text  # open alerts: A-1 has left the default view
    assert "Jayden Smith" not in portal.client.get("/alerts").text
    assert "Reviewed: Refer to the safeguarding hub" in portal.client.get("/alerts?status=reviewed").text
    (entry,) = audit_rows(portal, "alert.review")
    assert entry[0] == "olivia" and entry[3] == "A-1"
    assert entry[4] == {
        "person_id": "P-0001",
        "decision": "refer_to_hub",
        "reason": "Third episode this term; school worried",
    }


def test_assignment_puts_the_child_in_my_queue(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "olivia", "safeguarding_officer")
    token = _csrf(portal, "/alerts/A-1")
    # An officer may take an alert but not hand it to someone else.
    assert portal.client.post("/alerts/A-1/assign", data={"to": "sam", "csrf_token": token}).status_code == 403
    assert portal.client.post("/alerts/A-1/assign", data={"to": "olivia", "csrf_token": token}).status_code == 200
    home = portal.client.get("/home").text
    assert "Repeat missing episodes" in home and "Nothing is assigned to you" not in home
    assert "Jayden Smith" in portal.client.get("/alerts?assigned=me").text
    # Taking an alert yourself is no reason to open the child: the profile and the API still ask (#26).
    assert "Why do you need" in portal.client.get("/people/P-0001").text
    assert portal.client.get("/api/v1/people/P-0001").status_code == 409
    # A supervisor may assign to anyone.
    _as(portal, add_user, "sam", "supervisor")
    token = _csrf(portal, "/alerts/A-2")
    assert portal.client.post("/alerts/A-2/assign", data={"to": "olivia", "csrf_token": token}).status_code == 200
    assert portal.client.post("/alerts/A-2/assign", data={"to": "ghost", "csrf_token": token}).status_code == 400
    # Assigned by someone else, it is in her queue: the profile opens without asking, and says why.
    portal.client.cookies.clear()
    portal.login("olivia", "correct horse battery staple")
    profile = portal.client.get("/people/P-0002").text
    assert "Why do you need" not in profile and "Opened: in your queue" in profile
    assigned = audit_rows(portal, "alert.assign")
    assert [(r[0], r[3], r[4]["assigned_to"]) for r in assigned] == [
        ("olivia", "A-1", "olivia"),
        ("sam", "A-2", "olivia"),
    ]


def test_a_challenge_is_recorded_and_shown(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "alice", "analyst")
    html = open_person(portal, "P-0001")
    token = portal.csrf_from(html)
    response = portal.client.post(
        "/people/P-0001/challenge",
        data={"indicator_id": "I-2", "rule_id": "missing.found_far", "reason": "Found at his aunt's: known address",
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Challenged as wrong" in response.text and "Found at his aunt" in response.text
    (entry,) = audit_rows(portal, "indicator.challenge")
    assert entry[3] == "I-2" and entry[4]["reason"] == "Found at his aunt's: known address"


def test_merge_and_split_go_to_the_linkage_decisions(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    _as(portal, add_user, "alice", "analyst")
    token = portal.csrf_from(open_person(portal, "P-0001"))
    no_reason = portal.client.post(
        "/people/P-0001/link", data={"kind": "split", "mention": "compact:C-4", "reason": "", "csrf_token": token}
    )
    assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
    done = portal.client.post(
        "/people/P-0001/link",
        data={"kind": "merge", "mention": "niche:N-17", "other_mention": "niche:N-23",
              "reason": "Same child: sibling records confused", "csrf_token": token},
    )  # fmt: skip
    assert done.status_code == 200 and "Decisions in force" in done.text
    factory = open_app_db(settings)
    (decision,) = linkage_decisions.active_decisions(factory)
    factory.kw["bind"].dispose()
    assert (decision.kind, decision.mention, decision.other_mention, decision.decided_by) == (
        "merge", "niche:N-17", "niche:N-23", "alice",
    )  # fmt: skip


def test_a_partner_sees_only_what_was_shared_with_their_agency(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    factory = open_app_db(settings)
    from safeguarding.security import users

    _i, pat_pw = users.add_user(factory, "pat", ["partner"], "Pat Partner", agency="bcp-csc")
    _i, quinn_pw = users.add_user(factory, "quinn", ["partner"], "Quinn Other", agency="dorset-health")
    factory.kw["bind"].dispose()
    portal.sign_in_ready("pat", pat_pw)
    assert portal.client.get("/").url.path == "/shared"
    assert "No cases are shared" in portal.client.get("/shared").text
    assert portal.client.get("/shared/P-0001").status_code == 404
    assert portal.client.get("/people/P-0001").status_code == 403
    assert portal.client.get("/alerts").status_code == 403
    # An officer shares Jayden's case with children's social care.
    _as(portal, add_user, "olivia", "safeguarding_officer")
    token = portal.csrf_from(open_person(portal, "P-0001"))
    shared = portal.client.post(
        "/people/P-0001/share", data={"agency": "bcp-csc", "reason": "Referral to MASH", "csrf_token": token}
    )
    assert "Shared with <strong>bcp-csc</strong>" in shared.text
    portal.client.cookies.clear()
    portal.login("pat", "correct horse battery staple")
    listing = portal.client.get("/shared").text
    assert "Jayden Smith" in listing and "Aisha" not in listing
    case = portal.client.get("/shared/P-0001").text
    assert "Jayden Smith" in case and "Referral to MASH" in case and "MISS-101" not in case
    assert "weight" not in case  # no scores or indicator weights for partners
    assert portal.client.get("/shared/P-0002").status_code == 404
    # Another agency sees nothing of it.
    portal.client.cookies.clear()
    portal.sign_in_ready("quinn", quinn_pw)
    assert portal.client.get("/shared/P-0001").status_code == 404
    shares = audit_rows(portal, "share")
    assert shares[0][0] == "olivia" and shares[0][4]["agency"] == "bcp-csc"
    denied = [r for r in audit_rows(portal, "access.denied") if r[0] == "quinn"]
    assert denied and denied[-1][3] == "P-0001"


def test_the_json_api_with_a_token(portal: Portal, add_user: Callable[..., str], settings: Settings) -> None:
    add_user("svc-mash", ("analyst",), "MASH system")
    factory = open_app_db(settings)
    token = tokens.create(factory, "svc-mash", "mash-system", actor="test")
    factory.kw["bind"].dispose()
    client = portal.client
    assert client.get("/api/v1/alerts").status_code == 401
    assert client.get("/api/v1/alerts", headers={"authorization": "Bearer sgt_nope"}).status_code == 401
    auth = {"authorization": f"Bearer {token}"}
    alerts = client.get("/api/v1/alerts", headers=auth).json()["alerts"]
    assert {a["alert_id"] for a in alerts} == {"A-1", "A-2"}
    hits = client.get("/api/v1/search", params={"name": "jaden smyth"}, headers=auth).json()["hits"]
    assert [h["person_id"] for h in hits] == ["P-0001"]
    assert client.get("/api/v1/people/P-0001", headers=auth).status_code == 409  # no reason given
    person = client.get("/api/v1/people/P-0001", params={"reason": "MASH referral 77"}, headers=auth).json()
    assert person["person"]["display_name"] == "Jayden Smith" and len(person["indicators"]) == 2
    assert client.get("/api/v1/shared", headers=auth).status_code == 403
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/alerts" in spec["paths"] and "/alerts" not in spec["paths"]
    views = [r for r in audit_rows(portal, "view") if r[0] == "svc-mash" and r[2] == "person"]
    assert views[-1][4]["via"] == "mash-system" and views[-1][4]["basis"] == "MASH referral 77"
    factory = open_app_db(settings)
    assert tokens.revoke(factory, "svc-mash", "mash-system", actor="test") == 1
    factory.kw["bind"].dispose()
    assert client.get("/api/v1/alerts", headers=auth).status_code == 401


def test_export_is_audited_as_a_disclosure(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "alice", "analyst")
    assert portal.client.get("/people/P-0001/export", follow_redirects=False).status_code == 303  # reason first
    open_person(portal, "P-0001")
    response = portal.client.get("/people/P-0001/export")
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.json()["person"]["person_id"] == "P-0001"
    (entry,) = audit_rows(portal, "export")
    assert entry[3] == "P-0001" and entry[4]["basis"] == "Call from school about this child"


def test_the_api_audits_a_missing_reason_and_the_basis_of_network_and_places(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    """#26 item 11: a refusal for a missing reason is audited as access.denied; the network and places API
    write their view entry only after the reason check, with the basis."""
    add_user("svc-mash", ("analyst",), "MASH system")
    factory = open_app_db(settings)
    secret = tokens.create(factory, "svc-mash", "mash-hub", actor="test")
    factory.kw["bind"].dispose()
    auth = {"authorization": f"Bearer {secret}"}
    for path in ("/api/v1/people/P-0002", "/api/v1/people/P-0002/network", "/api/v1/people/P-0002/places"):
        assert portal.client.get(path, headers=auth).status_code == 409, path
    assert [(r[0], r[3], r[4]["reason"]) for r in audit_rows(portal, "access.denied")] == [
        ("svc-mash", "P-0002", "no reason for access given")
    ] * 3
    assert not [r for r in audit_rows(portal, "view") if r[3] == "P-0002"]
    assert portal.client.get("/api/v1/people/P-0002?reason=MASH+referral+today", headers=auth).status_code == 200
    for path in ("/api/v1/people/P-0002/network", "/api/v1/people/P-0002/places"):
        assert portal.client.get(path, headers=auth).status_code == 200, path
    views = [(r[2], r[4]["basis"]) for r in audit_rows(portal, "view") if r[3] == "P-0002"]
    assert views == [
        ("person", "MASH referral today"),
        ("person_network", "MASH referral today"),
        ("person_places", "MASH referral today"),
    ]


def test_revoking_a_share_checks_its_child_and_its_kind(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    """#26 item 3: share ids run in sequence; a revoke names the child and may withdraw only a whole-case
    share of that child (a PPN's share is withdrawn from the PPN's page)."""
    factory = open_app_db(settings)
    other_case = sharing.share(factory, person_id="P-0002", agency="bcp-csc", reason="MASH", actor="sam")
    ppn = sharing.share(
        factory, person_id="P-0001", agency="bcp-csc", reason="PPN", actor="sam", record_type="ppns",
        record_ref="PPN-1",
    )  # fmt: skip
    own = sharing.share(factory, person_id="P-0001", agency="bcp-csc", reason="Case", actor="sam")
    factory.kw["bind"].dispose()
    _as(portal, add_user, "olivia", "safeguarding_officer")
    token = portal.csrf_from(open_person(portal, "P-0001"))
    for share_id in (other_case.id, ppn.id):
        refused = portal.client.post(f"/people/P-0001/share/{share_id}/revoke", data={"csrf_token": token})
        assert refused.status_code == 400 and "not in force" in refused.text, share_id
    assert audit_rows(portal, "share.revoke") == []
    done = portal.client.post(
        f"/people/P-0001/share/{own.id}/revoke", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    factory = open_app_db(settings)
    try:
        assert [s.id for s in sharing.shares_for_person(factory, "P-0002")] == [other_case.id]
        assert list(sharing.records_shared_with(factory, "bcp-csc", "ppns")) == ["PPN-1"]
        with pytest.raises(reviews.WorkflowError):
            sharing.revoke(factory, ppn.id, actor="x", person_id=None, record=("ppns", "PPN-2"))
    finally:
        factory.kw["bind"].dispose()
