"""Copying the app database out and back: SQLite's online backup API, or pg_dump / pg_restore.

SQLite: ``sqlite3.Connection.backup`` copies a consistent image page by page while the portal keeps
writing (WAL mode); the copy is an ordinary database file. PostgreSQL: ``pg_dump --format=custom``
(one transaction, so one consistent moment) and ``pg_restore`` into an empty database. The client
programs must be installed (package ``postgresql-client``, the server's major version or newer).
Passwords go to them through ``PGPASSWORD``, never on the command line.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import inspect, make_url, text
from sqlalchemy.engine import URL

from safeguarding import db
from safeguarding.recovery.faults import DataFault, writing

SQLITE_FILE = "app.sqlite3"
PG_FILE = "app.pgdump"


class AppDatabaseError(RuntimeError):
    """The app database cannot be backed up or restored as asked (the message says why)."""


@dataclass(frozen=True)
class AuditMark:
    """How far the audit chain reached in a backup: the last entry's id and hash."""

    last_id: int
    last_hash: str


def kind(url: str) -> str:
    return "sqlite" if make_url(db.normalise_url(url)).get_backend_name() == "sqlite" else "postgresql"


def sqlite_path(url: str) -> Path:
    database = make_url(db.normalise_url(url)).database
    if not database or database == ":memory:":
        raise AppDatabaseError(f"the app database {url!r} is not a file")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL without the password, and the environment that carries it."""
    parsed = make_url(db.normalise_url(url))
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql", username=parsed.username, host=parsed.host, port=parsed.port, database=parsed.database,
        query=parsed.query,
    )  # fmt: skip
    return plain.render_as_string(hide_password=False), env


def _client(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise AppDatabaseError(
            f"{program} is not installed: install the PostgreSQL client programs (Debian: postgresql-client) of "
            "the server's major version or newer"
        )
    return found


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise AppDatabaseError(f"{what} failed: {detail[-1] if detail else f'exit {done.returncode}'}")


def backup(url: str, dest_dir: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Write a consistent copy of the app database into ``dest_dir``; returns the file written."""
    if kind(url) == "sqlite":
        source = sqlite_path(url)
        if not source.exists():
            raise AppDatabaseError(f"the app database {source} does not exist")
        target = dest_dir / SQLITE_FILE
        with writing(target):
            src = sqlite3.connect(source, timeout=30)
            dst = sqlite3.connect(target)
            try:
                # 1,024 pages a step: other writers get the database between steps.
                src.backup(dst, pages=1024, progress=(lambda _s, left, total: progress(total - left, total))
                           if progress else None)  # fmt: skip
            finally:
                dst.close()
                src.close()
        return target
    target = dest_dir / PG_FILE
    conninfo, env = _libpq(url)
    with writing(target):
        _run([_client("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target),
              "--dbname", conninfo], env, "pg_dump")  # fmt: skip
    return target


def audit_mark(url: str) -> AuditMark:
    """The audit chain's head in the database at ``url``."""
    engine = db.make_engine(url)
    try:
        with engine.connect() as con:
            row = con.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    finally:
        engine.dispose()
    return AuditMark(int(row[0]), str(row[1])) if row else AuditMark(0, "0" * 64)


def entry_hash(url: str, entry_id: int) -> str | None:
    engine = db.make_engine(url)
    try:
        with engine.connect() as con:
            row = con.execute(text("SELECT hash FROM audit_log WHERE id = :i"), {"i": entry_id}).first()
    finally:
        engine.dispose()
    return str(row[0]) if row else None


def is_empty(url: str) -> bool:
    """True when the database at ``url`` has no tables (or, for SQLite, no file)."""
    if kind(url) == "sqlite":
        path = sqlite_path(url)
        if not path.exists() or path.stat().st_size == 0:
            return True
    engine = db.make_engine(url)
    try:
        with engine.connect() as con:
            return not inspect(con).get_table_names()
    finally:
        engine.dispose()


def clear(url: str) -> None:
    """Remove everything from the database at ``url`` (restore --force)."""
    if kind(url) == "sqlite":
        path = sqlite_path(url)
        for extra in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
            extra.unlink(missing_ok=True)
        return
    engine = db.make_engine(url)
    try:
        with engine.begin() as con:
            con.execute(text("DROP SCHEMA public CASCADE"))
            con.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def restore(backup_file: Path, url: str) -> None:
    """Load ``backup_file`` (app.sqlite3 or app.pgdump) into the empty database at ``url``."""
    source_kind = "sqlite" if backup_file.name == SQLITE_FILE else "postgresql"
    target_kind = kind(url)
    if source_kind != target_kind:
        raise AppDatabaseError(
            f"this backup holds a {source_kind} app database and the settings name a {target_kind} one; restore "
            f"it onto {source_kind} (set SAFEGUARDING_DATABASE_URL), then move the data across"
        )
    if target_kind == "sqlite":
        target = sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".restoring")
        try:
            with writing(tmp):
                shutil.copyfile(backup_file, tmp)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return
    conninfo, env = _libpq(url)
    _run([_client("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          "--dbname", conninfo, str(backup_file)], env, "pg_restore")  # fmt: skip


__all__ = ["AppDatabaseError", "AuditMark", "DataFault", "audit_mark", "backup", "clear", "is_empty", "restore"]
