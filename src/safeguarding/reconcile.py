"""Every load, link run and erasure in the data folder has its audit entry, or the gap is found and said.

A load (its manifest), a link run (the linkage stage's run.json) and an erasure (its log under the lake's
``_erasures/``) are committed before their audit entry is written: the data cannot wait on the app
database, and one transaction cannot span a Parquet lake and a SQL database. So a kill between the two,
a full disk or a damaged app database can leave a committed event with no entry. ``gaps`` finds every
such event by comparing what the data folder holds with the audit log; ``reconcile`` writes the missing
entries (marked ``"reconciled": true``, with the facts taken from the data folder and the time the event
itself records) and is run before every stage, so the next command closes the gap and says so.
``safeguarding audit verify`` reports gaps as a failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.lake.store import Lake
from safeguarding.recovery import linkage_stage
from safeguarding.recovery.faults import DataFault
from safeguarding.security import audit
from safeguarding.security.models import AuditEntry

__all__ = ["Gap", "committed_run", "gaps", "reconcile"]

ERASURES = "_erasures"  # lake/erase.py keeps one log file per erasure here
LOAD_ACTIONS = ("ingest.load", "ingest.refused")


@dataclass(frozen=True)
class Gap:
    """A committed event with no audit entry."""

    kind: str  # load | link_run | erasure
    action: str
    object_type: str
    object_id: str
    at: str
    detail: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.kind} {self.object_id} ({self.at}) has no audit entry"


def _loads(lake: Lake) -> list[Gap]:
    out = []
    for m in lake.manifests():
        files = [{"name": Path(f["path"]).name, "sha256": f["sha256"]} for f in m.get("files", [])]
        detail = {k: m.get(k) for k in ("status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")}
        action = "ingest.load" if m.get("status") != "refused" or files else "ingest.refused"
        out.append(Gap("load", action, "load", m["load_id"], str(m.get("finished_at", "")), {**detail, "files": files}))
    return out


def committed_run(settings: Settings) -> dict[str, Any] | None:
    """The committed link run: the one its mentions file carries (the stage's commit point), else run.json."""
    out = settings.data_dir / "stages" / "linkage"
    try:
        run = linkage_stage.committed_run(out)
        if run is None and (out / "run.json").exists():
            run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, DataFault):
        return None  # a damaged stage is the recovery code's to report, not an audit gap
    return run


def _link_run(settings: Settings) -> list[Gap]:
    run = committed_run(settings)
    if run is None:
        return []
    run_id = run.get("run_id")
    if not run_id:
        return []  # written before runs had ids; its entry cannot be told from another run's
    detail = {"mentions": run.get("mentions"), "persons": run.get("persons"), "model_version": run.get("model_version")}
    return [Gap("link_run", "linkage.run", "linkage_run", str(run_id), str(run.get("at", "")), detail)]


def _erasures(lake: Lake) -> list[Gap]:
    folder = lake.root / ERASURES
    out = []
    for path in sorted(folder.glob("*.json")) if folder.exists() else []:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        detail = {k: entry.get(k) for k in ("targets", "reason", "rows_removed", "quarantine_rows_removed")}
        out.append(Gap("erasure", "erase", "erasure", str(entry["erasure_id"]), str(entry.get("at", "")), detail))
    return out


def _audited(settings: Settings) -> set[tuple[str, str]]:
    """(object type, id) of every load, link run and erasure the audit log names."""
    found: set[tuple[str, str]] = set()
    with db.migrated_factory(settings.app_database_url) as factory, db.reading(factory) as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_id, AuditEntry.detail).where(
                AuditEntry.action.in_((*LOAD_ACTIONS, "linkage.run", "erase"))
            )
        ).all()
    for action, object_type, object_id, detail in rows:
        if action in LOAD_ACTIONS:
            load_id = object_id if object_type == "load" else json.loads(detail or "{}").get("load_id")
            if load_id:
                found.add(("load", str(load_id)))
        elif action == "linkage.run":
            run_id = json.loads(detail or "{}").get("run_id")
            if run_id:
                found.add(("linkage_run", str(run_id)))
        else:
            found.add(("erasure", str(object_id)))
    return found


def gaps(settings: Settings) -> list[Gap]:
    """Committed loads, link runs and erasures with no audit entry, oldest first."""
    lake = Lake(settings.lake_dir)
    events = [*_loads(lake), *_link_run(settings), *_erasures(lake)]
    if not events:
        return []
    audited = _audited(settings)
    return sorted((g for g in events if (g.object_type, g.object_id) not in audited), key=lambda g: g.at)


def reconcile(settings: Settings, actor: str) -> list[Gap]:
    """Write an audit entry for every gap (marked as reconciled); return the gaps closed."""
    found = gaps(settings)
    if not found:
        return []
    with db.migrated_factory(settings.app_database_url) as factory:
        for gap in found:
            detail = {**gap.detail, "reconciled": True, "event_at": gap.at}
            if gap.kind == "link_run":
                detail["run_id"] = gap.object_id
            object_type = "linkage_model" if gap.kind == "link_run" else gap.object_type
            object_id = str(gap.detail.get("model_version")) if gap.kind == "link_run" else gap.object_id
            audit.record(
                factory, username=actor, action=gap.action, object_type=object_type, object_id=object_id, detail=detail
            )
    return found
