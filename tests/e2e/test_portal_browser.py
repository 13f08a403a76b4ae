"""The portal as a user meets it: the real server on a free port, driven by Chromium."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
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
NEW_PASSWORD = "a long and private passphrase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, chromium: Path, make_snapshot: Callable[[Path], None]
) -> Iterator[tuple[str, str]]:
    """The portal on 127.0.0.1:<free port> with the fixture snapshot and user 'olivia' (one-time password)."""
    data = tmp_path_factory.mktemp("portal-data")
    settings = Settings(data_dir=data, port=_free_port())
    make_snapshot(settings.snapshot_dir)
    factory = open_app_db(settings)
    _info, one_time = users.add_user(factory, "olivia", ["safeguarding_officer"], "Olivia Officer")
    factory.kw["bind"].dispose()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=settings.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the portal did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.port}", one_time
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_sign_in_change_password_see_alert_and_child(served: tuple[str, str], chromium: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, one_time = served
    console_errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.goto(base + "/")
            expect(page).to_have_url(base + "/login?next=/alerts")
            expect(page.get_by_text("SYNTHETIC DATA — demonstration only")).to_be_visible()
            page.screenshot(path=str(tmp_path / "login.png"), full_page=True)

            page.get_by_label("Username").fill("olivia")
            page.get_by_label("Password").fill(one_time)
            page.get_by_role("button", name="Sign in").click()
            expect(page).to_have_url(base + "/change-password")
            page.get_by_label("Current password").fill(one_time)
            page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
            page.get_by_label("New password again").fill(NEW_PASSWORD)
            page.get_by_role("button", name="Change password").click()

            expect(page).to_have_url(base + "/alerts")
            expect(page.get_by_role("cell", name="Repeat missing episodes")).to_be_visible()
            page.screenshot(path=str(tmp_path / "alerts.png"), full_page=True)

            # The category filter swaps the table in place through htmx.
            page.get_by_label("Category").select_option("missing")
            expect(page).to_have_url(base + "/alerts?category=missing")
            expect(page.get_by_role("link", name="Jayden Smith")).to_be_visible()

            page.get_by_role("link", name="Jayden Smith").click()
            expect(page).to_have_url(base + "/people/P-0001")
            expect(page.get_by_role("heading", name="Jayden Smith", level=1)).to_be_visible()
            expect(page.get_by_role("cell", name="MISS-101")).to_be_visible()
            expect(page.get_by_role("cell", name="MISS-102")).to_be_visible()
            expect(page.get_by_role("cell", name="Smyth")).to_be_visible()
            page.get_by_text("Evidence (2 records)").click()
            page.screenshot(path=str(tmp_path / "child.png"), full_page=True)

            page.get_by_role("button", name="Sign out").click()
            expect(page).to_have_url(base + "/login")
        finally:
            browser.close()
    # A CSP violation (an inline script or style slipping in) shows up as a console error.
    assert console_errors == []
    assert all((tmp_path / f"{name}.png").stat().st_size > 10_000 for name in ("login", "alerts", "child"))
