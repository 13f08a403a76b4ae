"""Read-only queries on the published snapshot, returning plain dataclasses for the templates.

Each call opens the snapshot file read-only and closes it again: a published file never changes, and
a fresh connection per request means a newly published snapshot is picked up at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb


@dataclass(frozen=True)
class AlertRow:
    alert_id: str
    person_id: str
    person_name: str
    category: str
    title: str
    raised_at: datetime
    evidence_count: int


@dataclass(frozen=True)
class Person:
    person_id: str
    display_name: str
    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    is_child: bool | None
    mention_count: int


@dataclass(frozen=True)
class Mention:
    source_system: str
    person_ref: str
    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None


@dataclass(frozen=True)
class Episode:
    episode_ref: str
    source_system: str
    reported_at: datetime
    found_at: datetime | None
    risk_grade: str | None
    missing_from: str | None
    found_location: str | None


@dataclass(frozen=True)
class Evidence:
    record_type: str
    record_ref: str


@dataclass(frozen=True)
class PersonAlert:
    alert_id: str
    rule_id: str
    rule_version: int
    category: str
    title: str
    raised_at: datetime
    summary: str
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class PersonPage:
    person: Person
    mentions: list[Mention]
    episodes: list[Episode]
    alerts: list[PersonAlert]


@contextmanager
def _connect(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        yield con
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    # DuckDB 2.0: fetch each result fully before the connection runs anything else.
    return list(con.execute(sql, params or []).fetchall())


def list_alerts(path: Path, limit: int = 500) -> list[AlertRow]:
    """Alerts, newest first, with the name of the person each is about."""
    with _connect(path) as con:
        rows = _rows(
            con,
            """
            SELECT a.alert_id, a.person_id, coalesce(p.display_name, '(unknown person)'), a.category,
                   a.title, a.raised_at, a.evidence_count
            FROM alerts a LEFT JOIN persons p USING (person_id)
            ORDER BY a.raised_at DESC, a.alert_id
            LIMIT ?
            """,
            [limit],
        )
    return [AlertRow(*row) for row in rows]


def person_page(path: Path, person_id: str) -> PersonPage | None:
    """Everything the child page shows about one person, or None when the id is unknown."""
    with _connect(path) as con:
        found = _rows(
            con,
            """SELECT person_id, display_name, forenames, surname, date_of_birth, sex, is_child, mention_count
               FROM persons WHERE person_id = ?""",
            [person_id],
        )
        if not found:
            return None
        mentions = _rows(
            con,
            """SELECT source_system, person_ref, forenames, surname, date_of_birth, sex, postcode
               FROM mentions WHERE person_id = ? ORDER BY surname, forenames, source_system, person_ref""",
            [person_id],
        )
        episodes = _rows(
            con,
            """SELECT episode_ref, source_system, reported_at, found_at, risk_grade, missing_from,
                      found_location
               FROM missing_episodes WHERE person_id = ? ORDER BY reported_at DESC""",
            [person_id],
        )
        alerts = _rows(
            con,
            """SELECT alert_id, rule_id, rule_version, category, title, raised_at, summary
               FROM alerts WHERE person_id = ? ORDER BY raised_at DESC""",
            [person_id],
        )
        evidence = _rows(
            con,
            """SELECT e.alert_id, e.record_type, e.record_ref
               FROM alert_evidence e JOIN alerts a USING (alert_id)
               WHERE a.person_id = ? ORDER BY e.record_type, e.record_ref""",
            [person_id],
        )
    by_alert: dict[str, list[Evidence]] = {}
    for alert_id, record_type, record_ref in evidence:
        by_alert.setdefault(alert_id, []).append(Evidence(record_type, record_ref))
    return PersonPage(
        person=Person(*found[0]),
        mentions=[Mention(*m) for m in mentions],
        episodes=[Episode(*e) for e in episodes],
        alerts=[
            PersonAlert(
                alert_id=a[0],
                rule_id=a[1],
                rule_version=a[2],
                category=a[3],
                title=a[4],
                raised_at=a[5],
                summary=a[6],
                evidence=tuple(by_alert.get(a[0], [])),
            )
            for a in alerts
        ],
    )
