"""`safeguarding restore SRC`: rebuild an empty data folder (and app database) from a backup, checking
every file's SHA-256 first and the audit chain after.

Steps: read MANIFEST.json; check every file against it (nothing is written before they all match);
refuse a data folder or app database that is not empty unless ``force``; copy the files; load the
app database; migrate it to this release; verify the whole audit chain and that it reaches the entry
the backup recorded, with the same hash; check the snapshot; append a ``restore`` audit entry. A
marker file makes an interrupted restore recognisable, so running it again needs no ``force``.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.progress import new_progress
from safeguarding.recovery import appdb
from safeguarding.recovery.backup import FORMAT, MANIFEST
from safeguarding.recovery.hashing import copy_hashed, file_sha256
from safeguarding.security import audit
from safeguarding.security.trail import record_cli
from safeguarding.snapshot import store

IN_PROGRESS = ".restore-in-progress"


class RestoreError(RuntimeError):
    """A restore cannot go ahead (the message says why and what to do)."""


@dataclass
class RestoreSummary:
    source: str
    data_dir: str
    files: int
    bytes: int
    verify_seconds: float
    restore_seconds: float
    audit_entries: int
    snapshot: str | None

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def read_manifest(src: Path) -> dict[str, Any]:
    path = src / MANIFEST
    if not path.exists():
        raise RestoreError(f"{src} holds no {MANIFEST}: it is not a backup, or the backup was never finished")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RestoreError(f"{path} is damaged ({exc}): this backup cannot be trusted") from None
    if manifest.get("format") != FORMAT:
        raise RestoreError(f"{path}: backup format {manifest.get('format')!r}; this release reads {FORMAT}")
    for rel in manifest.get("files", {}):
        parts = Path(rel).parts
        if Path(rel).is_absolute() or ".." in parts or not parts:
            raise RestoreError(f"{path} names a file outside the backup ({rel!r}): this backup cannot be trusted")
    return manifest


def verify(src: Path, manifest: dict[str, Any]) -> None:
    """Every file of the manifest is present with its size and SHA-256; RestoreError names those that are not."""
    files: dict[str, dict[str, Any]] = manifest["files"]
    bad: list[str] = []
    with new_progress() as progress:
        task = progress.add_task(
            "Checking the backup's checksums", total=max(sum(f["size"] for f in files.values()), 1)
        )
        for rel, expected in files.items():
            path = src / rel
            if not path.is_file():
                bad.append(f"{rel} (missing)")
                continue
            if path.stat().st_size != expected["size"]:
                bad.append(f"{rel} (size {path.stat().st_size:,}, expected {expected['size']:,})")
                progress.advance(task, expected["size"])
                continue
            if file_sha256(path, lambda n: progress.advance(task, n)) != expected["sha256"]:
                bad.append(f"{rel} (SHA-256 differs)")
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise RestoreError(f"the backup in {src} is damaged: {shown}. Nothing was restored; use another backup")


def _check_target(settings: Settings, force: bool) -> None:
    data = settings.data_dir
    ours = (data / IN_PROGRESS).exists()
    busy = data.exists() and any(p.name != IN_PROGRESS for p in data.iterdir())
    if busy and not (force or ours):
        raise RestoreError(f"the data folder {data} is not empty: restore into an empty one, or add --force to "
                           "replace what is there")  # fmt: skip
    url = settings.app_database_url
    inside = appdb.kind(url) == "sqlite" and data.resolve() in appdb.sqlite_path(url).resolve().parents
    if not inside and not appdb.is_empty(url) and not (force or ours):
        raise RestoreError("the app database named by the settings is not empty: restore onto an empty one, or "
                           "add --force to replace it")  # fmt: skip


def _clear(settings: Settings) -> None:
    data = settings.data_dir
    if data.exists():
        for child in data.iterdir():
            if child.name == IN_PROGRESS:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    appdb.clear(settings.app_database_url)


def restore(settings: Settings, src: Path, force: bool = False) -> RestoreSummary:
    """Restore the backup in ``src`` into the settings' data folder and app database."""
    started = time.monotonic()
    manifest = read_manifest(src)
    verify(src, manifest)
    verified = time.monotonic()
    _check_target(settings, force)
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    (data / IN_PROGRESS).write_text("a restore is being written here\n", encoding="utf-8")
    _clear(settings)
    files: dict[str, dict[str, Any]] = manifest["files"]
    app = manifest["app_database"]
    data_files = {rel: f for rel, f in files.items() if rel.startswith("data/")}
    with new_progress() as progress:
        task = progress.add_task("Restoring files", total=max(sum(f["size"] for f in data_files.values()), 1))
        for rel, expected in data_files.items():
            _size, digest = copy_hashed(
                src / rel, data / Path(rel).relative_to("data"), lambda n: progress.advance(task, n)
            )
            if digest != expected["sha256"]:
                raise RestoreError(f"{src / rel} changed while it was being restored; run the restore again")
        db_task = progress.add_task("Restoring the app database", total=None)
        url = settings.app_database_url
        appdb.restore(src / app["file"], url)
        db.upgrade(url)
        progress.update(db_task, total=1, completed=1)
    entries = _verify_audit(url, app)
    snapshot = manifest.get("snapshot")
    if snapshot:
        store.current(settings.snapshot_dir)  # the checksum and schema are checked again in place
    (data / IN_PROGRESS).unlink()
    record_cli(settings, "restore", "backup", manifest["created_at"],
               {"source": str(src.resolve()), "files": len(files), "audit_last_id": app["audit_last_id"]})  # fmt: skip
    return RestoreSummary(
        source=str(src), data_dir=str(data), files=len(files), bytes=sum(int(f["size"]) for f in files.values()),
        verify_seconds=round(verified - started, 2), restore_seconds=round(time.monotonic() - verified, 2),
        audit_entries=entries, snapshot=snapshot,
    )  # fmt: skip


def _verify_audit(url: str, app: dict[str, Any]) -> int:
    engine = db.make_engine(url)
    try:
        with db.transaction(db.session_factory(engine)) as session:
            result = audit.verify(session)
    finally:
        engine.dispose()
    if not result.ok:
        raise RestoreError(f"the restored audit log is broken at entry {result.broken_id}: {result.reason}")
    last_id = int(app["audit_last_id"])
    if last_id and appdb.entry_hash(url, last_id) != app["audit_last_hash"]:
        raise RestoreError(f"the restored audit log does not reach entry {last_id} with the hash the backup recorded")
    return result.entries
