"""Shared fixtures: the app database on SQLite and PostgreSQL, settings, a fixture snapshot, Chromium.

PostgreSQL tests run when SAFEGUARDING_TEST_POSTGRES_URL names a server (for example
postgresql://postgres@127.0.0.1:5432/test): one fresh, uniquely named database is created there for
the test session and dropped after. Without it they skip, unless SAFEGUARDING_REQUIRE_POSTGRES=1.
Browser tests need /usr/bin/chromium; without it they skip, unless SAFEGUARDING_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from argon2.profiles import CHEAPEST
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import passwords
from safeguarding.snapshot import store

# Production Argon2 costs 64 MiB and three passes per hash (about 0.1-1 s here); the suite hashes hundreds of
# passwords, so it uses argon2-cffi's cheapest parameters in this process. Subprocesses (the CLI run as a
# command, multi-worker servers) keep the production ones; test_passwords.py checks those in a fresh interpreter.
passwords.use_parameters(CHEAPEST)

CHROMIUM = Path("/usr/bin/chromium")


def _skip_or_fail(reason: str, require_var: str) -> None:
    if os.environ.get(require_var) == "1":
        pytest.fail(f"{reason} (and {require_var}=1 requires it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a fresh database on the PostgreSQL server named by SAFEGUARDING_TEST_POSTGRES_URL."""
    server = os.environ.get("SAFEGUARDING_TEST_POSTGRES_URL")
    if not server:
        _skip_or_fail("SAFEGUARDING_TEST_POSTGRES_URL is not set", "SAFEGUARDING_REQUIRE_POSTGRES")
        raise AssertionError("unreachable")
    name = f"safeguarding_test_{secrets.token_hex(6)}"
    admin = create_engine(db.normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as con:
        con.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(db.normalise_url(server)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as con:
            con.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty app database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'app.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite app database migrated to head once per run: running every migration costs about a second
    per test here, copying this file a few milliseconds (the migrations themselves: test_migrations.py)."""
    path = tmp_path_factory.mktemp("app-db-template") / "app.sqlite3"
    db.upgrade(f"sqlite:///{path}")
    return path


def _premigrate(app_db_url: str, template: Path) -> None:
    """Put the migrated copy in place of a new SQLite app database (PostgreSQL ones migrate as before)."""
    url = make_url(app_db_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        shutil.copyfile(template, url.database)


@pytest.fixture
def factory(app_db_url: str, _migrated_sqlite: Path) -> Iterator[sessionmaker[Session]]:
    """A session factory on the migrated app database."""
    _premigrate(app_db_url, _migrated_sqlite)
    db.upgrade(app_db_url)
    engine = db.make_engine(app_db_url)
    yield db.session_factory(engine)
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, app_db_url: str, _migrated_sqlite: Path) -> Settings:
    """Settings on a fresh data folder and an app database already at head (the code still upgrades it)."""
    _premigrate(app_db_url, _migrated_sqlite)
    return Settings(data_dir=tmp_path / "data", database_url=app_db_url)


def _utc(text_value: str) -> datetime:
    return datetime.fromisoformat(text_value).replace(tzinfo=UTC)


def build_fixture_snapshot(snapshot_dir: Path) -> None:
    """Publish a small snapshot: two children (one with two spellings, two missing episodes, two indicators
    and an alert; one with an alert of another kind)."""
    with store.build(snapshot_dir) as con:
        # The assessment's moment, as every built snapshot records it (the pages' "now").
        con.execute("INSERT INTO snapshot_meta VALUES ('assessed_as_of', '2025-07-13T00:00:00+00:00')")
        con.executemany(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ["P-0001", "Jayden Smith", "Jayden", "Smith", date(2010, 3, 14), "M", True, 2],
                ["P-0002", "Aisha Khan", "Aisha", "Khan", date(2009, 11, 2), "F", True, 1],
            ],
        )
        con.executemany(
            "INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ["niche", "N-17", "P-0001", "Jayden", "Smith", date(2010, 3, 14), "M", "BH1 1AA", "L1"],
                ["compact", "C-4", "P-0001", "Jaden", "Smyth", date(2010, 3, 14), "M", "BH1 1AA", "L1"],
                ["niche", "N-23", "P-0002", "Aisha", "Khan", date(2009, 11, 2), "F", "BH2 5XY", "L1"],
            ],
        )
        con.executemany(
            "INSERT INTO missing_episodes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                ["MISS-101", "P-0001", "compact", "C-4", _utc("2025-06-01T21:30:00"),
                 _utc("2025-06-02T08:00:00"), "medium", "Home address", "Bournemouth bus station", None],
                ["MISS-102", "P-0001", "compact", "C-4", _utc("2025-07-12T19:00:00"), None, "high",
                 "Children's home", None, None],
            ],
        )  # fmt: skip
        con.execute(
            "INSERT INTO alerts (alert_id, person_id, rule_id, rule_version, category, title, raised_at, summary,"
            " evidence_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["A-1", "P-0001", "missing.repeat", 1, "missing", "Repeat missing episodes",
             _utc("2025-07-12T20:15:00"), "Two missing episodes in six weeks.", 2],
        )  # fmt: skip
        con.execute(
            "INSERT INTO alerts (alert_id, person_id, rule_id, rule_version, category, title, raised_at, summary,"
            " evidence_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            ["A-2", "P-0002", "exploitation.older_associate", 1, "exploitation", "Older associate",
             _utc("2025-07-01T10:00:00"), "Seen twice with an adult linked to exploitation.", 1],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO alert_evidence VALUES (?, ?, ?)",
            [["A-1", "missing_episode", "MISS-101"], ["A-1", "missing_episode", "MISS-102"],
             ["A-2", "intelligence_log", "INT-9"]],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO indicators (indicator_id, person_id, rule_id, rule_version, category, title, fired_at, weight,"
            " explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [["I-1", "P-0001", "missing.repeat", 1, "missing", "Repeat missing", _utc("2025-07-12T20:15:00"), 3.0,
              "2 episodes in 90 days"],
             ["I-2", "P-0001", "missing.found_far", 1, "missing", "Found far from home", _utc("2025-06-02T08:00:00"),
              1.5, "Found 12 km from home"]],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO indicator_evidence VALUES (?, ?, ?)",
            [["I-1", "missing_episode", "MISS-101"], ["I-1", "missing_episode", "MISS-102"],
             ["I-2", "missing_episode", "MISS-101"]],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO person_phones VALUES (?, ?, ?, ?, ?)",
            [["P-0001", "07700900123", "niche", "N-17", _utc("2025-05-01T10:00:00")],
             ["P-0002", "07700900456", "niche", "N-23", _utc("2025-05-02T10:00:00")]],
        )  # fmt: skip
        con.executemany(
            "INSERT INTO person_vehicles VALUES (?, ?, ?, ?, ?)",
            [["P-0002", "AB12CDE", "incidents", "INC-7", _utc("2025-06-20T23:10:00")],
             ["P-0002", "AB12CDE", "intelligence_logs", "INT-9", _utc("2025-06-30T12:00:00")]],
        )  # fmt: skip


@pytest.fixture(scope="session")
def make_snapshot() -> Callable[[Path], None]:
    """The function that publishes the fixture snapshot into a snapshot folder."""
    return build_fixture_snapshot


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, which Playwright drives (its own browser download does not work here)."""
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing (apt-get install -y chromium)", "SAFEGUARDING_REQUIRE_BROWSER")
    return CHROMIUM


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _csrf_from(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


@pytest.fixture(scope="session")
def csrf_from() -> Callable[[str], str]:
    """The function that finds the CSRF token in a rendered form."""
    return _csrf_from
