"""``monthly_measures``: each board's measures per calendar month (Europe/London), for trend charts and for
the "Outcomes for children" page (issue #9 reads this table).

Columns: board, measure, label, month, numerator, denominator, value. value = numerator / denominator,
or a median or mean where the measure says so (then numerator may be NULL). A month appears for a measure
only when its denominator is above zero.
"""

from __future__ import annotations

import duckdb

from safeguarding import policy
from safeguarding.assess.clocks.sql import london_month, quote

# (board, measure, label, SQL giving month, numerator, denominator[, value])
MEASURES: list[tuple[str, str, str, str]] = [
    ("missing", "rhi_within_72h", "Return home interviews done within {policy:missing.rhi_within_hours} hours",
     f"""SELECT {london_month('found_at')} AS month, count(*) FILTER (WHERE rhi_status = 'done_in_time') AS numerator,
               count(*) AS denominator
        FROM board_missing WHERE is_child AND found_at IS NOT NULL AND rhi_status <> 'due' GROUP BY ALL"""),
    ("missing", "ratified_on_time", "Risk grades ratified within the service level",
     f"""SELECT {london_month('graded_at')}, count(*) FILTER (WHERE ratify_status = 'on_time'), count(*)
        FROM board_missing WHERE ratify_status NOT IN ('not_required', 'awaiting', 'no_grade_time') GROUP BY ALL"""),
    ("missing", "repeat_missing_rate", "Children missing in the month who are repeat missing",
     f"""SELECT month, count(DISTINCT person_id) FILTER (WHERE repeat_missing), count(DISTINCT person_id)
        FROM (SELECT {london_month('reported_at')} AS month, person_id, repeat_missing FROM board_missing
              WHERE is_child) GROUP BY ALL"""),
    ("custody", "aa_median_minutes", "Median minutes from juvenile identified to appropriate adult arrived",
     f"""SELECT {london_month('arrived_at')}, NULL, count(aa_total_minutes), median(aa_total_minutes)
        FROM board_custody WHERE aa_total_minutes IS NOT NULL AND aa_total_minutes >= 0 GROUP BY ALL"""),
    ("custody", "aa_on_time", "Appropriate adult requested and arrived within the service levels",
     f"""SELECT {london_month('arrived_at')},
               count(*) FILTER (WHERE aa_request_status = 'on_time' AND aa_arrive_status = 'on_time'), count(*)
        FROM board_custody WHERE aa_request_status <> 'awaiting' AND aa_arrive_status <> 'awaiting' GROUP BY ALL"""),
    ("custody", "transferred_rate", "Children refused bail who were transferred to local-authority accommodation",
     f"""SELECT {london_month('charged_at')}, count(*) FILTER (WHERE transfer_status = 'transferred'), count(*)
        FROM board_custody WHERE transfer_status IS NOT NULL GROUP BY ALL"""),
    ("custody", "held_overnight_rate", "Children held overnight",
     f"""SELECT {london_month('arrived_at')}, count(*) FILTER (WHERE held_overnight), count(*)
        FROM board_custody GROUP BY ALL"""),
    ("ppn", "mean_quality", "Mean PPN quality score (out of 100)",
     f"""SELECT {london_month('submitted_at')}, NULL, count(*), avg(quality_score)
        FROM board_ppn GROUP BY ALL"""),
    ("ppn", "shared_within_sla", "PPNs shared with children's social care within the service level",
     f"""SELECT {london_month('submitted_at')}, count(*) FILTER (WHERE share_status = 'on_time'), count(*)
        FROM board_ppn WHERE share_status <> 'due' GROUP BY ALL"""),
    ("ppn", "school_notified_in_time", "Schools told before the next school day (Operation Encompass)",
     f"""SELECT {london_month('school_due_at')}, count(*) FILTER (WHERE school_status = 'on_time'), count(*)
        FROM board_ppn WHERE school_status IS NOT NULL AND school_status <> 'due' GROUP BY ALL"""),
    ("ppn", "child_to_notice_rate",
     "Incidents with a child that had a PPN within {policy:ppn.child_to_notice_hours} hours",
     f"""SELECT {london_month('occurred_at')}, count(*) FILTER (WHERE status = 'on_time'), count(*)
        FROM board_child_to_notice WHERE status <> 'due' GROUP BY ALL"""),
    ("online", "actioned_by_deadline", "Online referrals actioned by their deadline",
     f"""SELECT {london_month('received_at')}, count(*) FILTER (WHERE status = 'actioned_in_time'), count(*)
        FROM board_online WHERE status <> 'open' GROUP BY ALL"""),
    ("rso", "visits_on_time", "Planned home visits done within the tolerance",
     """SELECT CAST(date_trunc('month', planned_on) AS DATE), count(*) FILTER (WHERE on_time), count(*)
        FROM rso_visit_clock WHERE due GROUP BY ALL"""),
]  # fmt: skip

VISIT_CLOCK = """
CREATE OR REPLACE TEMP VIEW rso_visit_clock AS
SELECT planned_on,
       visited_at IS NOT NULL AND visited_at <= {end_of_grace} AND visited_at <= {moment} AS on_time,
       {end_of_grace} < {moment} OR (visited_at IS NOT NULL AND visited_at <= {moment}) AS due
-- A call with no access (or a cancelled one) is not a visit.
FROM (SELECT planned_on, CASE WHEN coalesce(outcome, 'completed') = 'completed' THEN visited_at END AS visited_at
      FROM offender_visits_asof)
"""


def build(con: duckdb.DuckDBPyConnection, moment: str, visit_grace_days: int) -> None:
    """Create ``monthly_measures`` from the board tables (which must exist on ``con``)."""
    end = f"(CAST(planned_on + INTERVAL {int(visit_grace_days) + 1} DAY AS TIMESTAMP) AT TIME ZONE 'Europe/London')"
    con.execute(VISIT_CLOCK.format(end_of_grace=end, moment=moment))
    parts = []
    for board, measure, label, query in MEASURES:
        # A ratio query gives (month, numerator, denominator); a median or mean one adds its value.
        has_value = "median(" in query or "avg(" in query
        columns = "month, numerator, denominator" + (", value" if has_value else "")
        value = "value" if has_value else "numerator * 1.0 / denominator"
        parts.append(
            f"SELECT '{board}' AS board, '{measure}' AS measure, {quote(policy.text(label))} AS label,"
            " CAST(month AS DATE) AS month,"
            " CAST(numerator AS BIGINT) AS numerator, CAST(denominator AS BIGINT) AS denominator,"
            f" CAST({value} AS DOUBLE) AS value FROM ({query}) AS q({columns})"
            " WHERE month IS NOT NULL AND denominator > 0"
        )
    con.execute("CREATE OR REPLACE TABLE monthly_measures AS " + " UNION ALL ".join(parts))
