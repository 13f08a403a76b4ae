"""The registered sex offenders board: notification period (SOA 2003 s.82), ARMS due, home visits, alerts.

``board_rso``: one row per offender. ``board_rso_alerts``: an offender who appears on a record with a
child, lives where a child lives, or at whose address a child goes missing to or from (after registration).
"""

from __future__ import annotations

from typing import Any

import duckdb

from safeguarding.assess.clocks.sql import known

SQL = """
CREATE OR REPLACE TABLE board_rso AS
WITH o AS (
    SELECT o.offender_ref, m.person_id, o.offender_manager, o.registered_on, o.conviction_date, o.disposal,
           o.sentence_months, coalesce(o.under_18_at_conviction, false) AS under_18_at_conviction, o.status,
           o.address_ref, o.last_notified_at, coalesce(o.conviction_date, o.registered_on) AS period_start,
           CASE WHEN o.disposal = 'custody' AND o.sentence_months IS NULL THEN NULL
                WHEN o.disposal = 'custody' AND o.sentence_months >= {indefinite} THEN NULL
                WHEN o.disposal = 'custody' AND o.sentence_months > 6 THEN {over_6}
                WHEN o.disposal = 'custody' THEN {up_to_6}
                WHEN o.disposal = 'caution' THEN {caution}
                ELSE {other} END AS full_months,
           o.disposal = 'custody' AND o.sentence_months >= {indefinite} AS indefinite
    FROM offenders_asof o LEFT JOIN person_mentions m USING (source_system, person_ref)
),
periods AS (
    SELECT *,
           CASE WHEN full_months IS NULL THEN NULL
                WHEN under_18_at_conviction THEN CAST(full_months / 2 AS INTEGER) ELSE full_months END AS period_months
    FROM o
),
arms AS (
    SELECT offender_ref, priority AS arms_priority, assessed_on AS arms_assessed_on, next_due_on AS arms_next_due_on
    FROM (SELECT a.*, row_number() OVER (PARTITION BY offender_ref ORDER BY assessed_on DESC, assessment_ref DESC) AS n
          FROM offender_assessments_asof a WHERE assessed_on <= CAST({local_moment} AS DATE))
    WHERE n = 1
),
visits AS (
    SELECT offender_ref,
           count(*) FILTER (WHERE planned_on <= CAST({local_moment} AS DATE)) AS visits_planned,
           count(*) FILTER (WHERE visited_at IS NOT NULL) AS visits_done,
           count(*) FILTER (WHERE visited_at IS NOT NULL
                            AND visited_at <= {end_of_grace}) AS visits_on_time,
           count(*) FILTER (WHERE visited_at IS NULL AND {end_of_grace} < {moment}) AS visits_overdue,
           max(visited_at) AS last_visited_at,
           min(planned_on) FILTER (WHERE visited_at IS NULL) AS next_visit_on
    FROM (
        -- A call with no access (or a cancelled one) is not a visit: its time does not count as visited.
        SELECT offender_ref, planned_on,
               CASE WHEN coalesce(outcome, 'completed') = 'completed' THEN {visited} END AS visited_at
        FROM offender_visits_asof
    )
    GROUP BY offender_ref
)
SELECT p.offender_ref, p.person_id, p.offender_manager,
       -- A fixed notification period that has run out is ended, whatever the record's status still says.
       CASE WHEN p.period_months IS NOT NULL
                 AND CAST(p.period_start + p.period_months * INTERVAL 1 MONTH AS DATE) <= CAST({local_moment} AS DATE)
            THEN 'ended' ELSE p.status END AS status,
       p.status AS recorded_status,
       p.registered_on, p.conviction_date, p.disposal,
       p.sentence_months, p.under_18_at_conviction, p.indefinite, p.period_months,
       CASE WHEN p.period_months IS NOT NULL THEN CAST(p.period_start + p.period_months * INTERVAL 1 MONTH AS DATE)
            END AS notification_ends_on,
       -- s.91B: an indefinite requirement may be reviewed 15 years (8 if under 18) after the initial notification
       -- (registration), not after conviction.
       CASE WHEN p.indefinite THEN CAST(p.registered_on + INTERVAL 1 YEAR *
                 CASE WHEN p.under_18_at_conviction THEN {review_u18} ELSE {review_years} END AS DATE)
            END AS review_from_on,
       p.last_notified_at,
       CAST(coalesce(CAST(p.last_notified_at AT TIME ZONE 'Europe/London' AS DATE), p.registered_on)
            + INTERVAL 1 YEAR AS DATE) AS renotify_due_on,
       CAST(coalesce(CAST(p.last_notified_at AT TIME ZONE 'Europe/London' AS DATE), p.registered_on)
            + INTERVAL 1 YEAR AS DATE) < CAST({local_moment} AS DATE) AS renotify_overdue,
       a.arms_priority, a.arms_assessed_on, a.arms_next_due_on,
       CASE WHEN a.arms_assessed_on IS NULL THEN 'none'
            WHEN a.arms_next_due_on IS NULL THEN 'no_next_date'
            WHEN a.arms_next_due_on < CAST({local_moment} AS DATE) THEN 'overdue'
            ELSE 'in_date' END AS arms_status,
       coalesce(v.visits_planned, 0) AS visits_planned, coalesce(v.visits_done, 0) AS visits_done,
       coalesce(v.visits_on_time, 0) AS visits_on_time, coalesce(v.visits_overdue, 0) AS visits_overdue,
       v.last_visited_at, v.next_visit_on, p.address_ref,
       {visit_due} AS visit_due_on,
       {visit_due} < CAST({local_moment} AS DATE) AS visit_due_passed
FROM periods p LEFT JOIN arms a USING (offender_ref) LEFT JOIN visits v USING (offender_ref)
"""

ALERTS = """
CREATE OR REPLACE TABLE board_rso_alerts AS
WITH rso AS (
    SELECT offender_ref, person_id, address_ref, CAST(registered_on AS TIMESTAMPTZ) AS registered_at
    FROM board_rso WHERE person_id IS NOT NULL
),
with_child AS (
    SELECT r.offender_ref, r.person_id, 'with_child_on_record' AS kind, a.record_type, a.record_ref, a.event_at,
           b.person_id AS child_id
    FROM rso r
    JOIN record_people a ON a.person_id = r.person_id AND a.event_at >= r.registered_at
    JOIN record_people b ON b.record_type = a.record_type AND b.record_ref = a.record_ref AND b.is_child
         AND b.person_id <> r.person_id
    WHERE a.record_type <> 'offenders'
),
child_lives AS (
    SELECT r.offender_ref, r.person_id, 'child_at_address' AS kind, 'locations' AS record_type,
           r.address_ref AS record_ref, max(ma.recorded_at) AS event_at, ma.person_id AS child_id
    FROM rso r
    JOIN mention_attrs ma ON ma.address_ref = r.address_ref AND ma.person_id <> r.person_id
    JOIN clock_people pr ON pr.person_id = ma.person_id AND age_years(pr.date_of_birth, {moment}) < 18
    GROUP BY ALL
),
missing_to AS (
    SELECT r.offender_ref, r.person_id, 'child_missing_to_address' AS kind, 'missing_episodes' AS record_type,
           e.episode_ref AS record_ref, e.reported_at AS event_at, m.person_id AS child_id
    FROM rso r JOIN missing_episodes_asof e
         ON (e.found_location_ref = r.address_ref OR e.missing_from_ref = r.address_ref)
        AND e.reported_at >= r.registered_at
    JOIN person_mentions m ON m.source_system = e.source_system AND m.person_ref = e.person_ref
    JOIN clock_people c ON c.person_id = m.person_id AND age_years(c.date_of_birth, e.reported_at) < 18
)
SELECT DISTINCT * FROM (
    SELECT * FROM with_child UNION ALL SELECT * FROM child_lives UNION ALL SELECT * FROM missing_to
)
"""


def build(con: duckdb.DuckDBPyConnection, levels: dict[str, Any], moment: str) -> None:
    """Create ``board_rso`` and ``board_rso_alerts`` on ``con``."""
    grace = int(levels["visit_grace_days"])
    # The next home visit the ARMS priority calls for: the last visit (or registration) plus the priority's
    # months, plus the tolerance. No ARMS priority yet: none can be worked out.
    every: dict[str, int] = levels["visit_every_months"]
    since = "coalesce(CAST(v.last_visited_at AT TIME ZONE 'Europe/London' AS DATE), p.registered_on)"
    visit_due = (
        "CASE a.arms_priority "
        + " ".join(
            f"WHEN '{k}' THEN CAST({since} + INTERVAL {int(m)} MONTH + INTERVAL {grace} DAY AS DATE)"
            for k, m in every.items()
        )
        + " END"
    )
    con.execute(
        SQL.format(
            indefinite=int(levels["indefinite_from_sentence_months"]),
            over_6=int(levels["custody_over_6_months"]),
            up_to_6=int(levels["custody_6_months_or_less"]),
            caution=int(levels["caution"]),
            other=int(levels["other_disposal"]),
            review_years=int(levels["indefinite_review_years"]),
            review_u18=int(levels["indefinite_review_years_under_18"]),
            local_moment=f"({moment} AT TIME ZONE 'Europe/London')",
            visited=known("visited_at", moment),
            end_of_grace=f"(CAST(planned_on + INTERVAL {grace + 1} DAY AS TIMESTAMP) AT TIME ZONE 'Europe/London')",
            visit_due=visit_due,
            moment=moment,
        )
    )
    con.execute(ALERTS.format(moment=moment))
