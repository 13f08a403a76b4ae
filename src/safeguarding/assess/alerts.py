"""Alerts: a child, group or place that crossed a threshold or gained a high-severity indicator.

One alert per subject and reason, whatever the number of runs: the alert id is a hash of (subject type,
subject id, reason), so re-running the assessment on the same or more data gives the same id (the
portal keys a person's review by it). ``raised_at`` is the first moment the condition held. Every alert
carries its reasons (summary) and the records that prove it, and waits for a person's review.

Reasons: ``rule:<rule id>`` (a high-severity indicator), ``score:<category>`` (a category score reached its
threshold), ``group:<kind>`` and ``place:<kind>`` (networks.py and places.py).
"""

from __future__ import annotations

import duckdb

STAGING = """
CREATE OR REPLACE TABLE alert_staging (
    subject_type VARCHAR, subject_id VARCHAR, person_id VARCHAR, reason VARCHAR, rule_id VARCHAR,
    rule_version INTEGER, category VARCHAR, title VARCHAR, raised_at TIMESTAMPTZ, summary VARCHAR,
    severity VARCHAR, score DOUBLE);
CREATE OR REPLACE TABLE alert_evidence_staging (
    subject_type VARCHAR, subject_id VARCHAR, reason VARCHAR, record_type VARCHAR, record_ref VARCHAR);
"""

# Numbers written into text are rounded half up with floor(x * 10 + 0.5) / 10, not round(x, 1): DuckDB rounds a
# double's exact binary value (31.65 -> 31.6) and Spark its decimal text (31.65 -> 31.7), and the text must not
# depend on the engine.
PERSON_ALERTS = """
INSERT INTO alert_staging
SELECT 'person', person_id, person_id, 'rule:' || rule_id, rule_id, rule_version, category, title, min(fired_at),
       title || ': ' || count(*) || CASE WHEN count(*) = 1 THEN ' occasion' ELSE ' occasions' END
         || ', first on ' || strftime(min(fired_at), '%d %b %Y'),
       'high', NULL
FROM indicators WHERE severity = 'high'
GROUP BY person_id, rule_id, rule_version, category, title;

INSERT INTO alert_evidence_staging
SELECT DISTINCT 'person', i.person_id, 'rule:' || i.rule_id, e.record_type, e.record_ref
FROM indicators i JOIN indicator_evidence e USING (indicator_id) WHERE i.severity = 'high';

INSERT INTO alert_staging
WITH crossed AS (
    SELECT h.person_id, h.category, min(h.event_at) AS raised_at, max(h.score) AS peak,
           any_value(t.threshold) AS threshold
    FROM score_history h JOIN score_threshold t USING (category) WHERE h.score >= t.threshold
    GROUP BY h.person_id, h.category
),
why AS (
    SELECT c.person_id, c.category,
           string_agg(DISTINCT i.title, '; ' ORDER BY i.title) AS titles
    FROM crossed c JOIN indicators i ON i.person_id = c.person_id AND i.category = c.category
     AND i.counts_as_risk AND i.fired_at <= c.raised_at
    GROUP BY c.person_id, c.category
)
SELECT 'person', c.person_id, c.person_id, 'score:' || c.category, 'category_score', {scoring_version}, c.category,
       'Risk score: ' || replace(c.category, '_', ' '), c.raised_at,
       'Score reached ' || floor(c.peak * 10 + 0.5) / 10 || ' (threshold ' || c.threshold || ') from: ' || w.titles,
       'standard', round(coalesce(s.score, 0), 2)
FROM crossed c JOIN why w USING (person_id, category) LEFT JOIN scores s USING (person_id, category);

INSERT INTO alert_evidence_staging
SELECT DISTINCT 'person', a.subject_id, a.reason, e.record_type, e.record_ref
FROM alert_staging a
JOIN indicators i ON i.person_id = a.subject_id AND i.category = a.category AND i.counts_as_risk
JOIN indicator_evidence e USING (indicator_id)
WHERE a.subject_type = 'person' AND a.reason LIKE 'score:%';
"""

FINAL = """
CREATE OR REPLACE TABLE alerts AS
SELECT 'A' || upper(substr(md5(a.subject_type || '|' || a.subject_id || '|' || a.reason), 1, 12)) AS alert_id,
       a.subject_type, a.subject_id, a.person_id, a.reason, a.rule_id, a.rule_version, a.category, a.title,
       a.raised_at, a.summary, coalesce(n.evidence_count, 0) AS evidence_count, a.severity, a.score,
       'awaiting_review' AS status
FROM alert_staging a
LEFT JOIN (SELECT subject_type, subject_id, reason, count(DISTINCT (record_type, record_ref)) AS evidence_count
           FROM alert_evidence_staging GROUP BY ALL) n USING (subject_type, subject_id, reason)
ORDER BY a.raised_at, alert_id;

CREATE OR REPLACE TABLE alert_evidence AS
SELECT DISTINCT a.alert_id, e.record_type, e.record_ref
FROM alert_evidence_staging e JOIN alerts a USING (subject_type, subject_id, reason)
ORDER BY 1, 2, 3;
"""


def start(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the staging tables that every kind of alert is added to."""
    con.execute(STAGING)


def add_person_alerts(con: duckdb.DuckDBPyConnection, scoring_version: int) -> None:
    """Alerts for children: each high-severity rule gained, and each category score that reached its threshold."""
    con.execute(PERSON_ALERTS.format(scoring_version=int(scoring_version)))


def finish(con: duckdb.DuckDBPyConnection) -> None:
    """Give every staged alert its stable id and build ``alerts`` and ``alert_evidence``."""
    con.execute(FINAL)
