"""The online child-abuse referrals board: KIRAT-style priority, action deadline, regrades down, overdue.

``board_online``: one row per referral, with its answers, the priority the decision table gives from its answers
(levels.priority_sql), the deadline for enforcement action, and whether the recorded priority is lower.
Referrals entered on the portal live in the app database and are shown beside these.
"""

from __future__ import annotations

from typing import Any

import duckdb

from safeguarding.assess.clocks.sql import known
from safeguarding.policy.levels import PRIORITIES, STEPS, priority_sql

# The questionnaire's answers, in its order, kept so a referral can be re-graded on the portal.
ANSWER_ORDER = tuple(a for step in STEPS.values() for a in step)

SQL = """
CREATE OR REPLACE TABLE board_online AS
WITH suspect AS (
    SELECT record_ref AS referral_ref, min(person_id) AS person_id
    FROM record_people WHERE record_type = 'online_referrals' AND role = 'suspect' GROUP BY record_ref
),
r AS (
    SELECT o.referral_ref, s.person_id, o.referrer, o.received_at, o.officer, o.recorded_priority, o.graded_at,
           {enforcement} AS enforcement_at, {priority} AS priority, {answers}
    FROM online_referrals_asof o LEFT JOIN suspect s USING (referral_ref)
),
d AS (SELECT *, {deadline} AS deadline_at, {rank_recorded} AS recorded_rank, {rank_priority} AS priority_rank FROM r)
SELECT referral_ref, person_id, referrer, received_at, officer, priority, deadline_at, recorded_priority, graded_at,
       recorded_priority IS NOT NULL AND recorded_rank < priority_rank AS graded_down,
       enforcement_at,
       CASE WHEN enforcement_at IS NOT NULL AND enforcement_at <= deadline_at THEN 'actioned_in_time'
            WHEN enforcement_at IS NOT NULL THEN 'actioned_late'
            WHEN {moment} > deadline_at THEN 'overdue'
            ELSE 'open' END AS status,
       {answer_columns}
FROM d
"""


def _rank(column: str) -> str:
    return "CASE " + " ".join(f"WHEN {column} = '{p}' THEN {n}" for n, p in enumerate(PRIORITIES)) + " END"


def build(con: duckdb.DuckDBPyConnection, levels: dict[str, Any], moment: str) -> None:
    """Create ``board_online`` on ``con``."""
    hours: dict[str, int] = levels["deadline_hours"]
    deadline = (
        "CASE priority "
        + " ".join(f"WHEN '{p}' THEN received_at + INTERVAL {int(h)} HOUR" for p, h in hours.items())
        + " END"
    )
    con.execute(
        SQL.format(
            enforcement=known("o.enforcement_at", moment),
            priority=priority_sql(levels),
            deadline=deadline,
            rank_recorded=_rank("recorded_priority"),
            rank_priority=_rank("priority"),
            answers=", ".join(f"coalesce(o.{a}, false) AS {a}" for a in ANSWER_ORDER),
            answer_columns=", ".join(ANSWER_ORDER),
            moment=moment,
        )
    )
