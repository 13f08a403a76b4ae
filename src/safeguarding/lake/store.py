"""The lake: append-only Parquet per record type, partitioned by load, with a manifest per load.

Layout under ``<data_dir>/lake/``:
    <record type>/load_id=<id>/part-<n>.parquet   loaded rows (+ _load_id, _source_file, _line, _row_hash)
    _quarantine/load_id=<id>/part-0.parquet       rejected rows: file, line, field, reason, raw
    _loads/<id>.json                              the manifest; written last, atomically

A load counts only once its manifest exists: data is staged under ``_staging/<id>/``, moved into
place, and then the manifest is written with ``os.replace``. Readers list committed loads from the
manifests, so a load interrupted half-way is invisible and is cleared by the next ingest.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from safeguarding.locks import folder_lock

LOADS = "_loads"
QUARANTINE = "_quarantine"
STAGING = "_staging"
WORK = "_work"


def _read_manifest(path: Path) -> dict[str, Any]:
    from safeguarding.recovery.faults import damaged, read_json

    manifest = read_json(path)
    if not isinstance(manifest, dict):
        raise damaged(path, "not a load manifest")
    return manifest


class Lake:
    """Paths and manifests of one lake folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # -- manifests -------------------------------------------------------------------------
    def manifests(self) -> list[dict[str, Any]]:
        """All load manifests, oldest first (load ids sort by time)."""
        folder = self.root / LOADS
        if not folder.exists():
            return []
        # A damaged manifest stops here with a message naming it (recovery.faults), not a traceback.
        return [_read_manifest(p) for p in sorted(folder.glob("*.json"))]

    def manifest(self, load_id: str) -> dict[str, Any]:
        path = self.root / LOADS / f"{load_id}.json"
        if not path.exists():
            raise KeyError(load_id)
        return _read_manifest(path)

    def committed_load_ids(self) -> list[str]:
        return [m["load_id"] for m in self.manifests() if m["status"] == "loaded"]

    def loaded_file_hashes(self) -> dict[str, str]:
        """sha256 -> load id, for every file of a committed load."""
        return {f["sha256"]: m["load_id"] for m in self.manifests() if m["status"] == "loaded" for f in m["files"]}

    # -- data ------------------------------------------------------------------------------
    def partition_files(self, record_type: str) -> list[Path]:
        """Parquet files of committed loads for one record type, in load order."""
        files: list[Path] = []
        for load_id in self.committed_load_ids():
            folder = self.root / record_type / f"load_id={load_id}"
            files.extend(sorted(folder.glob("*.parquet")))
        return files

    def quarantine_file(self, load_id: str) -> Path:
        return self.root / QUARANTINE / f"load_id={load_id}" / "part-0.parquet"

    def staging(self, load_id: str) -> Path:
        """Where a load's partitions wait to be committed: one folder per record type (and _quarantine)."""
        return self.root / STAGING / load_id

    def work(self, load_id: str) -> Path:
        """Scratch space for a load (its working database, transcoded text); removed after the load."""
        return self.root / WORK / load_id

    def commit(self, load_id: str, manifest: dict[str, Any]) -> None:
        """Move staged partitions into place, then write the manifest (the commit point)."""
        staged = self.staging(load_id)
        if staged.exists():
            for type_dir in sorted(p for p in staged.iterdir() if p.is_dir()):
                target = self.root / type_dir.name / f"load_id={load_id}"
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(type_dir, target)
            shutil.rmtree(staged)
        folder = self.root / LOADS
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{load_id}.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, folder / f"{load_id}.json")

    def discard_uncommitted(self) -> list[str]:
        """Remove staging folders and partitions of loads that never committed; return their ids."""
        committed = {m["load_id"] for m in self.manifests()}
        removed: list[str] = []
        for scratch in (self.root / STAGING, self.root / WORK):
            if scratch.exists():
                for folder in scratch.iterdir():
                    shutil.rmtree(folder)
                    removed.append(folder.name)
        if self.root.exists():
            for part in self.root.glob("*/load_id=*"):
                load_id = part.name.split("=", 1)[1]
                if load_id not in committed:
                    shutil.rmtree(part)
                    removed.append(load_id)
        return sorted(set(removed))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lake's write lock: one ingest at a time."""
        with folder_lock(self.root):
            yield
