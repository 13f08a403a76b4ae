"""The missing-children board: ratification of the risk grade, return home interviews, repeat missing.

One row per episode of a child (or a person of unknown age) in ``board_missing``. Service levels come
from service_levels.yaml (``missing``); "now" is the assessment moment, and a time later than it counts
as not yet happened, so a replay as of a past date sees only what was known then.
"""

from __future__ import annotations

from typing import Any

import duckdb

from safeguarding.assess.clocks.sql import known, minutes_between, quote

# Reasons that say nothing: a decision not to hold an interview needs a real one (DOMAIN.md).
NO_REASON = ("not recorded", "n/a", "unknown", "none", "-")

SQL = """
CREATE OR REPLACE TABLE board_missing AS
WITH e AS (
    SELECT episode_ref, person_id, is_child, age_at_report, reported_at, last_seen_at, risk_grade, graded_by,
           {graded_at} AS graded_at, ratified_by, {ratified_at} AS ratified_at, {found_at} AS found_at,
           rhi_offered, {rhi_done_at} AS rhi_done_at, nullif(trim(rhi_declined_reason), '') AS rhi_declined_reason,
           missing_from, missing_from_type, found_location
    FROM (
        -- As missing_episodes_resolved, on the people table the clocks made once (clocks.build).
        SELECT x.*, m.person_id, age_years(p.date_of_birth, x.reported_at) AS age_at_report,
               age_years(p.date_of_birth, x.reported_at) < 18 AS is_child
        FROM missing_episodes_asof x
        JOIN person_mentions m ON m.source_system = x.source_system AND m.person_ref = x.person_ref
        JOIN clock_people p ON p.person_id = m.person_id
    )
    WHERE is_child IS NOT FALSE
),
counted AS (
    SELECT e.episode_ref, count(*) AS episodes_in_window
    FROM e JOIN e AS p ON p.person_id = e.person_id AND p.reported_at <= e.reported_at
                       AND p.reported_at > e.reported_at - INTERVAL {repeat_days} DAY
    GROUP BY e.episode_ref
),
blaming AS (
    SELECT record_ref AS episode_ref, string_agg(DISTINCT phrase_id, ', ') AS blaming_phrases
    FROM phrase_hits WHERE record_type = 'missing_episodes' AND kind = 'victim_blaming' AND NOT negated
    GROUP BY record_ref
),
clocked AS (
    SELECT e.*, c.episodes_in_window, b.blaming_phrases,
           {ratify_due} AS ratify_due_at,
           e.found_at + INTERVAL {rhi_hours} HOUR AS rhi_due_at
    FROM e JOIN counted c USING (episode_ref) LEFT JOIN blaming b USING (episode_ref)
)
SELECT episode_ref, person_id, is_child, age_at_report, reported_at, last_seen_at, risk_grade, graded_by, graded_at,
       ratified_by, ratified_at, ratify_due_at,
       {ratify_minutes} AS ratify_minutes,
       CASE WHEN ratify_due_at IS NULL AND graded_at IS NULL AND risk_grade IN ({ratified_grades}) THEN 'no_grade_time'
            WHEN ratify_due_at IS NULL THEN 'not_required'
            WHEN ratified_at IS NOT NULL AND ratified_at < graded_at THEN 'out_of_order'
            WHEN ratified_at IS NOT NULL AND ratified_at <= ratify_due_at THEN 'on_time'
            WHEN ratified_at IS NOT NULL THEN 'late'
            WHEN {moment} > ratify_due_at THEN 'overdue'
            ELSE 'awaiting' END AS ratify_status,
       found_at IS NULL AS is_open,
       {hours_missing} AS hours_missing,
       found_at, missing_from, missing_from_type, found_location,
       rhi_due_at, rhi_done_at, rhi_declined_reason,
       CASE WHEN is_child IS NULL THEN 'age_unknown'
            -- An interview cannot precede the return: one with no return is a data problem, still missing.
            WHEN found_at IS NULL AND rhi_done_at IS NOT NULL THEN 'interview_without_return'
            WHEN found_at IS NULL THEN 'not_returned'
            WHEN rhi_done_at IS NOT NULL AND rhi_done_at < found_at THEN 'out_of_order'
            WHEN rhi_done_at IS NOT NULL AND rhi_done_at <= rhi_due_at THEN 'done_in_time'
            WHEN rhi_done_at IS NOT NULL THEN 'done_late'
            WHEN rhi_declined_reason IS NOT NULL AND lower(rhi_declined_reason) NOT IN ({no_reason}) THEN 'declined'
            WHEN rhi_declined_reason IS NOT NULL THEN 'declined_no_reason'
            WHEN {moment} > rhi_due_at THEN 'overdue'
            ELSE 'due' END AS rhi_status,
       episodes_in_window,
       episodes_in_window >= {repeat_episodes} AS repeat_missing,
       blaming_phrases
FROM clocked
"""


def build(con: duckdb.DuckDBPyConnection, levels: dict[str, Any], moment: str) -> None:
    """Create ``board_missing`` on ``con`` (which has the resolved views of assess.views.prepare)."""
    limits: dict[str, int] = levels["ratify_within_minutes"]
    ratify_due = (
        "CASE e.risk_grade "
        + " ".join(f"WHEN {quote(g)} THEN e.graded_at + INTERVAL {int(m)} MINUTE" for g, m in limits.items())
        + " END"
    )
    con.execute(
        SQL.format(
            graded_at=known("graded_at", moment),
            ratified_at=known("ratified_at", moment),
            found_at=known("found_at", moment),
            rhi_done_at=known("rhi_done_at", moment),
            repeat_days=int(levels["repeat_days"]),
            repeat_episodes=int(levels["repeat_episodes"]),
            rhi_hours=int(levels["rhi_within_hours"]),
            ratify_due=ratify_due,
            ratified_grades=", ".join(quote(g) for g in limits),
            ratify_minutes=minutes_between("graded_at", "ratified_at"),
            hours_missing=f"({minutes_between('reported_at', f'coalesce(found_at, {moment})')} / 60.0)",
            no_reason=", ".join(quote(r) for r in NO_REASON),
            moment=moment,
        )
    )
