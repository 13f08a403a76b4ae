"""One read-only DuckDB connection per published snapshot, shared by every request.

Opening a DuckDB file costs milliseconds, so the connection is kept while the snapshot stays
published; each query runs on its own cursor (DuckDB's way to use one database from many threads).
When ``CURRENT`` names a new file the reader switches at the next request. Optional tables (those a
later stage adds) are looked up once per snapshot so pages can say "not in this snapshot".
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from safeguarding.snapshot import store

log = logging.getLogger(__name__)


def read_moment(con: duckdb.DuckDBPyConnection, built_at: str) -> datetime:
    """The snapshot's moment: its assessment's ``assessed_as_of``, or for an older snapshot its build time."""
    found = con.execute("SELECT value FROM snapshot_meta WHERE key = 'assessed_as_of'").fetchall()
    for text in ([found[0][0]] if found else []) + [built_at]:
        try:
            moment = datetime.fromisoformat(str(text))
        except ValueError:
            continue
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)  # neither is readable: the snapshot is damaged; its pages will say so elsewhere


@dataclass
class Snapshot:
    """A published snapshot opened for reading."""

    path: Path
    built_at: str
    con: duckdb.DuckDBPyConnection
    columns: dict[str, frozenset[str]] = field(default_factory=dict)
    # The assessment's moment (snapshot_meta 'assessed_as_of'): what "now" means on every page, never the clock.
    moment: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=UTC))

    def rows(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        cursor = self.con.cursor()
        try:
            return list(cursor.execute(sql, params or []).fetchall())
        finally:
            cursor.close()

    def has(self, table: str, *columns: str) -> bool:
        """True when the snapshot has ``table`` with every one of ``columns``."""
        have = self.columns.get(table)
        return have is not None and all(c in have for c in columns)

    def pick(self, table: str, *candidates: str) -> str | None:
        """The first of ``candidates`` that ``table`` has (tables from later stages name things variously)."""
        have = self.columns.get(table, frozenset())
        return next((c for c in candidates if c in have), None)


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the snapshot attached read-only and a view per snapshot table.

    The views keep every query's table names plain, and the in-memory side can hold the search index
    (cursors share it; DuckDB's TEMP tables would be private to one cursor).
    """
    con = duckdb.connect()
    escaped = str(path).replace("'", "''")
    con.execute(f"ATTACH '{escaped}' AS snap (READ_ONLY)")
    for (table,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'snap'"
    ).fetchall():
        con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM snap.main."{table}"')
    return con


def _build_name_index(con: duckdb.DuckDBPyConnection) -> None:
    """In-memory tables for fuzzy name search: each distinct spelling once with a number (so the string
    comparison runs over spellings, not over every mention), each distinct surname once, and which
    people and details go with each spelling (ordered by spelling number, so a join reads few blocks)."""
    full = "lower(trim(coalesce(forenames, '') || ' ' || coalesce(surname, '')))"
    con.execute(
        f"""CREATE TABLE name_keys AS
            SELECT CAST(row_number() OVER (ORDER BY full_name, surname) AS INTEGER) AS key_id, full_name, surname
            FROM (SELECT DISTINCT {full} AS full_name, lower(coalesce(surname, '')) AS surname FROM mentions)"""
    )
    con.execute("CREATE TABLE name_surnames AS SELECT DISTINCT surname FROM name_keys")
    con.execute(
        f"""CREATE TABLE name_people AS
            SELECT DISTINCT k.key_id, m.person_id, m.date_of_birth,
                   upper(replace(coalesce(m.postcode, ''), ' ', '')) AS postcode_key, m.postcode
            FROM (SELECT *, {full} AS full_name, lower(coalesce(surname, '')) AS surname_key FROM mentions) m
            JOIN name_keys k ON k.full_name = m.full_name AND k.surname = m.surname_key
            ORDER BY k.key_id"""
    )


class SnapshotReader:
    """Hands out the snapshot to read, reopening only when CURRENT or the file it names changes.

    When the published snapshot is missing or damaged the reader falls back to the newest earlier one
    that checks out (store.usable) and ``warning()`` says what is wrong, for the banner on every page.
    A published file never changes, so each request compares the files' sizes and modification times
    with those seen when it was opened (a stat, not a read) and re-checks when they differ.
    """

    def __init__(self, snapshot_dir: Path) -> None:
        self.snapshot_dir = snapshot_dir
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        # The connection replaced last is closed only at the switch after, so a request still using
        # it finishes first.
        self._retired: Snapshot | None = None
        self._seen: tuple[object, ...] | None = None
        self._problem: str | None = None
        self._error: store.SnapshotError | None = None

    def _key(self, opened: Path | None) -> tuple[object, ...]:
        """What must stay the same for the open snapshot to stay right: the stats of the folder (files
        added, removed or renamed), of CURRENT and of the open file."""
        parts: list[object] = []
        for path in (self.snapshot_dir, self.snapshot_dir / store.POINTER, opened):
            try:
                st = path.stat() if path is not None else None
            except OSError:
                st = None
            parts.append((st.st_ino, st.st_size, st.st_mtime_ns) if st is not None else None)
        return tuple(parts)

    def get(self) -> Snapshot:
        """The snapshot to read; raises store.SnapshotError when no snapshot in the folder is usable."""
        current = self._current
        if self._seen is not None and self._seen == self._key(current.path if current else None):
            if current is not None:
                return current
            if self._error is not None:
                raise self._error
        with self._lock:
            current = self._current
            key = self._key(current.path if current else None)
            if self._seen == key:
                if current is not None:
                    return current
                if self._error is not None:
                    raise self._error
            try:
                found = store.usable(self.snapshot_dir)
            except store.SnapshotError as exc:
                self._retire(None)
                # Nothing published yet is the normal state of a new portal, not a fault to announce.
                fault = not str(exc).startswith("no snapshot has been published")
                self._error, self._problem = exc, str(exc) if fault else None
                self._seen = self._key(None)
                if fault:
                    log.warning("no usable snapshot: %s", exc)
                raise
            self._error, self._problem = None, found.problem
            if found.problem:
                log.warning("%s; serving %s instead", found.problem, found.snapshot.path.name)
            if current is None or current.path != found.snapshot.path:
                self._retire(self._open(found.snapshot))
            self._seen = self._key(found.snapshot.path)
            assert self._current is not None
            return self._current

    def _open(self, published: store.PublishedSnapshot) -> Snapshot:
        con = _open(published.path)
        columns: dict[str, set[str]] = {}
        for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'snap'"
        ).fetchall():
            columns.setdefault(str(table), set()).add(str(column))
        _build_name_index(con)
        return Snapshot(
            published.path, published.built_at, con, {t: frozenset(c) for t, c in columns.items()},
            read_moment(con, published.built_at),
        )  # fmt: skip

    def _retire(self, opened: Snapshot | None) -> None:
        if self._retired is not None:
            self._retired.con.close()
        self._retired, self._current = self._current, opened

    def warning(self) -> str | None:
        """What is wrong with the published snapshot, when the portal is showing another one (or none)."""
        with contextlib.suppress(store.SnapshotError):
            self.get()
        return self._problem

    def close(self) -> None:
        with self._lock:
            for snap in (self._current, self._retired):
                if snap is not None:
                    snap.con.close()
            self._current = self._retired = None
