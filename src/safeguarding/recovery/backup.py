"""`safeguarding backup DEST`: a consistent copy of everything a data folder needs, with SHA-256 checksums.

Layout of DEST:
    MANIFEST.json          written last (a backup without it is incomplete): what was copied, each
                           file's size and SHA-256, the app database's kind and migration revision,
                           and how far its audit chain reached
    app.sqlite3            the app database (SQLite online backup), or
    app.pgdump             the app database (pg_dump, custom format)
    data/...               the data folder: lake (committed loads), the published snapshot with its
                           checksum and CURRENT, linkage model, stage files, evidence, photographs
                           and anything else kept there

Consistency: the lake's write lock is held while the app database and then the lake are copied,
so no load commits in between; the linkage stage is copied under its own lock; the published
snapshot never changes once written. Evidence files and photographs are written before the rows
that name them, and are copied after the database, so every file a row names is in the backup.
Left out: temporary and partial files, uncommitted loads, older snapshots, the Spark scratch folder.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safeguarding import __version__, db
from safeguarding.config import Settings
from safeguarding.lake.store import LOADS, STAGING, WORK, Lake
from safeguarding.progress import new_progress, warn
from safeguarding.recovery import appdb, linkage_stage
from safeguarding.recovery.faults import DataFault, writing
from safeguarding.recovery.hashing import copy_hashed, file_sha256
from safeguarding.snapshot import store

MANIFEST = "MANIFEST.json"
IN_PROGRESS = ".backup-in-progress"
FORMAT = 1
SKIP_DIRS = {"spark-scratch"}
SKIP_SUFFIXES = (".tmp", ".partial", ".partial.wal", ".restoring")


class BackupError(RuntimeError):
    """A backup cannot be taken as asked (the message says why and what to do)."""


@dataclass
class BackupSummary:
    dest: str
    files: int
    bytes: int
    seconds: float
    app_database: str
    snapshot: str | None
    audit_entries: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _prepare(dest: Path, data_dir: Path) -> None:
    dest = dest.resolve()
    if dest == data_dir.resolve() or data_dir.resolve() in dest.parents:
        raise BackupError(f"{dest} is inside the data folder {data_dir}: choose a folder outside it")
    if dest.exists() and not dest.is_dir():
        raise BackupError(f"{dest} exists and is not a folder")
    if dest.exists() and any(dest.iterdir()):
        if (dest / IN_PROGRESS).exists() and not (dest / MANIFEST).exists():
            shutil.rmtree(dest)  # an earlier backup into this folder was interrupted: start again
        else:
            raise BackupError(f"{dest} is not empty: choose a new folder for each backup")
    dest.mkdir(parents=True, exist_ok=True)
    with writing(dest / IN_PROGRESS):
        (dest / IN_PROGRESS).write_text("a backup is being written here\n", encoding="utf-8")


def _skipped(rel: Path) -> bool:
    name = rel.name
    return (
        name == ".lock"
        or name.startswith(".CURRENT.")
        or name.endswith(SKIP_SUFFIXES)
        or bool(rel.parts and rel.parts[0] in SKIP_DIRS)
    )


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            yield Path(folder) / name


def _data_files(settings: Settings, app_db_files: set[Path]) -> tuple[list[Path], str | None]:
    """(files of the data folder to copy, except the lake and the linkage stage; the snapshot kept)."""
    data = settings.data_dir
    chosen: list[Path] = []
    snapshot_name: str | None = None
    if settings.snapshot_dir.exists():
        try:
            found = store.usable(settings.snapshot_dir)
        except store.SnapshotError as exc:
            if not str(exc).startswith("no snapshot has been published"):
                warn(f"{exc}; the backup holds no snapshot (run `safeguarding assess` after restoring)")
            found = None
        if found is not None:
            if found.problem:
                warn(f"{found.problem}; backing up {found.snapshot.path.name}, the newest that checks out")
            snapshot_name = found.snapshot.path.name
    skip_roots = {settings.lake_dir.resolve(), settings.snapshot_dir.resolve(), _stage_dir(settings).resolve()}
    for path in _walk(data):
        rel = path.relative_to(data)
        if _skipped(rel) or path.resolve() in app_db_files or any(p in skip_roots for p in path.resolve().parents):
            continue
        chosen.append(path)
    return chosen, snapshot_name


def _stage_dir(settings: Settings) -> Path:
    return settings.data_dir / "stages" / "linkage"


def _lake_files(settings: Settings) -> list[Path]:
    """Files of committed (or refused) loads and their manifests; staging and scratch left out."""
    lake = Lake(settings.lake_dir)
    known = {m["load_id"] for m in lake.manifests()}
    out: list[Path] = []
    if not settings.lake_dir.exists():
        return out
    for path in _walk(settings.lake_dir):
        rel = path.relative_to(settings.lake_dir)
        if _skipped(rel) or rel.parts[0] in (STAGING, WORK):
            continue
        partition = next((p for p in rel.parts if p.startswith("load_id=")), None)
        if partition is not None and partition.split("=", 1)[1] not in known:
            continue  # a load that never committed
        if rel.parts[0] == LOADS and not path.name.endswith(".json"):
            continue
        out.append(path)
    return out


def take_backup(settings: Settings, dest: Path) -> BackupSummary:
    """Copy everything the data folder needs into ``dest`` (new or empty), MANIFEST.json last."""
    started = time.monotonic()
    data = settings.data_dir
    if not data.is_dir():
        raise BackupError(f"the data folder {data} does not exist")
    _prepare(dest, data)
    url = settings.app_database_url
    app_kind = appdb.kind(url)
    app_db_files: set[Path] = set()
    if app_kind == "sqlite":
        path = appdb.sqlite_path(url).resolve()
        app_db_files = {path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")}
    files: dict[str, dict[str, Any]] = {}
    lake = Lake(settings.lake_dir)
    with new_progress() as progress:
        with lake.locked():  # no load commits while the database and the lake are copied
            task = progress.add_task("Backing up the app database", total=None)
            mark_before = appdb.audit_mark(url) if app_kind == "postgresql" else None
            written = appdb.backup(url, dest, lambda done, total: progress.update(task, completed=done, total=total))
            progress.update(task, completed=1, total=1)
            files[written.name] = {"size": written.stat().st_size, "sha256": file_sha256(written)}
            lake_files = _lake_files(settings)
            _copy_all(progress, "Copying the lake", lake_files, data, dest, files)
        stage = _stage_dir(settings)
        if stage.exists():
            with linkage_stage.locked(stage):
                stage_files = [p for p in _walk(stage) if not _skipped(p.relative_to(data))]
                _copy_all(progress, "Copying the linkage stage", stage_files, data, dest, files)
        others, snapshot_name = _data_files(settings, app_db_files)
        if snapshot_name is not None:
            snap = settings.snapshot_dir / snapshot_name
            others += [snap, store.checksum_file(snap)] if store.checksum_file(snap).exists() else [snap]
        _copy_all(progress, "Copying snapshot, model, evidence and photographs", others, data, dest, files)
    if snapshot_name is not None:
        digest = files[f"data/snapshots/{snapshot_name}"]["sha256"]
        pointer = dest / "data" / "snapshots" / store.POINTER
        with writing(pointer):
            pointer.write_text(json.dumps({"file": snapshot_name, "sha256": digest}), encoding="utf-8")
        files[f"data/snapshots/{store.POINTER}"] = {"size": pointer.stat().st_size, "sha256": file_sha256(pointer)}
    if app_kind == "sqlite":
        mark = appdb.audit_mark(f"sqlite:///{dest / appdb.SQLITE_FILE}")
    else:
        assert mark_before is not None
        mark = mark_before  # pg_dump ran after this was read, so its copy reaches at least this far
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "safeguarding_version": __version__,
        "source_data_dir": str(data.resolve()),
        "app_database": {
            "kind": app_kind,
            "file": written.name,
            "revision": db.current_revision(url),
            "audit_last_id": mark.last_id,
            "audit_last_hash": mark.last_hash,
        },
        "snapshot": snapshot_name,
        "loads": lake.committed_load_ids(),
        "files": dict(sorted(files.items())),
    }
    tmp = dest / (MANIFEST + ".tmp")
    with writing(tmp):
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(tmp, dest / MANIFEST)  # the commit point of the backup
    (dest / IN_PROGRESS).unlink(missing_ok=True)
    return BackupSummary(
        dest=str(dest), files=len(files), bytes=sum(int(f["size"]) for f in files.values()),
        seconds=round(time.monotonic() - started, 2), app_database=app_kind, snapshot=snapshot_name,
        audit_entries=mark.last_id,
    )  # fmt: skip


def _copy_all(
    progress: Any, description: str, paths: list[Path], data: Path, dest: Path, files: dict[str, dict[str, Any]]
) -> None:
    sizes = []
    for path in paths:
        try:
            sizes.append(path.stat().st_size)
        except FileNotFoundError:
            sizes.append(0)
    task = progress.add_task(description, total=max(sum(sizes), 1))
    for path in paths:
        rel = Path("data") / path.relative_to(data)
        target = dest / rel
        try:
            size, digest = copy_hashed(path, target, lambda n: progress.advance(task, n))
        except FileNotFoundError:
            # Gone since it was listed (an erasure deletes old snapshots): nothing to keep.
            continue
        except DataFault:
            raise
        files[rel.as_posix()] = {"size": size, "sha256": digest}
    progress.update(task, completed=max(sum(sizes), 1))
