"""Running the rules: resolved records in, indicators with the records that prove them out.

Each rule's SQL returns (person_id, fired_at, record_type, record_ref) rows; rows with the same person
and fired_at are one occasion of the rule (one indicator). Every indicator names its rule and version.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from safeguarding.assess.rules_catalogue import Rule

# The snapshot's indicator columns, in order.
INDICATOR_COLUMNS = (
    "indicator_id", "person_id", "rule_id", "rule_version", "category", "title", "fired_at", "weight",
    "explanation", "severity", "counts_as_risk",
)  # fmt: skip


def rule_meta(rules: list[Rule]) -> pa.Table:
    return pa.table(
        {
            "rule_id": [r.id for r in rules],
            "rule_version": pa.array([r.version for r in rules], pa.int32()),
            "category": [r.category for r in rules],
            "title": [r.title for r in rules],
            "weight": pa.array([r.weight for r in rules], pa.float64()),
            "severity": [r.severity for r in rules],
            "counts_as_risk": [r.counts_as_risk for r in rules],
        }
    )


def run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule]) -> None:
    """Fill the connection's ``indicators`` and ``indicator_evidence`` tables from every rule."""
    con.execute(
        """CREATE OR REPLACE TABLE fired (rule_id VARCHAR, person_id VARCHAR, fired_at TIMESTAMPTZ,
                                         record_type VARCHAR, record_ref VARCHAR)"""
    )
    for rule in rules:
        con.execute(
            f"INSERT INTO fired SELECT DISTINCT '{rule.id}', person_id, fired_at, record_type, record_ref"
            f" FROM ({rule.sql}) WHERE person_id IS NOT NULL AND fired_at IS NOT NULL"
        )
    con.register("rule_meta_in", rule_meta(rules))
    con.execute("CREATE OR REPLACE TABLE rule_meta AS SELECT * FROM rule_meta_in")
    con.unregister("rule_meta_in")
    con.execute(
        """CREATE OR REPLACE TABLE indicators AS
           SELECT 'I' || upper(substr(md5(f.person_id || '|' || f.rule_id || '|'
                                             || CAST(epoch_us(f.fired_at) AS VARCHAR)),
                                      1, 12)) AS indicator_id,
                  f.person_id, f.rule_id, m.rule_version, m.category, m.title, f.fired_at, m.weight,
                  m.title || ': ' || count(DISTINCT f.record_type || '|' || f.record_ref) || ' '
                    || CASE WHEN count(DISTINCT f.record_type || '|' || f.record_ref) = 1 THEN 'record'
                            ELSE 'records' END || ' prove it' AS explanation,
                  m.severity, m.counts_as_risk
           FROM fired f JOIN rule_meta m USING (rule_id)
           GROUP BY f.person_id, f.rule_id, f.fired_at, m.rule_version, m.category, m.title, m.weight, m.severity,
                    m.counts_as_risk
           ORDER BY f.person_id, f.rule_id, f.fired_at"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE indicator_evidence AS
           SELECT DISTINCT i.indicator_id, f.record_type, f.record_ref
           FROM fired f JOIN indicators i USING (person_id, rule_id, fired_at)
           ORDER BY 1, 2, 3"""
    )
