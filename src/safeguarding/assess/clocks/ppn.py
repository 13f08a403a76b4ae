"""The PPN board: quality score, sharing with children's social care, Operation Encompass, green escalation,
and "child to notice" (an incident with a child and no PPN in time).

``board_ppn``: one row per PPN. ``board_child_to_notice``: one row per incident with a child present.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb

from safeguarding.assess.clocks.sql import from_local, hhmm_minutes, known, local, meaningful, quote

# Quality weights that name a PPN text field (the rest are clocks).
TEXT_FIELDS = (
    "concern", "child_voice", "child_location", "household_members", "parental_responsibility", "risk_reason",
    "communication_needs", "other_agencies", "parents_aware",
)  # fmt: skip

SQL = """
CREATE OR REPLACE TABLE board_ppn AS
WITH subject AS (
    SELECT record_ref AS ppn_ref, min(person_id) AS person_id, bool_or(is_child) AS subject_is_child
    FROM record_people WHERE record_type = 'ppns' AND role = 'subject' GROUP BY record_ref
),
p AS (
    -- The subject is the PPN's own subject_person_ref; a record_persons 'subject' row is the fallback.
    SELECT x.ppn_ref, coalesce(m.person_id, s.person_id) AS person_id,
           coalesce(age_years(c.date_of_birth, coalesce(x.incident_at, x.submitted_at)) < 18, s.subject_is_child)
               AS subject_is_child,
           x.incident_ref, x.incident_at, x.submitted_at, x.grade,
           x.concern_type, x.officer, {shared} AS shared_with_csc_at, {school} AS school_notified_at,
           {checks},
           x.incident_at IS NOT NULL AND x.submitted_at <= x.incident_at + INTERVAL 24 HOUR AS submitted_within_24h
    FROM ppns_asof x LEFT JOIN subject s USING (ppn_ref)
    LEFT JOIN person_mentions m ON m.source_system = x.source_system AND m.person_ref = x.subject_person_ref
    LEFT JOIN clock_people c ON c.person_id = m.person_id
),
household_children AS (
    -- Operation Encompass covers every child living in the household, whoever the PPN is about: children named
    -- on the PPN or its incident, the subject if a child, and children living at the subject's home address.
    SELECT ppn_ref, count(DISTINCT child_id) AS children FROM (
        SELECT p.ppn_ref, rp.person_id AS child_id FROM p
        JOIN record_people rp ON rp.record_type = 'ppns' AND rp.record_ref = p.ppn_ref WHERE rp.is_child
        UNION ALL
        SELECT p.ppn_ref, rp.person_id FROM p
        JOIN record_people rp ON rp.record_type = 'incidents' AND rp.record_ref = p.incident_ref WHERE rp.is_child
        UNION ALL
        SELECT ppn_ref, person_id FROM p WHERE subject_is_child
        UNION ALL
        SELECT p.ppn_ref, h.other_id FROM p JOIN same_household h ON h.person_id = p.person_id
        JOIN clock_people c ON c.person_id = h.other_id
        WHERE age_years(c.date_of_birth, coalesce(p.incident_at, p.submitted_at)) < 18
    ) GROUP BY ppn_ref
),
school_start AS (
    -- The start of the first school day after the incident: a configured school weekday, not a holiday, whose
    -- start (London time) is later than the incident, so 02:00 on a Tuesday is due 08:30 that Tuesday.
    SELECT ppn_ref, min(start_at) AS school_due_at FROM (
        SELECT p.ppn_ref, {day_start} AS start_at, {school_day} AS school_day, coalesce(p.incident_at, p.submitted_at)
               AS incident_time
        FROM p JOIN household_children hc USING (ppn_ref)
        CROSS JOIN (VALUES {offsets}) AS o(k)
        WHERE p.concern_type IN ({encompass})
    )
    WHERE start_at > incident_time AND isodow(school_day) IN ({school_days}) AND NOT ({holiday})
    GROUP BY ppn_ref
),
scored AS (
    SELECT *,
           {score} AS quality_score,
           concat_ws(', ', {missing}) AS quality_missing,
           {share_due} AS share_due_at, ss.school_due_at, coalesce(hc.children, 0) AS household_children
    FROM p LEFT JOIN school_start ss USING (ppn_ref) LEFT JOIN household_children hc USING (ppn_ref)
),
greens AS (
    SELECT a.ppn_ref, count(*) AS greens_in_window
    FROM scored a JOIN scored b ON a.person_id = b.person_id AND b.grade = 'green'
         AND coalesce(b.incident_at, b.submitted_at) <= coalesce(a.incident_at, a.submitted_at)
         AND coalesce(b.incident_at, b.submitted_at)
             > coalesce(a.incident_at, a.submitted_at) - INTERVAL {green_days} DAY
    WHERE a.grade = 'green'
    GROUP BY a.ppn_ref
)
SELECT ppn_ref, person_id, subject_is_child, incident_ref, incident_at, submitted_at, grade, concern_type, officer,
       quality_score, quality_missing, submitted_within_24h,
       share_due_at, shared_with_csc_at,
       CASE WHEN shared_with_csc_at IS NOT NULL AND shared_with_csc_at < submitted_at THEN 'out_of_order'
            WHEN shared_with_csc_at IS NOT NULL AND shared_with_csc_at <= share_due_at THEN 'on_time'
            WHEN shared_with_csc_at IS NOT NULL THEN 'late'
            WHEN {moment} > share_due_at THEN 'overdue'
            ELSE 'due' END AS share_status,
       school_due_at, school_notified_at, household_children,
       CASE WHEN school_due_at IS NULL THEN NULL
            WHEN school_notified_at IS NOT NULL AND school_notified_at <= school_due_at THEN 'on_time'
            WHEN school_notified_at IS NOT NULL THEN 'late'
            WHEN {moment} > school_due_at THEN 'overdue'
            ELSE 'due' END AS school_status,
       coalesce(g.greens_in_window, 0) AS greens_in_window,
       coalesce(g.greens_in_window, 0) >= {green_count} AS green_escalation
FROM scored LEFT JOIN greens g USING (ppn_ref)
"""

CHILD_TO_NOTICE = """
CREATE OR REPLACE TABLE board_child_to_notice AS
WITH kids AS (
    SELECT record_ref AS incident_ref, count(DISTINCT person_id) AS children
    FROM record_people WHERE record_type = 'incidents' AND is_child GROUP BY record_ref
),
first_ppn AS (
    SELECT incident_ref, min(submitted_at) AS first_ppn_at
    FROM ppns_asof WHERE incident_ref IS NOT NULL AND submitted_at <= {moment} GROUP BY incident_ref
),
inc AS (
    SELECT i.incident_ref, i.occurred_at, i.category, i.officer, coalesce(k.children, 0) AS children,
           f.first_ppn_at, i.occurred_at + INTERVAL {hours} HOUR AS ppn_due_at
    FROM incidents_asof i LEFT JOIN kids k USING (incident_ref) LEFT JOIN first_ppn f USING (incident_ref)
    WHERE k.children > 0 OR coalesce(i.child_present, false)
)
SELECT incident_ref, occurred_at, category, officer, children, ppn_due_at, first_ppn_at,
       CASE WHEN first_ppn_at IS NOT NULL AND first_ppn_at <= ppn_due_at THEN 'on_time'
            WHEN first_ppn_at IS NOT NULL THEN 'late'
            WHEN {moment} > ppn_due_at THEN 'no_ppn'
            ELSE 'due' END AS status
FROM inc
"""


# How many days past the incident a school day is looked for (longer than any school holiday).
LOOKAHEAD_DAYS = 70


def _holiday(entry: Any) -> tuple[str, str]:
    """A holiday from the policy: a date, or 'YYYY-MM-DD..YYYY-MM-DD' (both days included), as ISO texts."""
    text = str(entry)
    first, _, last = text.partition("..")
    try:
        a, b = date.fromisoformat(first.strip()), date.fromisoformat((last or first).strip())
    except ValueError:
        raise ValueError(f"ppn.school_holidays: {text!r} is not a date or 'YYYY-MM-DD..YYYY-MM-DD'") from None
    return a.isoformat(), b.isoformat()


def build(con: duckdb.DuckDBPyConnection, levels: dict[str, Any], moment: str) -> None:
    """Create ``board_ppn`` and ``board_child_to_notice`` on ``con``."""
    weights: dict[str, int] = levels["quality_weights"]
    empty = levels["empty_answers"]
    checks = ",\n           ".join(f"{meaningful('x.' + f, empty)} AS has_{f}" for f in TEXT_FIELDS)
    terms = [f"CASE WHEN has_{f} THEN {int(weights.get(f, 0))} ELSE 0 END" for f in TEXT_FIELDS]
    terms.append(f"CASE WHEN submitted_within_24h THEN {int(weights.get('submitted_within_24h', 0))} ELSE 0 END")
    missing = [f"CASE WHEN NOT has_{f} THEN {quote(f)} END" for f in TEXT_FIELDS if weights.get(f)]
    # Red: by the end of the (London) day it was submitted; others within N hours.
    red_due = from_local(f"date_trunc('day', {local('submitted_at')}) + INTERVAL 1 DAY")
    share_due = (
        f"CASE WHEN grade = 'red' THEN {red_due}"
        f" ELSE submitted_at + INTERVAL {int(levels['share_within_hours'])} HOUR END"
    )
    # Operation Encompass: candidate days from the incident's (London) day on, each at the school-day start.
    start = hhmm_minutes(str(levels["school_day_starts"]))
    school_day = f"(date_trunc('day', {local('coalesce(p.incident_at, p.submitted_at)')}) + o.k * INTERVAL 1 DAY)"
    day_start = from_local(f"{school_day} + INTERVAL {start} MINUTE")
    days = [int(d) for d in levels["school_days"]]
    if not days or any(not 1 <= d <= 7 for d in days):
        raise ValueError("ppn.school_days must list ISO weekdays (1 Monday .. 7 Sunday)")
    holidays = [_holiday(h) for h in levels.get("school_holidays") or []]
    holiday = " OR ".join(f"CAST(school_day AS DATE) BETWEEN DATE '{a}' AND DATE '{b}'" for a, b in holidays)
    con.execute(
        SQL.format(
            shared=known("x.shared_with_csc_at", moment),
            school=known("x.school_notified_at", moment),
            checks=checks,
            score="(" + " + ".join(terms) + ")",
            missing=", ".join(missing),
            share_due=share_due,
            day_start=day_start,
            school_day=school_day,
            offsets=", ".join(f"({k})" for k in range(LOOKAHEAD_DAYS + 1)),
            school_days=", ".join(str(d) for d in days),
            holiday=holiday or "false",
            encompass=", ".join(quote(c) for c in levels["encompass_concerns"]),
            green_days=int(levels["green_escalation_days"]),
            green_count=int(levels["green_escalation_count"]),
            moment=moment,
        )
    )
    con.execute(CHILD_TO_NOTICE.format(moment=moment, hours=int(levels["child_to_notice_hours"])))
