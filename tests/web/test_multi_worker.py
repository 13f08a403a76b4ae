"""The portal as several processes: `safeguarding serve --workers 2`, twice, on one app database.

Two servers, each with two uvicorn worker processes, share the app database (SQLite and PostgreSQL).
A request to server A and one to server B are always served by different processes, so a login
made on A and used on B, or failures split between A and B that add up to a lockout, show that
sessions and lockouts live in the database and not in a process. Concurrent audited requests spread
over all four workers must leave one unbroken audit chain with no entry lost.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import audit, users
from safeguarding.security.models import AuditEntry
from safeguarding.workflow import access

pytestmark = pytest.mark.slow

SAFEGUARDING = Path(sys.executable).with_name("safeguarding")
PASSWORD = "a long and private passphrase"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def empty_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _workers(pid: int) -> list[int]:
    """The uvicorn worker processes under ``pid`` (not multiprocessing's resource tracker)."""
    found = []
    for child in _children(pid):
        try:
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(child)
        except OSError:
            continue
    return found


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name is in brackets and may hold spaces: the parent pid is the 2nd field after it.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


@dataclass
class Server:
    base: str
    process: subprocess.Popen[bytes]


def _env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "SAFEGUARDING_DATA_DIR": str(settings.data_dir),
        "SAFEGUARDING_DATABASE_URL": settings.app_database_url,
        "SAFEGUARDING_QUIET": "1",
    }


def _start(settings: Settings, log: Path) -> Server:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(SAFEGUARDING), "serve", "--port", str(port), "--workers", "2"],
            env=_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Server(f"http://127.0.0.1:{port}", process)


def _wait_ready(server: Server, log: Path) -> None:
    deadline = time.monotonic() + 300
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"the portal exited: {log.read_text()[-2000:]}")
        try:
            if (
                httpx.get(server.base + "/login", timeout=5).status_code == 200
                and len(_workers(server.process.pid)) >= 2
            ):
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"the portal did not start: {log.read_text()[-2000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, make_snapshot: Callable[[Path], None]
) -> Iterator[tuple[Settings, Server, Server]]:
    """Two servers with two workers each on one app database (SQLite, then PostgreSQL), for the module."""
    folder = tmp_path_factory.mktemp(f"workers-{request.param}")
    url = f"sqlite:///{folder / 'app.sqlite3'}"
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        empty_postgres(url)
    settings = Settings(data_dir=folder / "data", database_url=url)
    make_snapshot(settings.snapshot_dir)
    db.upgrade(settings.app_database_url)
    servers = [_start(settings, folder / f"server-{n}.log") for n in range(2)]
    try:
        for n, server in enumerate(servers):
            _wait_ready(server, folder / f"server-{n}.log")
            # uvicorn's supervisor and its two workers: two worker processes under each server.
            assert len(_workers(server.process.pid)) == 2
        yield settings, servers[0], servers[1]
    finally:
        for server in servers:
            server.process.send_signal(signal.SIGTERM)
        for server in servers:
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def _login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    page = client.get("/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": _csrf(page.text), "next": "/alerts"},
    )


def _client(server: Server, cookies: httpx.Cookies | None = None) -> httpx.Client:
    return httpx.Client(base_url=server.base, timeout=60, cookies=cookies)


def _ready_user(settings: Settings, server: Server, username: str, roles: tuple[str, ...]) -> httpx.Cookies:
    """Create ``username``, sign in on ``server`` and replace the one-time password; the session's cookies."""
    factory = db.session_factory(db.make_engine(settings.app_database_url))
    try:
        _info, one_time = users.add_user(factory, username, roles, username.title())
    finally:
        factory.kw["bind"].dispose()
    with _client(server) as client:
        assert _login(client, username, one_time).status_code == 303
        page = client.get("/change-password")
        changed = client.post(
            "/change-password",
            data={"current_password": one_time, "new_password": PASSWORD, "confirm_password": PASSWORD,
                  "csrf_token": _csrf(page.text)},
        )  # fmt: skip
        assert changed.status_code == 303
        return client.cookies


def test_sessions_and_lockout_hold_across_processes(served: tuple[Settings, Server, Server]) -> None:
    settings, a, b = served
    cookies = _ready_user(settings, a, "olivia", ("safeguarding_officer",))

    # A session made by server A's workers is good on server B's.
    with _client(b, cookies) as on_b:
        page = on_b.get("/alerts")
        assert page.status_code == 200 and "Olivia" in page.text
        # Signing out on B ends it on A too.
        on_b.post("/logout", data={"csrf_token": _csrf(page.text)})
    with _client(a, cookies) as on_a:
        gone = on_a.get("/alerts")
        assert gone.status_code == 303 and gone.headers["location"].startswith("/login")

    # Five wrong passwords, alternating between the servers, lock the account on both.
    for n in range(5):
        with _client((a, b)[n % 2]) as client:
            failed = _login(client, "olivia", f"wrong guess {n}")
        assert failed.status_code in (200, 400, 401, 423)
    for server in (a, b):
        with _client(server) as client:
            refused = _login(client, "olivia", PASSWORD)
            assert refused.status_code != 303, "the right password got in while the account is locked"
            assert "locked" in refused.text.lower()

    # Concurrent wrong guesses on all four workers still count one by one: none is lost.
    _ready_user(settings, b, "lou", ("analyst",))
    with ThreadPoolExecutor(max_workers=5) as pool:
        list(pool.map(lambda n: _login(_client((a, b)[n % 2]), "lou", f"guess {n}"), range(5)))
    with _client(a) as client:
        assert "locked" in _login(client, "lou", PASSWORD).text.lower()
    factory = db.session_factory(db.make_engine(settings.app_database_url))
    try:
        info = users.get_user(factory, "lou")
        assert info is not None and info.locked_until is not None
    finally:
        factory.kw["bind"].dispose()


def test_audit_chain_holds_under_concurrent_writes(served: tuple[Settings, Server, Server]) -> None:
    settings, a, b = served
    sessions = []
    factory = db.session_factory(db.make_engine(settings.app_database_url))
    try:
        for n in range(4):
            username = f"officer{n}"
            sessions.append(_ready_user(settings, (a, b)[n % 2], username, ("safeguarding_officer",)))
            access.give_reason(factory, username=username, person_id="P-0002", reason="concurrency test")
        with factory() as session:
            before = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        factory.kw["bind"].dispose()

    urls = ["/search?name=jayden", "/people/P-0002", "/alerts", "/search?name=aisha+khan"]
    searches = sum(1 for n in range(120) if urls[n % len(urls)].startswith("/search"))
    errors: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        # Each thread uses one user's session on one server, the next on the other.
        with _client((a, b)[n % 2], sessions[n % len(sessions)]) as client:
            for k in range(n, 120, 12):
                url = urls[k % len(urls)]
                response = client.get(url)
                if response.status_code != 200:
                    with lock:
                        errors.append(f"{url}: {response.status_code}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    engine = db.make_engine(settings.app_database_url)
    try:
        with db.session_factory(engine)() as session:
            result = audit.verify(session)
            assert result.ok, result
            total = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
            logged = session.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.id > before, AuditEntry.action == "search")
            ).scalar_one()
    finally:
        engine.dispose()
    assert logged == searches  # every search landed in the chain exactly once
    assert total >= before + 120
    assert result.entries == total

    # The command an auditor runs says the same.
    verified = subprocess.run(
        [str(SAFEGUARDING), "audit", "verify"], env=_env(settings), capture_output=True, text=True, timeout=120
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert str(total) in verified.stdout
