"""The alerts in a snapshot, and one alert with its evidence."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from safeguarding.web.data.reader import Snapshot

SORTS = {
    "newest": "a.raised_at DESC, a.alert_id",
    "oldest": "a.raised_at ASC, a.alert_id",
    "category": "a.category, a.raised_at DESC, a.alert_id",
    "person": "p.display_name, a.raised_at DESC, a.alert_id",
}


@dataclass(frozen=True)
class AlertRow:
    alert_id: str
    person_id: str | None  # None for alerts about a group or a place
    person_name: str
    category: str
    title: str
    raised_at: datetime
    evidence_count: int
    rule_id: str = ""
    rule_version: int = 0
    summary: str = ""


@dataclass(frozen=True)
class Evidence:
    record_type: str
    record_ref: str


# Group and place alerts have no person: they are named by their subject instead.
_COLUMNS = """a.alert_id, a.person_id,
              coalesce(p.display_name, replace(a.subject_type, '_', ' ') || ' ' || a.subject_id, '(unknown)'),
              a.category, a.title,
              a.raised_at, a.evidence_count, a.rule_id, a.rule_version, a.summary"""


def list_alerts(
    snap: Snapshot,
    *,
    category: str = "",
    sort: str = "newest",
    limit: int = 5000,
    only: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> list[AlertRow]:
    """Alerts in the chosen order (unknown sorts fall back to newest first), optionally only those in
    ``only`` and none in ``exclude`` (what people have done lives in the app database)."""
    where, params = _where(category, only, exclude)
    rows = snap.rows(
        f"""SELECT {_COLUMNS} FROM alerts a LEFT JOIN persons p USING (person_id)
            {where} ORDER BY {SORTS.get(sort, SORTS["newest"])} LIMIT ?""",
        [*params, limit],
    )
    return [AlertRow(*r) for r in rows]


def count_alerts(
    snap: Snapshot, *, category: str = "", only: Collection[str] | None = None, exclude: Collection[str] = ()
) -> int:
    where, params = _where(category, only, exclude)
    return int(snap.rows(f"SELECT count(*) FROM alerts a {where}", params)[0][0])


def _where(category: str, only: Collection[str] | None, exclude: Collection[str]) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    if category:
        clauses.append("a.category = ?")
        params.append(category)
    if only is not None:
        clauses.append("a.alert_id IN (SELECT unnest(?::VARCHAR[]))")
        params.append(sorted(only))
    if exclude:
        clauses.append("a.alert_id NOT IN (SELECT unnest(?::VARCHAR[]))")
        params.append(sorted(exclude))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def categories(snap: Snapshot) -> list[str]:
    return [str(r[0]) for r in snap.rows("SELECT DISTINCT category FROM alerts ORDER BY 1")]


def get_alert(snap: Snapshot, alert_id: str) -> tuple[AlertRow, list[Evidence]] | None:
    found = snap.rows(
        f"SELECT {_COLUMNS} FROM alerts a LEFT JOIN persons p USING (person_id) WHERE a.alert_id = ?", [alert_id]
    )
    if not found:
        return None
    evidence = snap.rows(
        "SELECT record_type, record_ref FROM alert_evidence WHERE alert_id = ? ORDER BY record_type, record_ref",
        [alert_id],
    )
    return AlertRow(*found[0]), [Evidence(*e) for e in evidence]


def alerts_for(snap: Snapshot, person_ids: list[str]) -> list[AlertRow]:
    if not person_ids:
        return []
    rows = snap.rows(
        f"""SELECT {_COLUMNS} FROM alerts a LEFT JOIN persons p USING (person_id)
            WHERE a.person_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY a.raised_at DESC""",
        [person_ids],
    )
    return [AlertRow(*r) for r in rows]
