"""Building a snapshot file and publishing it by an atomic switch.

Layout under ``<data_dir>/snapshots/``:
    snapshot-<UTC timestamp>-<random>.duckdb   complete snapshots, never changed once written
    CURRENT                                    JSON naming the published one; replaced atomically

The builder writes a new file under a temporary name, checks it, renames it, and only then replaces
``CURRENT`` with ``os.replace`` (atomic on POSIX and Windows). A reader therefore sees either the
old snapshot or the new one, never a half-built file.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from safeguarding.snapshot.schema import INDEXES, SNAPSHOT_SCHEMA_VERSION, TABLES

POINTER = "CURRENT"


class SnapshotError(RuntimeError):
    """No usable snapshot (none published yet, or one of another schema version)."""


@dataclass(frozen=True)
class PublishedSnapshot:
    path: Path
    built_at: str
    schema_version: int


def create_empty(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a new snapshot file with every table of the schema created, empty."""
    con = duckdb.connect(str(path))
    for name, body in TABLES.items():
        con.execute(f"CREATE TABLE {name} ({body})")
    return con


@contextmanager
def build(snapshot_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh snapshot; on clean exit it is published, on error discarded."""
    snapshot_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = snapshot_dir / f"snapshot-{stamp}-{secrets.token_hex(3)}.duckdb"
    partial = final.with_suffix(".duckdb.partial")
    con = create_empty(partial)
    try:
        yield con
        for table, column in INDEXES:
            con.execute(f"CREATE INDEX ix_{table}_{column} ON {table} ({column})")
        con.execute(
            "INSERT OR REPLACE INTO snapshot_meta VALUES ('schema_version', ?), ('built_at', ?)",
            [str(SNAPSHOT_SCHEMA_VERSION), datetime.now(UTC).isoformat(timespec="seconds")],
        )
        con.execute("CHECKPOINT")
        con.close()
    except BaseException:
        con.close()
        partial.unlink(missing_ok=True)
        Path(str(partial) + ".wal").unlink(missing_ok=True)
        raise
    os.replace(partial, final)
    publish(snapshot_dir, final)


def publish(snapshot_dir: Path, snapshot_file: Path) -> None:
    """Point CURRENT at ``snapshot_file`` atomically."""
    tmp = snapshot_dir / f".{POINTER}.{secrets.token_hex(4)}"
    tmp.write_text(json.dumps({"file": snapshot_file.name}), encoding="utf-8")
    os.replace(tmp, snapshot_dir / POINTER)


def current(snapshot_dir: Path) -> PublishedSnapshot:
    """The published snapshot, checked for the schema version this code reads."""
    pointer = snapshot_dir / POINTER
    if not pointer.exists():
        raise SnapshotError(f"no snapshot has been published in {snapshot_dir}; run `safeguarding run` first")
    name = json.loads(pointer.read_text(encoding="utf-8"))["file"]
    path = snapshot_dir / name
    con = duckdb.connect(str(path), read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM snapshot_meta").fetchall())
    finally:
        con.close()
    version = int(meta.get("schema_version", "0"))
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise SnapshotError(f"snapshot {name} has schema version {version}; this code reads {SNAPSHOT_SCHEMA_VERSION}")
    return PublishedSnapshot(path=path, built_at=meta.get("built_at", ""), schema_version=version)


def previous_mentions(snapshot_dir: Path) -> list[tuple[str, str, str]]:
    """(source_system, person_ref, person_id) from the published snapshot, or [] if there is none.

    Linkage uses it to keep person ids stable from run to run.
    """
    try:
        snap = current(snapshot_dir)
    except SnapshotError:
        return []
    with duckdb.connect(str(snap.path), read_only=True) as con:
        rows = con.execute("SELECT source_system, person_ref, person_id FROM mentions").fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows]
