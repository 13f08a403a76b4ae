"""Building a snapshot file, publishing it by an atomic switch, and finding a usable one.

Layout under ``<data_dir>/snapshots/``:
    snapshot-<UTC timestamp>-<random>.duckdb          complete snapshots, never changed once written
    snapshot-<UTC timestamp>-<random>.duckdb.sha256   its SHA-256, written before it is published
                                                       (the ``sha256sum`` format, so ``sha256sum -c`` checks it)
    CURRENT                                           JSON naming the published one; replaced atomically
    .lock                                             held while a snapshot is built

The builder writes a new file under a temporary name, checks it, records its checksum, renames it,
and only then replaces ``CURRENT`` with ``os.replace`` (atomic on POSIX and Windows). A reader
therefore sees either the old snapshot or the new one, never a half-built file.

A snapshot can still be lost or damaged afterwards (a disk fault, a mistaken delete, a restore that
left out ``CURRENT``). ``usable`` then names what is wrong and falls back to the newest earlier
snapshot that still checks out, so the portal and the next linkage run carry on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from safeguarding.locks import folder_lock
from safeguarding.snapshot.schema import INDEXES, SNAPSHOT_SCHEMA_VERSION, TABLES

POINTER = "CURRENT"
CHECKSUM_SUFFIX = ".sha256"
LOCK = ".lock"
PATTERN = "snapshot-*.duckdb"
REBUILD = "run `safeguarding assess` (or `safeguarding run`) to build and publish a new one"

log = logging.getLogger(__name__)


class SnapshotError(RuntimeError):
    """No usable snapshot (none published yet, a damaged one, or one of another schema version)."""


@dataclass(frozen=True)
class PublishedSnapshot:
    path: Path
    built_at: str
    schema_version: int


@dataclass(frozen=True)
class Usable:
    """The snapshot to read, and (when it is not the published one) what is wrong with the published one."""

    snapshot: PublishedSnapshot
    problem: str | None = None


def create_empty(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a new snapshot file with every table of the schema created, empty."""
    con = duckdb.connect(str(path))
    for name, body in TABLES.items():
        con.execute(f"CREATE TABLE {name} ({body})")
    return con


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def checksum_file(snapshot_file: Path) -> Path:
    return snapshot_file.with_name(snapshot_file.name + CHECKSUM_SUFFIX)


@contextmanager
def locked(snapshot_dir: Path) -> Iterator[None]:
    """Hold the snapshot folder's build lock (one build at a time; leftovers are cleared under it)."""
    with folder_lock(snapshot_dir, LOCK):
        yield


def leftovers(snapshot_dir: Path) -> list[Path]:
    """Files an interrupted build or publication left behind (call with the build lock held)."""
    found = [*snapshot_dir.glob("*.duckdb.partial"), *snapshot_dir.glob("*.duckdb.partial.wal")]
    found += snapshot_dir.glob(f".{POINTER}.*")
    found += snapshot_dir.glob(f"*{CHECKSUM_SUFFIX}.tmp")
    # A checksum whose snapshot was never renamed into place (killed between the two steps).
    found += [c for c in snapshot_dir.glob(f"{PATTERN}{CHECKSUM_SUFFIX}") if not c.with_suffix("").exists()]
    return sorted(set(found))


def clean_leftovers(snapshot_dir: Path) -> list[Path]:
    """Remove what an interrupted build left behind; returns what was removed."""
    removed = leftovers(snapshot_dir)
    for path in removed:
        path.unlink(missing_ok=True)
    if removed:
        log.warning("removed %d leftover file(s) of an interrupted snapshot build", len(removed))
    return removed


@contextmanager
def build(snapshot_dir: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection to a fresh snapshot; on clean exit it is published, on error discarded."""
    with locked(snapshot_dir):
        clean_leftovers(snapshot_dir)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        final = snapshot_dir / f"snapshot-{stamp}-{secrets.token_hex(3)}.duckdb"
        partial = final.with_suffix(".duckdb.partial")
        try:
            con = create_empty(partial)
        except BaseException:
            _discard(partial)
            raise
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
            digest = file_sha256(partial)
            _write_atomic(checksum_file(final), f"{digest}  {final.name}\n")
        except BaseException:
            con.close()
            _discard(partial)
            checksum_file(final).unlink(missing_ok=True)
            raise
        os.replace(partial, final)
        publish(snapshot_dir, final, digest)


def _discard(partial: Path) -> None:
    partial.unlink(missing_ok=True)
    Path(str(partial) + ".wal").unlink(missing_ok=True)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def publish(snapshot_dir: Path, snapshot_file: Path, sha256: str | None = None) -> None:
    """Point CURRENT at ``snapshot_file`` atomically (with its checksum when known)."""
    entry: dict[str, str] = {"file": snapshot_file.name}
    if sha256:
        entry["sha256"] = sha256
    tmp = snapshot_dir / f".{POINTER}.{secrets.token_hex(4)}"
    try:
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        os.replace(tmp, snapshot_dir / POINTER)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def pointed(snapshot_dir: Path) -> tuple[str, str | None]:
    """(file name, recorded sha256 or None) that CURRENT names; SnapshotError when it is missing or damaged."""
    pointer = snapshot_dir / POINTER
    if not pointer.exists():
        if any(snapshot_dir.glob(PATTERN)):
            raise SnapshotError(f"{pointer} is missing, so no snapshot is published; {REBUILD}")
        raise SnapshotError(f"no snapshot has been published in {snapshot_dir}; run `safeguarding run` first")
    try:
        entry = json.loads(pointer.read_text(encoding="utf-8"))
        name = entry["file"]
        if not isinstance(name, str) or not name.startswith("snapshot-") or "/" in name or "\\" in name:
            raise ValueError(name)
        digest = entry.get("sha256")
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError):
        raise SnapshotError(f"{pointer} is damaged (it does not name a snapshot file); {REBUILD}") from None
    return name, str(digest) if digest else None


def check(path: Path, sha256: str | None = None) -> PublishedSnapshot:
    """Open ``path`` and check it: its checksum (the one given, else its .sha256 file), that DuckDB can
    read it, its schema version and that it has its core tables. SnapshotError names what is wrong."""
    if not path.is_file():
        raise SnapshotError(f"snapshot {path} is missing; {REBUILD}")
    recorded = sha256 or _recorded_checksum(path)
    if recorded is not None and file_sha256(path) != recorded:
        raise SnapshotError(
            f"snapshot {path} is damaged: its SHA-256 differs from the one recorded when it was built; {REBUILD}"
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        problem = f"DuckDB cannot open it ({_first_line(exc)})"
        raise SnapshotError(f"snapshot {path} is damaged: {problem}; {REBUILD}") from None
    try:
        meta = dict(con.execute("SELECT key, value FROM snapshot_meta").fetchall())
        tables = {str(t) for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    except duckdb.Error as exc:
        raise SnapshotError(f"snapshot {path} is damaged: {_first_line(exc)}; {REBUILD}") from None
    finally:
        con.close()
    version = int(meta.get("schema_version", "0"))
    if version != SNAPSHOT_SCHEMA_VERSION:
        raise SnapshotError(
            f"snapshot {path.name} has schema version {version}; this code reads {SNAPSHOT_SCHEMA_VERSION}"
        )
    # Tables a later stage adds may be absent from older snapshots (pages say so); these never are.
    missing = sorted({"snapshot_meta", "persons", "mentions"} - tables)
    if missing:
        raise SnapshotError(f"snapshot {path} is damaged: it has no table {', '.join(missing)}; {REBUILD}")
    return PublishedSnapshot(path=path, built_at=meta.get("built_at", ""), schema_version=version)


def _recorded_checksum(path: Path) -> str | None:
    sidecar = checksum_file(path)
    try:
        text = sidecar.read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return None
    return text[0] if text else None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def current(snapshot_dir: Path) -> PublishedSnapshot:
    """The published snapshot, checked (checksum, readable, schema version); SnapshotError says what is wrong."""
    name, digest = pointed(snapshot_dir)
    return check(snapshot_dir / name, digest)


def usable(snapshot_dir: Path) -> Usable:
    """The published snapshot if it checks out, else the newest other one that does, with the problem.

    Raises SnapshotError (the published one's problem) when no snapshot in the folder checks out.
    """
    try:
        return Usable(current(snapshot_dir))
    except SnapshotError as exc:
        problem = str(exc)
        if problem.startswith("no snapshot has been published"):
            raise
    try:
        broken: str | None = pointed(snapshot_dir)[0]
    except SnapshotError:
        broken = None
    for path in sorted(snapshot_dir.glob(PATTERN), reverse=True):  # names sort by build time
        if path.name == broken:
            continue
        try:
            found = check(path)
        except SnapshotError:
            continue
        return Usable(found, problem)
    raise SnapshotError(f"{problem} (and no earlier snapshot in {snapshot_dir} checks out)")


def previous_mentions(snapshot_dir: Path, warn: Callable[[str], None] | None = None) -> list[tuple[str, str, str]]:
    """(source_system, person_ref, person_id) from the published snapshot, or [] if there is none.

    Linkage uses it to keep person ids stable from run to run. When the published snapshot is missing
    or damaged the newest earlier one that checks out is used instead, and when none does linkage
    starts afresh (new person ids); ``warn`` is told either way, in one line.
    """
    try:
        found = usable(snapshot_dir)
    except SnapshotError as exc:
        if str(exc).startswith("no snapshot has been published"):
            return []
        if warn:
            warn(f"{exc}. Linking without it: person ids will not carry over from earlier runs.")
        return []
    try:
        with duckdb.connect(str(found.snapshot.path), read_only=True) as con:
            rows = con.execute("SELECT source_system, person_ref, person_id FROM mentions").fetchall()
    except duckdb.Error as exc:
        if warn:
            warn(
                f"snapshot {found.snapshot.path} is damaged ({_first_line(exc)}). Linking without it: person ids "
                "will not carry over from earlier runs."
            )
        return []
    if found.problem and warn:
        warn(f"{found.problem}. Person ids are carried over from {found.snapshot.path.name} instead.")
    return [(str(a), str(b), str(c)) for a, b, c in rows]
