"""One read-only DuckDB connection per published snapshot, shared by every request.

Opening a DuckDB file costs milliseconds, so the connection is kept while the snapshot stays
published; each query runs on its own cursor (DuckDB's way to use one database from many threads).
When ``CURRENT`` names a new file the reader switches at the next request. Optional tables (those a
later stage adds) are looked up once per snapshot so pages can say "not in this snapshot".
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from safeguarding.snapshot import store


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
    """Hands out the published snapshot, reopening only when CURRENT changes."""

    def __init__(self, snapshot_dir: Path) -> None:
        self.snapshot_dir = snapshot_dir
        self._lock = threading.Lock()
        self._current: Snapshot | None = None
        # The connection replaced last is closed only at the switch after, so a request still using
        # it finishes first.
        self._retired: Snapshot | None = None

    def _pointed(self) -> Path | None:
        pointer = self.snapshot_dir / store.POINTER
        try:
            name = json.loads(pointer.read_text(encoding="utf-8"))["file"]
        except (OSError, ValueError, KeyError):
            return None
        return self.snapshot_dir / str(name)

    def get(self) -> Snapshot:
        """The published snapshot; raises store.SnapshotError when there is none usable."""
        target = self._pointed()
        current = self._current
        if current is not None and target == current.path:
            return current
        with self._lock:
            if self._current is not None and self._current.path == target:
                return self._current
            published = store.current(self.snapshot_dir)
            con = _open(published.path)
            columns: dict[str, set[str]] = {}
            for table, column in con.execute(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_catalog = 'snap'"
            ).fetchall():
                columns.setdefault(str(table), set()).add(str(column))
            _build_name_index(con)
            opened = Snapshot(
                published.path, published.built_at, con, {t: frozenset(c) for t, c in columns.items()},
                read_moment(con, published.built_at),
            )  # fmt: skip
            if self._retired is not None:
                self._retired.con.close()
            self._retired, self._current = self._current, opened
            return opened

    def close(self) -> None:
        with self._lock:
            for snap in (self._current, self._retired):
                if snap is not None:
                    snap.con.close()
            self._current = self._retired = None
