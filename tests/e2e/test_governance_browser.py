"""Quality assurance and governance as people use them, in Debian's Chromium against the real server:
a case audit, the Gold Group with an evidence upload, a scrutiny panel seen by an invited partner, a
problem-solving plan and the outcomes page. Screenshots feed docs/user-guide.md (via
$SAFEGUARDING_SCREENSHOT_DIR); axe-core checks each page for WCAG 2.2 AA problems."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from test_portal_browser import CHROMIUM_ARGS, Session, _free_port

from governance_snapshot import publish_governance_snapshot
from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.security.policy import SecurityPolicy
from safeguarding.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium: Path, make_snapshot: Callable[[Path], None]
) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("governance-data")
    settings = Settings(data_dir=data, port=_free_port())
    publish_governance_snapshot(settings.snapshot_dir, make_snapshot)
    factory = open_app_db(settings)
    accounts = {}
    for name, role, agency in (("ada", "auditor", None), ("owen", "safeguarding_officer", None),
                               ("gina", "gold_group", None), ("gwen", "gold_group", None), ("sam", "supervisor", None),
                               ("pat", "partner", "bcp-csc"), ("quinn", "partner", "bcp-csc"),
                               ("lou", "analyst", None)):  # fmt: skip
        accounts[name] = users.add_user(factory, name, [role], name.title(), agency=agency)[1]
    factory.kw["bind"].dispose()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, SecurityPolicy()), host="127.0.0.1", port=settings.port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the portal did not start")
        time.sleep(0.05)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield {"base": f"http://127.0.0.1:{settings.port}", "accounts": accounts, "browser": browser,
                   "tmp": data}  # fmt: skip
        finally:
            browser.close()
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture
def session(served: dict[str, Any], tmp_path: Path) -> Iterator[Session]:
    s = Session(served, tmp_path)
    yield s
    s.close()


def _new(served: dict[str, Any], tmp_path: Path, name: str) -> Session:
    s = Session(served, tmp_path / name)
    (tmp_path / name).mkdir()
    return s


def test_auditor_grades_a_case_and_the_officer_reads_the_feedback(
    served: dict[str, Any], session: Session, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("ada", served["accounts"]["ada"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Case audits").click()
    page.get_by_label("Number of cases").fill("4")
    page.get_by_label("Cases from").fill("2025-01-01")
    page.get_by_label("Cases to").fill("2025-12-31")
    page.get_by_role("button", name="Draw sample").click()
    expect(page.locator("#sample tbody tr")).to_have_count(4)
    expect(page.get_by_role("link", name="PPN-7")).to_be_visible()
    session.axe()
    session.shot("case-audits")

    page.get_by_role("link", name="PPN-7").click()
    for area in ("Leadership", "Partnership working", "Initial response", "Risk assessment and referral"):
        page.get_by_role("group", name=area).get_by_label("Good").check()
    page.get_by_role("group", name="Investigation").get_by_label("Requires improvement").check()
    page.get_by_role("group", name="The case overall").get_by_label("Good").check()
    page.get_by_role("group", name="Was the voice of the child captured?").get_by_label("Yes").check()
    page.get_by_label("The child's own words").check()
    page.get_by_label("Officer to receive feedback").select_option("owen")
    page.get_by_label("Team", exact=True).fill("Bournemouth MASH")
    page.get_by_label("Feedback to the officer").fill("Aisha's own words recorded well; chase the strategy meeting.")
    session.axe()
    session.shot("case-audit-form")
    page.get_by_role("button", name="Complete audit").click()
    expect(page.get_by_text("Aisha's own words recorded well")).to_be_visible()
    page.get_by_role("link", name="Case audits").first.click()
    page.get_by_role("link", name="See the trends by area and team").click()
    expect(page.get_by_role("cell", name="Bournemouth MASH")).to_be_visible()
    session.axe()
    session.shot("audit-trends")

    officer = _new(served, tmp_path, "owen")
    try:
        officer.sign_in("owen", served["accounts"]["owen"])
        expect(officer.page.get_by_role("heading", name="Audit feedback for you")).to_be_visible()
        expect(officer.page.get_by_text("chase the strategy meeting")).to_be_visible()
        officer.shot("audit-feedback")
    finally:
        officer.close()


def test_gold_group_records_a_recommendation_and_uploads_evidence(
    served: dict[str, Any], session: Session, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("gina", served["accounts"]["gina"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Gold Group").click()
    page.get_by_label("Inspection").fill("HMICFRS national child protection inspection 2026")
    page.get_by_label("Report published on").fill("2026-01-10")
    page.get_by_label("Reference").fill("R1")
    page.get_by_label("Recommendation", exact=True).fill("Record the voice of the child in every PPN.")
    page.get_by_label("Within three months").check()
    page.get_by_role("button", name="Record recommendation").click()
    expect(page.get_by_role("heading", name="Recommendation R1")).to_be_visible()
    page.get_by_label("Action", exact=True).fill("Brief every response team on the voice of the child")
    page.get_by_label("Owner").fill("Supt Lane")
    page.get_by_label("Due on").fill("2026-03-01")
    page.get_by_role("button", name="Add action").click()
    page.get_by_text("Update this action").click()
    evidence = tmp_path / "briefing-register.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Evidence file").set_input_files(str(evidence))
    page.get_by_label("What it shows").fill("Register of officers briefed")
    page.get_by_role("button", name="Upload evidence").click()
    expect(page.get_by_role("link", name="briefing-register.pdf")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="briefing-register.pdf").click()
    assert Path(download.value.path()).read_bytes() == PDF
    page.get_by_role("link", name="Gold Group").first.click()
    page.get_by_label("Notes").fill("Post-inspection review, first meeting")
    page.get_by_role("button", name="Meeting held now").click()
    page.get_by_role("link", name="R1").first.click()
    page.get_by_text("Update this action").click()
    page.get_by_label("RAG status").first.select_option("red")
    page.get_by_label("Progress note").fill("Two teams still to brief")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Two teams still to brief")).to_be_visible()
    session.axe()
    session.shot("gold-recommendation")
    page.get_by_role("link", name="Gold Group").first.click()
    expect(page.locator("#overdue").locator("xpath=following-sibling::table[1]")).to_contain_text("Supt Lane")
    expect(page.locator("#changes").locator("xpath=following-sibling::ul[1]")).to_contain_text("from “amber” to “red”")
    session.axe()
    session.shot("gold-dashboard")


def test_scrutiny_panel_and_the_invited_partner(served: dict[str, Any], session: Session, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("sam", served["accounts"]["sam"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Panels").click()
    page.get_by_label("Title").fill("Quarterly missing-children scrutiny panel")
    page.get_by_label("Meeting date").fill(datetime.now(UTC).date().isoformat())
    page.get_by_role("button", name="Schedule").click()
    page.get_by_label("Case (newest first)").select_option("missing:MISS-120")
    page.get_by_role("button", name="Add case").click()
    page.get_by_label("Partner user").select_option("pat")
    page.get_by_role("button", name="Invite").click()
    page.get_by_label("Action", exact=True).check()
    page.get_by_label("Text").fill("Offer every return home interview within 72 hours")
    page.get_by_label("Owner (actions)").fill("BCP Children's Services")
    page.get_by_label("Due on (actions)").fill("2027-01-31")
    page.get_by_role("button", name="Record").click()
    page.get_by_label("Learning summary").fill("Return interviews were late in two of three cases.")
    page.get_by_role("button", name="Save summary").click()
    expect(page.locator("p.learning")).to_have_text("Return interviews were late in two of three cases.")
    session.axe()
    session.shot("panel")
    page.get_by_role("link", name="Panel pack (printable)").click()
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    session.shot("panel-pack")
    page.pdf(path=str(tmp_path / "panel-pack.pdf"))  # the browser's own Save as PDF
    assert (tmp_path / "panel-pack.pdf").read_bytes().startswith(b"%PDF")

    partner = _new(served, tmp_path, "pat")
    try:
        partner.sign_in("pat", served["accounts"]["pat"])
        partner.page.get_by_role("navigation", name="Main").get_by_role("link", name="Panels").click()
        partner.page.get_by_role("link", name="Quarterly missing-children scrutiny panel").click()
        expect(partner.page.get_by_role("link", name="Aisha Khan")).to_be_visible()
        expect(partner.page.get_by_role("heading", name="Record a finding or an action")).to_have_count(0)
        partner.axe()
        partner.shot("panel-partner")
        partner.page.get_by_role("link", name="Aisha Khan").click()
        expect(partner.page.get_by_role("heading", name="Aisha Khan")).to_be_visible()
        partner.page.goto(partner.base + "/shared/P-0001")
        expect(partner.page.get_by_role("heading", name="Page not found")).to_be_visible()
    finally:
        partner.close()
    other = _new(served, tmp_path, "quinn")
    try:
        other.sign_in("quinn", served["accounts"]["quinn"])
        other.page.goto(other.base + "/panels")
        expect(other.page.get_by_text("You have not been invited to a panel.")).to_be_visible()
        other.page.goto(other.base + "/shared/P-0002")
        expect(other.page.get_by_role("heading", name="Page not found")).to_be_visible()
    finally:
        other.close()


def test_problem_solving_plan_and_outcomes(served: dict[str, Any], session: Session, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("lou", served["accounts"]["lou"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Problem-solving").click()
    page.get_by_label("Title").fill("Oak House: children going missing")
    page.get_by_label("About").select_option("place:L-HOME")
    page.get_by_label("The problem").fill("Five episodes from the home in five months, most to the bus station.")
    page.get_by_label("Plan starts on").fill("2025-06-15")
    page.get_by_role("button", name="Open plan").click()
    expect(page.get_by_role("heading", name="Oak House: children going missing")).to_be_visible()
    page.get_by_label("Person id, place ref or record ref").fill("P-0002")
    page.get_by_label("Kind").select_option("child")
    page.get_by_role("button", name="Link").click()
    # SARA moves one stage at a time (scanning, analysis, response, assessment).
    page.get_by_label("Stage").select_option("analysis")
    page.get_by_label("What was found or decided").fill("Most episodes end at the bus station")
    page.get_by_role("button", name="Change stage").click()
    page.get_by_label("Stage").select_option("response")
    page.get_by_label("What was found or decided").fill("Return interviews by one named worker")
    page.get_by_role("button", name="Change stage").click()
    page.get_by_label("Intervention").fill("Weekly visits by the neighbourhood team")
    page.get_by_label("Owner").fill("PC Reed")
    page.get_by_label("Started on").fill("2025-06-20")
    page.get_by_role("button", name="Record intervention").click()
    row = page.locator("#before-after tr", has_text="Children reported missing from the linked places")
    expect(row).to_contain_text("0.5")
    expect(row).to_contain_text("0.3")
    page.get_by_text("Show the months").click()
    session.axe()
    session.shot("problem-plan")

    gold = _new(served, tmp_path, "gwen")
    try:
        gold.sign_in("gwen", served["accounts"]["gwen"])
        gold.page.get_by_role("navigation", name="Main").get_by_role("link", name="Outcomes").click()
        expect(gold.page.get_by_role("heading", name="Return home interviews within 72 hours")).to_be_visible()
        expect(gold.page.locator("#not-computed")).to_contain_text("PPN quality")
        gold.axe()
        gold.shot("outcomes")
    finally:
        gold.close()
