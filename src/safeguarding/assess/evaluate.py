"""Running the rules: resolved records in, indicators with their evidence and alerts out.

Rules see the lake's views plus the resolved views made here (records joined to person ids).
Every output row names the rule and rule version that made it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pyarrow as pa

from safeguarding.assess.rules_catalogue import Rule

log = logging.getLogger(__name__)

RESOLVED_VIEWS = """
CREATE OR REPLACE VIEW persons_resolved AS
SELECT person_id,
       mode(forenames) FILTER (WHERE forenames IS NOT NULL) AS forenames,
       mode(surname) FILTER (WHERE surname IS NOT NULL) AS surname,
       mode(date_of_birth) FILTER (WHERE date_of_birth IS NOT NULL) AS date_of_birth,
       mode(sex) FILTER (WHERE sex IS NOT NULL AND sex <> 'U') AS sex,
       count(*) AS mention_count
FROM person_mentions GROUP BY person_id;

CREATE OR REPLACE VIEW missing_episodes_resolved AS
SELECT e.*, m.person_id,
       date_diff('year', p.date_of_birth, CAST(e.reported_at AS DATE))
         - CASE WHEN strftime(CAST(e.reported_at AS DATE), '%m%d') < strftime(p.date_of_birth, '%m%d')
                THEN 1 ELSE 0 END AS age_at_report
FROM missing_episodes e
JOIN person_mentions m ON m.source_system = e.source_system AND m.person_ref = e.person_ref
JOIN persons_resolved p USING (person_id);
"""


@dataclass
class _Alert:
    first: datetime
    version: int
    category: str
    title: str
    refs: set[str] = field(default_factory=set)


@dataclass
class Assessment:
    indicators: pa.Table
    indicator_evidence: pa.Table
    alerts: pa.Table
    alert_evidence: pa.Table


def _short_hash(*parts: str) -> str:
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:12].upper()


def prepare(con: duckdb.DuckDBPyConnection, mentions: pa.Table) -> None:
    """Register resolved mentions and create the resolved views the rules read."""
    con.register("person_mentions", mentions)
    con.execute(RESOLVED_VIEWS)


def evaluate(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> Assessment:
    """Run every rule; build indicators (one per person and occasion) and alerts (one per person and rule)."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE fired (rule_id VARCHAR, person_id VARCHAR, fired_at TIMESTAMPTZ,
                                             record_type VARCHAR, record_ref VARCHAR)"""
    )
    for rule in rules:
        con.execute(f"INSERT INTO fired SELECT '{rule.id}', * FROM ({rule.sql})")
    meta = pa.table(
        {
            "rule_id": [r.id for r in rules],
            "rule_version": pa.array([r.version for r in rules], pa.int32()),
            "category": [r.category for r in rules],
            "title": [r.title for r in rules],
            "weight": pa.array([r.weight for r in rules], pa.float64()),
        }
    )
    con.register("rule_meta", meta)
    occasions = con.execute(
        """SELECT f.rule_id, f.person_id, f.fired_at, count(DISTINCT f.record_ref) AS n,
                  list(DISTINCT f.record_type || '|' || f.record_ref ORDER BY f.record_type || '|' || f.record_ref)
                    AS refs,
                  m.rule_version, m.category, m.title, m.weight
           FROM fired f JOIN rule_meta m USING (rule_id)
           GROUP BY ALL ORDER BY f.person_id, f.rule_id, f.fired_at"""
    ).fetchall()
    ind_rows: dict[str, list[object]] = {k: [] for k in (
        "indicator_id", "person_id", "rule_id", "rule_version", "category", "title", "fired_at", "weight",
        "explanation")}  # fmt: skip
    ev_rows: dict[str, list[str]] = {"indicator_id": [], "record_type": [], "record_ref": []}
    alerts: dict[tuple[str, str], _Alert] = {}
    for rule_id, person_id, fired_at, n, refs, version, category, title, weight in occasions:
        indicator_id = "I" + _short_hash(person_id, rule_id, fired_at.isoformat())
        explanation = f"{title}: {n} {'record' if n == 1 else 'records'} in the rule's window"
        for key, value in zip(
            ind_rows,
            (indicator_id, person_id, rule_id, version, category, title, fired_at, weight, explanation),
            strict=True,
        ):
            ind_rows[key].append(value)
        for ref in refs:
            record_type, record_ref = ref.split("|", 1)
            ev_rows["indicator_id"].append(indicator_id)
            ev_rows["record_type"].append(record_type)
            ev_rows["record_ref"].append(record_ref)
        alerts.setdefault((person_id, rule_id), _Alert(fired_at, version, category, title)).refs.update(refs)
    con.unregister("rule_meta")
    alert_table, alert_evidence = _alerts_table(alerts)
    return Assessment(pa.table(ind_rows), pa.table(ev_rows), alert_table, alert_evidence)


def _alerts_table(alerts: dict[tuple[str, str], _Alert]) -> tuple[pa.Table, pa.Table]:
    cols: dict[str, list[object]] = {k: [] for k in (
        "alert_id", "person_id", "rule_id", "rule_version", "category", "title", "raised_at", "summary",
        "evidence_count")}  # fmt: skip
    ev: dict[str, list[str]] = {"alert_id": [], "record_type": [], "record_ref": []}
    for (person_id, rule_id), a in sorted(alerts.items()):
        alert_id = "A" + _short_hash(person_id, rule_id, a.first.isoformat())
        refs = sorted(a.refs)
        summary = f"{a.title}: {len(refs)} records, first met {a.first:%d %b %Y}"
        for key, value in zip(
            cols,
            (alert_id, person_id, rule_id, a.version, a.category, a.title, a.first, summary, len(refs)),
            strict=True,
        ):
            cols[key].append(value)
        for ref in refs:
            record_type, record_ref = ref.split("|", 1)
            ev["alert_id"].append(alert_id)
            ev["record_type"].append(record_type)
            ev["record_ref"].append(record_ref)
    return pa.table(cols), pa.table(ev)
