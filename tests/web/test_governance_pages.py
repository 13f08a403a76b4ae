"""Quality assurance and governance on the portal: case audits, scrutiny panels (with partners'
restricted access), the Gold Group's recommendations and evidence files, SARA plans and outcomes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from portal_client import Portal
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from test_pages import audit_rows

from governance_snapshot import publish_governance_snapshot
from safeguarding.config import Settings
from safeguarding.security.cli import open_app_db
from safeguarding.workflow import audits, panels, sharing
from safeguarding.workflow.models import CaseShare
from safeguarding.workflow.reviews import WorkflowError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def gov_snapshot(settings: Settings, make_snapshot: Callable[[Path], None]) -> None:
    publish_governance_snapshot(settings.snapshot_dir, make_snapshot)


def _as(portal: Portal, add_user: Callable[..., str], username: str, role: str) -> Portal:
    portal.client.cookies.clear()
    portal.sign_in_ready(username, add_user(username, (role,), username.title()))
    return portal


def _csrf(portal: Portal, path: str) -> str:
    return portal.csrf_from(portal.client.get(path).text)


def _partner(settings: Settings, username: str, agency: str) -> str:
    from safeguarding.security import users

    factory = open_app_db(settings)
    try:
        return users.add_user(factory, username, ["partner"], username.title(), agency=agency)[1]
    finally:
        factory.kw["bind"].dispose()


# --- case audits -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("gov_snapshot")
def test_auditor_draws_a_stratified_sample_grades_a_case_and_the_officer_sees_feedback(
    portal: Portal, add_user: Callable[..., str]
) -> None:
    add_user("owen", ("safeguarding_officer",), "Owen Officer")
    _as(portal, add_user, "ada", "auditor")
    token = _csrf(portal, "/audits")
    drawn = portal.client.post(
        "/audits/sample",
        data={"size": "3", "method": "stratified", "since": "2025-01-01", "until": "2025-12-31",
              "types": ["missing", "ppn", "exploitation"], "csrf_token": token},
    )  # fmt: skip
    assert drawn.status_code == 200
    page = drawn.text
    # Stratified: one of each type asked for (there is one PPN and one exploitation alert in the fixture).
    assert "PPN-7" in page and "A-2" in page and "Missing episode" in page
    assert page.count("To audit") == 3
    (entry,) = audit_rows(portal, "audit.sample")
    assert entry[0] == "ada" and entry[4]["method"] == "stratified" and entry[4]["drawn"] == 3
    audit_id = re.search(r'href="/audits/(\d+)">PPN-7', page).group(1)  # type: ignore[union-attr]

    form = {f"grade_{k}": "good" for k in ("leadership", "partnership", "initial_response", "risk_assessment")}
    form |= {"voice_captured": "yes", "voice_where": ["words", "presentation"], "officer": "owen"}
    form |= {"team": "Bournemouth MASH", "feedback": "Clear record of what the child said.", "csrf_token": token}
    refused = portal.client.post(f"/audits/{audit_id}", data=form)  # no grade for investigation or overall
    assert refused.status_code == 400 and "Grade &#39;Investigation&#39;" in refused.text
    form |= {"grade_investigation": "requires_improvement", "grade_overall": "good"}
    done = portal.client.post(f"/audits/{audit_id}", data=form)
    assert done.status_code == 200 and "Clear record of what the child said." in done.text
    assert "The child&#39;s own words; Presentation and behaviour" in done.text
    (entry,) = audit_rows(portal, "audit.complete")
    assert entry[3] == audit_id and entry[4]["overall"] == "good" and entry[4]["officer"] == "owen"
    # A completed audit cannot be graded again.
    assert portal.client.post(f"/audits/{audit_id}", data=form).status_code == 400

    trends = portal.client.get("/audits/trends").text
    month = datetime.now(audits.LONDON).strftime("%Y-%m")
    assert month in trends and "Bournemouth MASH" in trends
    assert "0% of 1" in trends and "100% of 1" in trends  # investigation RI; the others good

    # The officer sees the feedback on their home page.
    _as(portal, add_user, "owen2", "safeguarding_officer")  # another officer sees none of it
    assert "Clear record of what the child said." not in portal.client.get("/home").text
    portal.client.cookies.clear()
    from safeguarding.security import users

    factory = open_app_db(portal.settings)
    one_time = users.reset_password(factory, "owen")
    factory.kw["bind"].dispose()
    portal.sign_in_ready("owen", one_time)
    home = portal.client.get("/home").text
    assert "Audit feedback for you" in home and "Clear record of what the child said." in home


@pytest.mark.usefixtures("gov_snapshot")
def test_a_supervisor_reads_audits_but_cannot_conduct_them(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "sam", "supervisor")
    assert portal.client.get("/audits").status_code == 200
    token = _csrf(portal, "/audits")
    assert portal.client.post("/audits/sample", data={"size": "2", "csrf_token": token}).status_code == 403
    assert "Draw this week" not in portal.client.get("/audits").text


@pytest.mark.usefixtures("gov_snapshot")
def test_sample_input_errors_name_the_field(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "ada", "auditor")
    token = _csrf(portal, "/audits")
    bad = portal.client.post("/audits/sample", data={"size": "many", "csrf_token": token})
    assert bad.status_code == 400 and "Field &#39;size&#39;" in bad.text
    none = portal.client.post(
        "/audits/sample", data={"size": "2", "since": "2030-01-01", "until": "2030-02-01", "csrf_token": token}
    )
    assert none.status_code == 400 and "No cases match" in none.text


# --- Gold Group ------------------------------------------------------------------------------------


def _recommendation(portal: Portal, token: str) -> int:
    made = portal.client.post(
        "/gold/recommendations",
        data={"inspection": "HMICFRS child protection 2026", "published_on": "2026-01-10", "reference": "R1",
              "text": "Improve the recording of the voice of the child.", "timescale": "three_months",
              "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert made.status_code == 303
    return int(made.headers["location"].rsplit("/", 1)[1])


@pytest.mark.usefixtures("gov_snapshot")
def test_gold_group_tracks_actions_rag_history_and_overdue(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "gina", "gold_group")
    token = _csrf(portal, "/gold")
    rec_id = _recommendation(portal, token)
    page = portal.client.get(f"/gold/recommendations/{rec_id}").text
    assert "Within three months (by 10 Apr 2026)" in page
    added = portal.client.post(
        f"/gold/recommendations/{rec_id}/actions",
        data={"text": "Train hub staff", "owner": "DCI Hale", "due_on": "2026-03-01", "rag": "amber",
              "csrf_token": token},
    )  # fmt: skip
    assert added.status_code == 200
    # Record a meeting, then change the action: the dashboard shows the change since the meeting.
    portal.client.post("/gold/meetings", data={"notes": "First meeting", "csrf_token": token})
    action_id = re.search(r'action="/gold/actions/(\d+)"', added.text).group(1)  # type: ignore[union-attr]
    changed = portal.client.post(
        f"/gold/actions/{action_id}",
        data={"owner": "DCI Hale", "due_on": "2026-03-01", "rag": "red", "note": "Trainer off sick",
              "csrf_token": token},
    )  # fmt: skip
    assert changed.status_code == 200
    history = changed.text.split("Change history")[1]
    assert f"gina: rag (action {action_id}) from “amber” to “red”" in history
    assert f"gina: note (action {action_id}) to “Trainer off sick”" in history
    dashboard = portal.client.get("/gold").text
    assert "Train hub staff" in dashboard  # overdue: due 1 Mar 2026, not complete
    assert re.search(r"<dt>Overdue actions</dt><dd>1</dd>", dashboard)
    assert "rag from “amber” to “red”" in dashboard  # changed since the last meeting
    assert "action added" not in dashboard.split("Changed since the last meeting")[1].split("Recommendations")[0]
    # Nothing changed: refused with a message.
    same = portal.client.post(
        f"/gold/actions/{action_id}",
        data={"owner": "DCI Hale", "due_on": "2026-03-01", "rag": "red", "csrf_token": token},
    )
    assert same.status_code == 400 and "Nothing was changed" in same.text
    bad_date = portal.client.post(
        f"/gold/recommendations/{rec_id}/actions",
        data={"text": "x", "owner": "y", "due_on": "01/03/2026", "rag": "amber", "csrf_token": token},
    )
    assert bad_date.status_code == 400 and "Field &#39;due_on&#39;" in bad_date.text
    updates = audit_rows(portal, "gold.action.update")
    assert [(u[0], u[4]["changed"]) for u in updates] == [("gina", ["rag", "note"])]

    report = portal.client.get("/gold/report.csv")
    assert report.headers["content-disposition"].startswith("attachment;")
    lines = report.text.splitlines()
    assert lines[0].startswith("inspection,reference,recommendation") and "Train hub staff" in lines[1]
    assert ",red,yes," in lines[1]
    # Text a spreadsheet would run as a formula is written as text.
    portal.client.post(
        f"/gold/recommendations/{rec_id}/actions",
        data={"text": "=HYPERLINK(\"http://x\")", "owner": "@owner", "due_on": "2027-01-01", "rag": "green",
              "csrf_token": token},
    )  # fmt: skip
    report = portal.client.get("/gold/report.csv")
    assert "'=HYPERLINK" in report.text and ",'@owner," in report.text
    assert audit_rows(portal, "export")[-1][2] == "gold_report"


@pytest.mark.usefixtures("gov_snapshot")
def test_evidence_is_checked_by_content_stored_outside_the_web_root_and_downloaded(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    _as(portal, add_user, "gina", "gold_group")
    token = _csrf(portal, "/gold")
    rec_id = _recommendation(portal, token)
    page = portal.client.post(
        f"/gold/recommendations/{rec_id}/actions",
        data={"text": "Audit 50 cases", "owner": "Insp Moss", "due_on": "2027-01-01", "rag": "green",
              "csrf_token": token},
    ).text  # fmt: skip
    action_id = re.search(r'action="/gold/actions/(\d+)/evidence"', page).group(1)  # type: ignore[union-attr]
    url = f"/gold/actions/{action_id}/evidence"

    def upload(name: str, content: bytes, mime: str = "application/pdf") -> object:
        return portal.client.post(
            url, data={"description": "Audit results", "csrf_token": token}, files={"file": (name, content, mime)}
        )

    exe = upload("results.pdf", b"MZ\x90\x00" + b"\x00" * 200)  # a Windows program named .pdf
    assert exe.status_code == 400 and "not accepted" in exe.text  # type: ignore[attr-defined]
    html = upload("page.txt", b"<html>\x00\x01</html>", "text/plain")
    assert html.status_code == 400  # type: ignore[attr-defined]
    big = upload("big.pdf", PDF + b"0" * (settings.evidence_max_mb * 1024 * 1024))
    assert big.status_code == 400 and "larger than the limit of 10 MB" in big.text  # type: ignore[attr-defined]
    ok = upload("../../Audit results.pdf", PDF, "text/html")
    assert ok.status_code == 200 and "Audit results.pdf" in ok.text  # type: ignore[attr-defined]
    stored = list((settings.data_dir / "evidence").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == PDF and re.fullmatch(r"[0-9a-f]{32}", stored[0].name)
    evidence_id = re.search(r'href="/gold/evidence/(\d+)"', ok.text).group(1)  # type: ignore[attr-defined, union-attr]
    got = portal.client.get(f"/gold/evidence/{evidence_id}")
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"  # the checked type, not the one the uploader sent
    assert got.headers["content-disposition"] == "attachment; filename*=UTF-8''Audit%20results.pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    (down,) = audit_rows(portal, "gold.evidence.download")
    assert down[3] == evidence_id
    assert portal.client.get("/gold/evidence/999").status_code == 404
    # Partners and officers cannot download evidence at all.
    _as(portal, add_user, "olivia", "safeguarding_officer")
    assert portal.client.get(f"/gold/evidence/{evidence_id}").status_code == 403


# --- scrutiny panels and partners' restricted access --------------------------------------------------


@pytest.mark.usefixtures("gov_snapshot")
def test_partner_members_see_the_panel_and_its_cases_only(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    pat, quinn = _partner(settings, "pat", "bcp-csc"), _partner(settings, "quinn", "bcp-csc")
    _as(portal, add_user, "sam", "supervisor")
    token = _csrf(portal, "/panels")
    today = datetime.now(UTC).date()
    made = portal.client.post(
        "/panels", data={"title": "Q4 missing children panel", "meeting_on": today.isoformat(), "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    panel_id = made.headers["location"].rsplit("/", 1)[1]
    page = portal.client.get(f"/panels/{panel_id}").text
    start, end = panels.quarter_of(today)
    assert f"{start:%d %b %Y} to {end:%d %b %Y}" in page
    assert (
        portal.client.post(
            f"/panels/{panel_id}/cases", data={"case": "missing:MISS-120", "csrf_token": token}
        ).status_code
        == 200
    )
    assert (
        portal.client.post(f"/panels/{panel_id}/members", data={"username": "pat", "csrf_token": token}).status_code
        == 200
    )
    bad = portal.client.post(f"/panels/{panel_id}/members", data={"username": "sam", "csrf_token": token})
    assert bad.status_code == 400 and "choose a partner user" in bad.text
    portal.client.post(
        f"/panels/{panel_id}/items",
        data={"kind": "action", "text": "Offer every return home interview in 72h", "owner": "BCP CSC",
              "due_on": "2027-01-31", "csrf_token": token},
    )  # fmt: skip
    no_owner = portal.client.post(
        f"/panels/{panel_id}/items", data={"kind": "action", "text": "x", "csrf_token": token}
    )
    assert no_owner.status_code == 400 and "needs an owner and a due date" in no_owner.text
    portal.client.post(f"/panels/{panel_id}/summary", data={"text": "Return interviews are late.", "csrf_token": token})
    shares = audit_rows(portal, "share")
    assert [(s[3], s[4]["user"], s[4]["panel_id"]) for s in shares] == [("P-0002", "pat", int(panel_id))]

    # The invited partner: the panel, and the child on it, during the period.
    portal.client.cookies.clear()
    portal.sign_in_ready("pat", pat)
    assert "Q4 missing children panel" in portal.client.get("/panels").text
    seen = portal.client.get(f"/panels/{panel_id}").text
    assert "Aisha Khan" in seen and "Return interviews are late." in seen and "Record a finding" not in seen
    assert portal.client.get("/shared/P-0002").status_code == 200
    assert portal.client.get("/shared/P-0001").status_code == 404  # not on the panel
    assert "Aisha Khan" in portal.client.get("/shared").text
    assert portal.client.post(f"/panels/{panel_id}/summary", data={"text": "x", "csrf_token": "x"}).status_code == 403
    pack = portal.client.get(f"/panels/{panel_id}/pack")
    assert pack.status_code == 200 and "Scrutiny panel pack" in pack.text and "Offer every return home" in pack.text
    assert audit_rows(portal, "export")[-1][:4] == ("pat", "export", "panel", panel_id)

    # Same agency, not invited: neither the panel nor the child.
    portal.client.cookies.clear()
    portal.sign_in_ready("quinn", quinn)
    assert "Q4 missing children panel" not in portal.client.get("/panels").text
    assert portal.client.get(f"/panels/{panel_id}").status_code == 404
    assert portal.client.get("/shared/P-0002").status_code == 404
    denied = audit_rows(portal, "access.denied")
    assert ("quinn", "panel", panel_id) in {(d[0], d[2], d[3]) for d in denied}


@pytest.mark.usefixtures("gov_snapshot")
def test_partner_access_ends_with_the_panels_period(
    portal: Portal, add_user: Callable[..., str], settings: Settings
) -> None:
    pat = _partner(settings, "pat", "bcp-csc")
    _as(portal, add_user, "sam", "supervisor")
    token = _csrf(portal, "/panels")
    made = portal.client.post(
        "/panels",
        data={"title": "Q1 panel", "meeting_on": "2025-03-20", "period_start": "2025-01-01",
              "period_end": "2025-03-31", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    panel_id = int(made.headers["location"].rsplit("/", 1)[1])
    portal.client.post(f"/panels/{panel_id}/members", data={"username": "pat", "csrf_token": token})
    portal.client.post(f"/panels/{panel_id}/cases", data={"case": "missing:MISS-090", "csrf_token": token})
    portal.client.cookies.clear()
    portal.sign_in_ready("pat", pat)
    page = portal.client.get(f"/panels/{panel_id}").text
    assert "only during the panel" in page and "Aisha Khan" not in page
    assert portal.client.get("/shared/P-0002").status_code == 404
    # The same share, checked inside the period, is in force: the window is the only difference.
    factory = open_app_db(settings)
    try:
        inside = datetime(2025, 2, 1, tzinfo=UTC)
        assert sharing.is_shared(factory, person_id="P-0002", agency="bcp-csc", username="pat", now=inside)
        assert not sharing.is_shared(factory, person_id="P-0002", agency="bcp-csc", username="quinn", now=inside)
        assert not sharing.is_shared(factory, person_id="P-0002", agency="bcp-csc", now=inside)  # scoped to pat
        after = datetime(2025, 4, 1, tzinfo=UTC)
        assert not sharing.is_shared(factory, person_id="P-0002", agency="bcp-csc", username="pat", now=after)
        before = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
        assert not sharing.is_shared(factory, person_id="P-0002", agency="bcp-csc", username="pat", now=before)
    finally:
        factory.kw["bind"].dispose()


def test_quarter_and_period_rules() -> None:
    assert panels.quarter_of(date(2026, 11, 25)) == (date(2026, 10, 1), date(2026, 12, 31))
    assert panels.quarter_of(date(2026, 2, 28)) == (date(2026, 1, 1), date(2026, 3, 31))
    assert panels.quarter_of(date(2026, 6, 30)) == (date(2026, 4, 1), date(2026, 6, 30))
    assert panels.quarter_of(date(2026, 7, 1)) == (date(2026, 7, 1), date(2026, 9, 30))


def test_a_panel_meets_within_its_period(factory: sessionmaker[Session]) -> None:
    with pytest.raises(WorkflowError, match="meeting_on"):
        panels.schedule(factory, title="Late", meeting_on=date(2026, 5, 1), actor="sam",
                        period_start=date(2026, 1, 1), period_end=date(2026, 3, 31))  # fmt: skip
    panel_id = panels.schedule(factory, title="Spring", meeting_on=date(2026, 5, 1), actor="sam")
    found = panels.get(factory, panel_id)
    assert found is not None and (found.panel.period_start, found.panel.period_end) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    assert found.is_open(datetime(2026, 6, 30, 23, 59, tzinfo=UTC)) and not found.is_open(
        datetime(2026, 7, 1, tzinfo=UTC)
    )


def test_an_online_referral_on_a_panel_shares_no_suspect(factory: sessionmaker[Session]) -> None:
    panel_id = panels.schedule(factory, title="Online", meeting_on=date(2026, 11, 2), actor="sam")
    panels.invite(factory, panel_id, username="pat", agency="CSC", actor="sam")
    panels.add_case(factory, panel_id, case_type="online", case_ref="OR-1", person_id="P-SUSPECT", actor="sam")
    panels.add_case(factory, panel_id, case_type="missing", case_ref="ME-1", person_id="P-CHILD", actor="sam")
    panels.invite(factory, panel_id, username="kim", agency="CSC", actor="sam")
    found = panels.get(factory, panel_id)
    assert found is not None and {c.case_ref for c in found.cases} == {"OR-1", "ME-1"}
    with factory() as session:
        shared = {(s.person_id, s.username) for s in session.scalars(select(CaseShare))}
    assert shared == {("P-CHILD", "pat"), ("P-CHILD", "kim")}


# --- problem-solving --------------------------------------------------------------------------------


@pytest.mark.usefixtures("gov_snapshot")
def test_sara_plan_for_a_childrens_home_with_before_and_after(portal: Portal, add_user: Callable[..., str]) -> None:
    _as(portal, add_user, "lou", "analyst")
    token = _csrf(portal, "/problems")
    assert "Oak House children" in portal.client.get("/problems").text
    made = portal.client.post(
        "/problems",
        data={"title": "Oak House missing episodes", "subject": "place:L-HOME", "started_on": "2025-06-15",
              "problem": "Five children reported missing from the home in five months.", "csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    plan_id = made.headers["location"].rsplit("/", 1)[1]
    bad = portal.client.post(
        "/problems", data={"title": "x", "subject": "place:NOPE", "problem": "x", "started_on": "2025-01-01",
                           "csrf_token": token},
    )  # fmt: skip
    assert bad.status_code == 400 and "Field &#39;subject&#39;" in bad.text
    portal.client.post(f"/problems/{plan_id}/links", data={"kind": "child", "ref": "P-0002", "csrf_token": token})
    page = portal.client.get(f"/problems/{plan_id}").text
    # Dec 2024 - May 2025: 3 reported missing from the home (Mar, Apr, May) = 0.5 a month; from Jun 2025 for
    # six months: 2 (Jul, Aug) = 0.3. Aisha's own episodes: 1 before (Mar), 1 after (Aug).
    row = re.search(r"Children reported missing from the linked places</td>(.*?)</tr>", page).group(1)  # type: ignore[union-attr]
    assert re.findall(r'class="num">([^<]+)<', row) == ["0.5", "0.3", "6 / 6"]
    row = re.search(r"Missing episodes of the linked children</td>(.*?)</tr>", page).group(1)  # type: ignore[union-attr]
    assert re.findall(r'class="num">([^<]+)<', row) == ["0.2", "0.2", "6 / 6"]
    assert "Jun 2025 (plan starts)" in page
    staged = portal.client.post(
        f"/problems/{plan_id}/stage",
        data={"stage": "analysis", "note": "Most go to the bus station", "csrf_token": token},
    )
    assert staged.status_code == 200 and "Most go to the bus station" in staged.text
    done = portal.client.post(
        f"/problems/{plan_id}/interventions",
        data={"text": "Weekly visits by the neighbourhood team", "owner": "PC Reed", "started_on": "2025-06-20",
              "csrf_token": token},
    )  # fmt: skip
    assert "Weekly visits by the neighbourhood team" in done.text
    assert [r[4]["to"] for r in audit_rows(portal, "problem.stage")] == ["analysis"]
    # A peer-group plan links the group's children at once.
    group = portal.client.post(
        "/problems",
        data={"title": "Group G-1", "subject": "group:G-1", "started_on": "2025-06-01", "problem": "Two children",
              "csrf_token": token},
    )  # fmt: skip
    assert "Jayden Smith" in group.text and "Aisha Khan" in group.text
    # The gold group sees no plan (they name children).
    _as(portal, add_user, "gina", "gold_group")
    assert portal.client.get(f"/problems/{plan_id}").status_code == 403


# --- outcomes ------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("gov_snapshot")
def test_outcomes_show_the_boards_measures_with_trends_and_say_what_is_missing(
    portal: Portal, add_user: Callable[..., str]
) -> None:
    _as(portal, add_user, "gina", "gold_group")
    page = portal.client.get("/outcomes").text
    rhi = page.split('id="measure-missing-rhi_within_72h"')[1].split("</section>")[0]
    assert "Latest: <strong>80%</strong> · Trend: up" in rhi and "Jun 2025" in rhi and "<polyline" in rhi
    aa = page.split('id="measure-custody-aa_median_minutes"')[1].split("</section>")[0]
    assert "Latest: <strong>95</strong>" in aa and "not enough months yet" in aa
    missing = page.split('id="not-computed"')[1].split("</div>")[0]
    assert "ppn/mean_quality" in missing and "online/actioned_by_deadline" in missing
    assert "missing/rhi_within_72h" not in missing
    assert "No case audits have been completed yet." in page
    assert "Jayden" not in page and "Aisha" not in page


def test_outcomes_with_no_measures_yet(
    portal: Portal, add_user: Callable[..., str], settings: Settings, make_snapshot: Callable[[Path], None]
) -> None:
    publish_governance_snapshot(settings.snapshot_dir, make_snapshot, with_measures=False)
    _as(portal, add_user, "gina", "gold_group")
    page = portal.client.get("/outcomes").text
    missing = page.split('id="not-computed"')[1].split("</div>")[0]
    assert missing.count("<li>") == 6 and "Return home interviews within 72 hours" in missing
    assert 'class="card measure"' not in page
