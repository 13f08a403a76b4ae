"""The app database: engine and session factory from a URL, the shared declarative Base, migrations.

The app database holds what people do (users, sessions, the audit log, workflow state); the
intelligence itself lives in the read-only snapshot. SQLite is the zero-set-up default and
PostgreSQL the at-scale store: both run the same models and the same Alembic migrations.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

# Arbitrary constant naming the PostgreSQL advisory lock that serialises migrations when several
# workers start at once.
_MIGRATION_LOCK_KEY = 0x5AFE_6001

# Execution option marking a connection whose transaction only reads (db.reading).
_READ_ONLY = "safeguarding_read_only"

# One lock per SQLite engine: writers in the same process queue here (see ``transaction``).
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITE_LOCK_WAIT_S = 30.0


class Base(DeclarativeBase):
    """Declarative base shared by every app-database model (security and workflow)."""


def normalise_url(url: str) -> str:
    """The URL with plain PostgreSQL schemes mapped to the psycopg 3 driver SQLAlchemy should use."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; on SQLite with foreign keys on, WAL, and write-locking transactions."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    _WRITE_LOCKS[engine] = threading.RLock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite so that the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers carry on while one writer holds the lock. In WAL mode synchronous=NORMAL
        # syncs at checkpoints rather than at every commit: the database cannot be corrupted, but a
        # power cut may lose the last moments of commits. Every page view commits an audit entry, so
        # syncing each one would cap a busy portal at the disk's sync rate; a force that needs every
        # entry on disk before the page is shown runs the app database on PostgreSQL.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Nearly every portal request writes (the audit log, the session's last activity). A deferred
        # transaction that later upgrades to a write fails at once with SQLITE_BUSY when another writer
        # got in first; BEGIN IMMEDIATE takes the write lock up front and waits (timeout above)
        # instead, which also makes the audit chain's read-then-append atomic. Transactions opened by
        # ``reading`` only read: they begin deferred and, in WAL mode, never wait for a writer.
        if conn.get_execution_options().get(_READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose loaded objects stay readable after commit (we hand plain data onwards)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def _queued_writer(factory: sessionmaker[Session]) -> Iterator[None]:
    """On SQLite, wait for this process's other writers on a lock before asking for the write lock.

    SQLite's own busy handler polls: a writer that finds the database locked sleeps 1, 2, 5 ... up to
    100 ms between tries, so under load a page waits far longer than the write it waits for (every
    page view appends to the audit log). Queued on a Python lock, the next writer starts the moment
    the last one commits. Writers in other processes still meet at SQLite's lock, as before. The lock
    is re-entrant and waited on for a bounded time, after which SQLite's own wait takes over, so it
    can delay a write but never deadlock one.
    """
    bind = factory.kw.get("bind")
    lock = _WRITE_LOCKS.get(bind) if isinstance(bind, Engine) else None
    if lock is None:
        yield
        return
    got = lock.acquire(timeout=_WRITE_LOCK_WAIT_S)
    try:
        yield
    finally:
        if got:
            lock.release()


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on clean exit, rolled back on error."""
    with _queued_writer(factory), factory() as session, session.begin():
        yield session


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction that only reads (ended, without commit, at the end).

    On SQLite it does not take the write lock (see make_engine), so reads in other requests and
    processes go on while one writer appends to the audit log; on PostgreSQL it is an ordinary
    transaction. Anything written through it is discarded.
    """
    with factory() as session:
        session.connection(execution_options={_READ_ONLY: True})
        # Closing the session ends the transaction (rolled back) and keeps loaded objects readable.
        yield session


@contextmanager
def migrated_factory(url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on the app database, migrated to the latest revision first; the engine is
    disposed of on exit. For short-lived command-line work."""
    upgrade(url)
    engine = make_engine(url)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Passing the live connection avoids putting the URL (and any password in it) through
    # configparser, which would also choke on '%' in passwords.
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the app database at ``url`` up to ``revision`` (default: the latest)."""
    from alembic import command

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_KEY})
            command.upgrade(_alembic_config(connection), revision)
            connection.commit()
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The migration revision the database at ``url`` is at, or None when it has none."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            revision: str | None = MigrationContext.configure(connection).get_current_revision()
            return revision
    finally:
        engine.dispose()
