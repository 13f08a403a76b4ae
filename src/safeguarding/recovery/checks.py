"""Checks a stage runs before it starts, so a damaged input is named (with what to do) before any work.

Each also clears what an interrupted earlier run left behind in the parts of the data folder the
stage writes (the lake's and the snapshot folder's leftovers are cleared under their own locks).
"""

from __future__ import annotations

from safeguarding.config import Settings
from safeguarding.lake.store import LOADS, Lake
from safeguarding.linkage.model import META_FILE, MODEL_FILE
from safeguarding.recovery.faults import read_json
from safeguarding.snapshot import store


def lake_manifests(settings: Settings) -> None:
    """Every load manifest parses (a damaged one would otherwise stop every stage with a traceback)."""
    folder = settings.lake_dir / LOADS
    if folder.exists():
        for path in sorted(folder.glob("*.json")):
            read_json(path)


def clean_leftovers(settings: Settings) -> list[str]:
    """Remove what interrupted runs left: uncommitted lake loads and temporary manifests, snapshot
    builds, temporary linkage stage files. Returns what was removed (names only)."""
    removed: list[str] = []
    lake = Lake(settings.lake_dir)
    if settings.lake_dir.exists():
        with lake.locked():
            removed += [f"lake load {load_id}" for load_id in lake.discard_uncommitted()]
            for tmp in (settings.lake_dir / LOADS).glob(".*.json.tmp"):
                tmp.unlink(missing_ok=True)
                removed.append(str(tmp.relative_to(settings.data_dir)))
    if settings.snapshot_dir.exists():
        with store.locked(settings.snapshot_dir):
            removed += [str(p.relative_to(settings.data_dir)) for p in store.clean_leftovers(settings.snapshot_dir)]
    for tmp in settings.model_dir.glob("*.tmp") if settings.model_dir.exists() else []:
        tmp.unlink(missing_ok=True)
        removed.append(str(tmp.relative_to(settings.data_dir)))
    return removed


def before_link(settings: Settings) -> None:
    """Leftovers cleared; the lake's manifests and the saved linkage model readable."""
    lake_manifests(settings)
    clean_leftovers(settings)
    for name in (MODEL_FILE, META_FILE):
        path = settings.model_dir / name
        if path.exists():
            read_json(path)
