"""Cases that audits and scrutiny panels can pick from the published snapshot.

A case is one record about a child: a missing episode, a custody detention, a PPN, an online referral
or an exploitation alert. Missing episodes and alerts are in every snapshot; custody, PPN and online
referral tables (``board_custody``, ``board_ppn``, ``board_online``) come with the statutory-clock
boards and are used only when a snapshot has them (tables and columns are looked up, so a snapshot
without them simply offers no cases of that type).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from safeguarding.web.data.reader import Snapshot

CASE_TYPES: dict[str, str] = {
    "missing": "Missing episode",
    "custody": "Custody detention",
    "ppn": "Public Protection Notice",
    "online": "Online referral",
    "exploitation": "Exploitation alert",
}


@dataclass(frozen=True)
class Case:
    case_type: str
    case_ref: str
    person_id: str | None
    person_name: str
    occurred_at: datetime | None
    summary: str

    @property
    def type_label(self) -> str:
        return CASE_TYPES.get(self.case_type, self.case_type)


@dataclass(frozen=True)
class _Source:
    tables: tuple[str, ...]  # the boards' table first, then the plain record table
    refs: tuple[str, ...]
    people: tuple[str, ...]
    times: tuple[str, ...]
    summaries: tuple[str, ...]
    where: str = "TRUE"


_SOURCES: dict[str, _Source] = {
    "missing": _Source(("missing_episodes",), ("episode_ref",), ("person_id",), ("reported_at",), ("risk_grade",)),
    "custody": _Source(
        ("board_custody", "custody_detentions"),
        ("custody_ref",),
        ("person_id", "detainee_person_id"),
        ("arrived_at",),
        ("offence",),
    ),
    "ppn": _Source(
        ("board_ppn", "ppns"), ("ppn_ref",), ("person_id", "subject_person_id"), ("submitted_at",), ("grade",)
    ),
    # An online referral's person is the suspect (an adult), not a child.
    "online": _Source(
        ("board_online", "online_referrals"),
        ("referral_ref",),
        ("person_id", "suspect_person_id"),
        ("received_at",),
        ("priority",),
    ),
    "exploitation": _Source(
        ("alerts",), ("alert_id",), ("person_id",), ("raised_at",), ("title",), where="category = 'exploitation'"
    ),
}


def _select(snap: Snapshot, case_type: str) -> str | None:
    """The SELECT for one case type, or None when this snapshot lacks its table or columns."""
    src = _SOURCES[case_type]
    table = next((t for t in src.tables if t in snap.columns), None)
    if table is None:
        return None
    ref = snap.pick(table, *src.refs)
    person = snap.pick(table, *src.people)
    when = snap.pick(table, *src.times)
    if ref is None or when is None:
        return None
    summary = snap.pick(table, *src.summaries)
    return (
        f"SELECT '{case_type}' AS case_type, CAST(c.{ref} AS VARCHAR) AS case_ref, "
        f"{'c.' + person if person else 'NULL'} AS person_id, c.{when} AS occurred_at, "
        f"{'CAST(c.' + summary + ' AS VARCHAR)' if summary else 'NULL'} AS summary "
        f"FROM {table} c WHERE {src.where}"
    )


def available_types(snap: Snapshot) -> list[str]:
    """Case types this snapshot can offer."""
    return [t for t in CASE_TYPES if _select(snap, t) is not None]


def list_cases(
    snap: Snapshot,
    *,
    types: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    refs: list[tuple[str, str]] | None = None,
    limit: int = 5000,
) -> list[Case]:
    """Cases of ``types`` that happened in [since, until] (UTC dates), newest first."""
    parts = [s for t in (types or list(CASE_TYPES)) if t in _SOURCES and (s := _select(snap, t)) is not None]
    if not parts:
        return []
    where: list[str] = ["TRUE"]
    params: list[object] = []
    if since is not None:
        where.append("CAST(u.occurred_at AS DATE) >= ?")
        params.append(since)
    if until is not None:
        where.append("CAST(u.occurred_at AS DATE) <= ?")
        params.append(until)
    if refs is not None:
        if not refs:
            return []
        where.append("(" + " OR ".join("(u.case_type = ? AND u.case_ref = ?)" for _ in refs) + ")")
        for pair in refs:
            params.extend(pair)
    sql = (
        "SELECT u.case_type, u.case_ref, u.person_id, coalesce(p.display_name, 'Unknown person'), u.occurred_at,"
        f" coalesce(u.summary, '') FROM ({' UNION ALL '.join(parts)}) u LEFT JOIN persons p USING (person_id)"
        f" WHERE {' AND '.join(where)} ORDER BY u.occurred_at DESC, u.case_ref LIMIT {int(limit)}"
    )
    return [Case(*row) for row in snap.rows(sql, params)]


def get_case(snap: Snapshot, case_type: str, case_ref: str) -> Case | None:
    found = list_cases(snap, types=[case_type], refs=[(case_type, case_ref)], limit=1)
    return found[0] if found else None
