"""The portal as people use it: the real server on a free port, driven by Debian's Chromium.

One server and one browser serve the whole module. Screenshots of the main pages go to the test's
output folder (and to $SAFEGUARDING_SCREENSHOT_DIR when set: docs/images is made that way), and
axe-core (vendored) checks each main page for WCAG 2.2 AA problems.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.security.policy import SecurityPolicy
from safeguarding.snapshot import store
from safeguarding.web import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a long and private passphrase"
AXE = "/static/vendor/axe-core/axe.min.js"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _publish_with_network_and_places(snapshot_dir: Path, make_snapshot: Callable[[Path], None]) -> None:
    """The fixture snapshot plus a network, places and area values (tables the assess stage fills)."""
    make_snapshot(snapshot_dir)
    source = store.current(snapshot_dir).path
    with store.build(snapshot_dir) as con:
        con.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        for table in ("persons", "mentions", "missing_episodes", "indicators", "indicator_evidence", "alerts",
                      "alert_evidence", "person_phones", "person_vehicles"):  # fmt: skip
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        con.execute("DETACH old")
        con.execute("INSERT INTO persons VALUES ('P-0003', 'Dean Cole', 'Dean', 'Cole', '1990-01-01', 'M', false, 1)")
        con.execute(
            "INSERT INTO network_edges (person_l, person_r, link_types, record_count, weight) VALUES "
            "('P-0001', 'P-0002', 'missing together', 3, 3), ('P-0001', 'P-0003', 'phone', 2, 2), "
            "('P-0002', 'P-0003', 'address', 1, 1)"
        )
        con.execute(
            "INSERT INTO places (location_ref, place_name, place_type, latitude, longitude, lsoa_code, event_count,"
            " child_count, concern_reasons, is_concern) VALUES ('L-1', 'Bournemouth bus station', 'station', 50.7265,"
            " -1.8640, 'E01015234', 7, 3, '3 children found here after going missing', true)"
        )
        con.execute(
            "INSERT INTO place_events (location_ref, record_type, record_ref, person_id, kind) VALUES "
            "('L-1', 'missing_episode', 'MISS-101', 'P-0001', 'found')"
        )
        con.execute(
            "INSERT INTO lsoa_areas (lsoa_code, lsoa_name, event_count, child_count, places_of_concern) VALUES "
            "('E01015234', 'Bournemouth 020A', 12, 3, 1), ('E01015235', 'Bournemouth 020B', 4, 1, 0)"
        )


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium: Path, make_snapshot: Callable[[Path], None]
) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("portal-data")
    settings = Settings(data_dir=data, port=_free_port())
    _publish_with_network_and_places(settings.snapshot_dir, make_snapshot)
    factory = open_app_db(settings)
    accounts = {}
    for name, role, agency in (("olivia", "safeguarding_officer", None), ("gill", "gold_group", None),
                               ("pat", "partner", "bcp-csc"), ("lou", "analyst", None)):  # fmt: skip
        accounts[name] = users.add_user(factory, name, [role], name.title(), agency=agency)[1]
    factory.kw["bind"].dispose()
    app = create_app(settings, SecurityPolicy())
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_level="warning"))
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
            yield {"base": f"http://127.0.0.1:{settings.port}", "accounts": accounts, "browser": browser}
        finally:
            browser.close()
            server.should_exit = True
            thread.join(timeout=10)


class Session:
    """One user's browser context, with screenshot and accessibility helpers."""

    def __init__(self, served: dict[str, Any], out: Path) -> None:
        self.base = served["base"]
        self.context = served["browser"].new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.out = out

    def shot(self, name: str) -> None:
        path = self.out / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000
        if folder := os.environ.get("SAFEGUARDING_SCREENSHOT_DIR"):
            Path(folder).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(folder) / path.name)

    def axe(self) -> None:
        """No WCAG 2.0/2.1/2.2 A or AA violations on the page as it stands."""
        self.page.add_script_tag(url=self.base + AXE)
        result = self.page.evaluate(
            "() => axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']})"
        )
        problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
        assert problems == [], problems

    def sign_in(self, username: str, password: str) -> None:
        from playwright.sync_api import expect

        self.page.goto(self.base + "/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        if self.page.url.endswith("/change-password"):
            self.page.get_by_label("Current password").fill(password)
            self.page.get_by_label("New password", exact=True).fill(PASSWORD)
            self.page.get_by_label("New password again").fill(PASSWORD)
            self.page.get_by_role("button", name="Change password").click()
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def close(self) -> None:
        self.context.close()
        # A CSP violation (an inline script or style slipping in) shows up as a console error. Refused
        # sign-ins (401) and refused pages (403, 404) are expected answers, logged by the browser too.
        expected = ("status of 401", "status of 403", "status of 404")
        assert [e for e in self.errors if not any(x in e for x in expected)] == []


@pytest.fixture
def session(served: dict[str, Any], tmp_path: Path) -> Iterator[Session]:
    s = Session(served, tmp_path)
    yield s
    s.close()


def test_login_and_lockout(served: dict[str, Any], session: Session) -> None:
    from playwright.sync_api import expect

    page = session.page
    page.goto(session.base + "/")
    expect(page).to_have_url(session.base + "/login?next=/")
    expect(page.get_by_text("SYNTHETIC DATA — demonstration only")).to_be_visible()
    session.axe()
    session.shot("login")
    for _ in range(5):
        page.get_by_label("Username").fill("lou")
        page.get_by_label("Password").fill("not the password at all")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("locked for 15 minutes")
    # Even the right password is refused while locked.
    page.get_by_label("Username").fill("lou")
    page.get_by_label("Password").fill(served["accounts"]["lou"])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("locked")


def test_officer_reviews_an_alert_opens_the_child_and_searches(served: dict[str, Any], session: Session) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("olivia", served["accounts"]["olivia"])
    expect(page).to_have_url(session.base + "/home")
    expect(page.get_by_text("Alerts raised per week, by category")).to_be_visible()
    session.axe()
    session.shot("home")

    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("link", name="Repeat missing episodes")).to_be_visible()
    page.get_by_label("Category").select_option("missing")
    expect(page).to_have_url(session.base + "/alerts?category=missing&status=open&assigned=any&sort=newest")
    expect(page.get_by_role("link", name="Aisha Khan")).to_have_count(0)
    session.axe()
    session.shot("alerts")

    page.get_by_role("link", name="Repeat missing episodes").click()
    page.get_by_role("button", name="Assign to me").click()
    page.get_by_label("Strategy discussion").check()
    page.get_by_label("Reason").fill("Two episodes in six weeks; found at the bus station each time")
    session.axe()
    session.shot("alert-review")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("found at the bus station each time")).to_be_visible()

    # Taken by me (not assigned by a supervisor), so the child still asks why (#26); the network and map
    # are drawn.
    page.get_by_role("link", name="Jayden Smith").first.click()
    expect(page.get_by_role("heading", name="Why do you need this record?")).to_be_visible()
    page.get_by_label("Reason for access").fill("Reviewing the repeat missing alert I took")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Jayden Smith", level=1)).to_be_visible()
    expect(page.get_by_text("Opened: Reviewing the repeat missing alert I took")).to_be_visible()
    expect(page.locator("#person-network[data-drawn='3']")).to_have_count(1)
    expect(page.locator("#person-network canvas").first).to_be_visible()
    expect(page.locator("#person-map[data-drawn]")).to_have_count(1)
    expect(page.locator("#person-map path.leaflet-interactive").first).to_be_attached()
    page.get_by_text("The links as a list (3)").click()
    session.axe()
    session.shot("child")

    # Someone not in my queue: the search finds her, and opening her asks why.
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Name").fill("aisha kahn")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Aisha Khan")).to_be_visible()
    session.axe()
    session.shot("search")
    # A call handler with only a registration: part of it, any spacing, finds her and says what matched.
    page.get_by_label("Name").fill("")
    page.get_by_label("Vehicle registration").fill("ab12 cd")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="vehicle AB12CDE (2 records)")).to_be_visible()
    expect(page.get_by_role("link", name="Jayden Smith")).to_have_count(0)
    session.axe()
    session.shot("search-vehicle")
    page.get_by_role("link", name="Aisha Khan").click()
    expect(page.get_by_role("heading", name="Why do you need this record?")).to_be_visible()
    session.axe()
    page.get_by_label("Reason for access").fill("School called about Aisha this morning")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name="Aisha Khan", level=1)).to_be_visible()

    # Share Jayden's case with children's social care, for the partner test below.
    page.goto(session.base + "/people/P-0001#sharing")
    page.get_by_text("Share this case").click()
    page.get_by_label("Agency code").fill("bcp-csc")
    page.get_by_label("Reason for sharing").fill("Referral to the MASH")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.get_by_text("Shared with bcp-csc")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Network").click()
    expect(page.locator("#overview-network[data-drawn]")).to_have_count(1)
    session.shot("network")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Places").click()
    expect(page.locator("#places-map[data-drawn]")).to_have_count(1)
    expect(page.get_by_role("cell", name="Bournemouth bus station")).to_be_visible()
    session.axe()
    session.shot("places")


def test_refused_a_page_the_role_may_not_see(served: dict[str, Any], session: Session) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("gill", served["accounts"]["gill"])
    expect(page.get_by_text("Missing episodes reported per week")).to_be_visible()
    expect(page.get_by_text("My queue")).to_have_count(0)
    expect(page.get_by_role("link", name="Alerts", exact=True)).to_have_count(0)
    page.goto(session.base + "/people/P-0001")
    expect(page.get_by_role("heading", name="Not permitted")).to_be_visible()
    expect(page.get_by_text("Jayden")).to_have_count(0)
    session.shot("refused")


def test_partner_sees_only_the_shared_case(served: dict[str, Any], session: Session) -> None:
    from playwright.sync_api import expect

    page = session.page
    session.sign_in("pat", served["accounts"]["pat"])
    expect(page).to_have_url(session.base + "/shared")
    expect(page.get_by_role("link", name="Jayden Smith")).to_be_visible()
    expect(page.get_by_text("Aisha")).to_have_count(0)
    session.axe()
    page.get_by_role("link", name="Jayden Smith").click()
    expect(page.get_by_text("Referral to the MASH")).to_be_visible()
    session.axe()
    session.shot("partner-case")
    page.goto(session.base + "/shared/P-0002")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
