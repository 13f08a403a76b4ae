"""The children-in-custody board (PACE Code C; Concordat on Children in Custody 2017).

One row per detention of a child (appears under 18, or under 18 by date of birth) in ``board_custody``:
juvenile identified -> appropriate adult requested -> arrived with the delays against the service
levels; detention reviews due and done; a named woman for a girl; transfer to local-authority
accommodation after charge with bail refused; held overnight; and the breaches in words.
"""

from __future__ import annotations

from typing import Any

import duckdb

from safeguarding.assess.clocks.sql import from_local, hhmm_minutes, known, local, minutes_between

SQL = """
CREATE OR REPLACE TABLE board_custody AS
WITH d AS (
    SELECT c.custody_ref, rp.person_id, c.location_ref, c.arrived_at, rp.age, p.sex,
           {identified} AS juvenile_identified_at, {informed} AS responsible_person_informed_at,
           {requested} AS aa_requested_at, {aa_arrived} AS aa_arrived_at, c.aa_type,
           nullif(trim(c.woman_responsible), '') AS woman_responsible, c.offence, c.review_times,
           {charged} AS charged_at, coalesce(c.bail_refused, false) AS bail_refused,
           {transfer_requested} AS transfer_requested_at, {transferred} AS transferred_at,
           nullif(trim(c.transfer_certificate_reason), '') AS transfer_certificate_reason,
           {released} AS released_at
    FROM custody_detentions_asof c
    LEFT JOIN record_people rp
           ON rp.record_type = 'custody_detentions' AND rp.record_ref = c.custody_ref AND rp.role = 'detainee'
    LEFT JOIN clock_people p ON p.person_id = rp.person_id
    WHERE coalesce(c.appears_under_18, false) OR rp.age < 18
),
reviews AS (
    SELECT custody_ref, TRY_CAST(trim(r) AS TIMESTAMPTZ) AS review_at
    FROM (SELECT custody_ref, unnest(string_split(review_times, '|')) AS r FROM d WHERE review_times IS NOT NULL)
    WHERE trim(r) <> ''
),
ranked AS (
    SELECT r.custody_ref, r.review_at,
           row_number() OVER (PARTITION BY r.custody_ref ORDER BY r.review_at) - 1 AS k
    FROM reviews r JOIN d USING (custody_ref)
    WHERE r.review_at IS NOT NULL AND r.review_at <= coalesce(d.released_at, {moment})
),
review_counts AS (
    SELECT r.custody_ref, count(*) AS reviews_done,
           sum(CASE WHEN r.review_at > d.arrived_at + INTERVAL {first_review} HOUR
                                       + r.k * INTERVAL {review_every} HOUR + INTERVAL {grace} MINUTE
                    THEN 1 ELSE 0 END) AS reviews_late
    FROM ranked r JOIN d USING (custody_ref)
    GROUP BY r.custody_ref
),
clocked AS (
    SELECT d.*, coalesce(rc.reviews_done, 0) AS reviews_done, coalesce(rc.reviews_late, 0) AS reviews_late,
           coalesce(d.released_at, {moment}) AS end_at,
           {detained_minutes} AS detained_minutes,
           d.juvenile_identified_at + INTERVAL {aa_request} MINUTE AS aa_request_due_at,
           d.aa_requested_at + INTERVAL {aa_arrive} MINUTE AS aa_arrive_due_at,
           {first_night} AS first_night_at
    FROM d LEFT JOIN review_counts rc USING (custody_ref)
),
statused AS (
    SELECT *,
           -- Reviews whose time plus grace passed while the child was held (one exactly at it is not late yet).
           CASE WHEN detained_minutes <= {first_review} * 60 + {grace} THEN 0
                ELSE CAST(ceil((detained_minutes - {first_review} * 60 - {grace}) / ({review_every} * 60)) AS BIGINT)
                END AS reviews_due,
           CASE WHEN juvenile_identified_at IS NULL THEN 'no_identified_time'
                WHEN aa_requested_at IS NOT NULL AND aa_requested_at < juvenile_identified_at THEN 'out_of_order'
                WHEN aa_requested_at IS NOT NULL AND aa_requested_at <= aa_request_due_at THEN 'on_time'
                WHEN aa_requested_at IS NOT NULL THEN 'late'
                WHEN end_at > aa_request_due_at THEN 'not_requested'
                ELSE 'awaiting' END AS aa_request_status,
           CASE WHEN aa_requested_at IS NULL THEN 'not_requested'
                WHEN aa_arrived_at IS NOT NULL AND aa_arrived_at < aa_requested_at THEN 'out_of_order'
                WHEN aa_arrived_at IS NOT NULL AND aa_arrived_at <= aa_arrive_due_at THEN 'on_time'
                WHEN aa_arrived_at IS NOT NULL THEN 'late'
                WHEN end_at > aa_arrive_due_at THEN 'not_arrived'
                ELSE 'awaiting' END AS aa_arrive_status,
           CASE WHEN NOT bail_refused OR charged_at IS NULL THEN NULL
                WHEN transferred_at IS NOT NULL THEN 'transferred'
                WHEN transfer_certificate_reason IS NOT NULL THEN 'certified_impracticable'
                WHEN transfer_requested_at IS NOT NULL THEN 'requested'
                ELSE 'not_requested' END AS transfer_status,
           end_at > first_night_at AS held_overnight
    FROM clocked
)
SELECT custody_ref, person_id, location_ref, arrived_at, age, sex, offence,
       juvenile_identified_at, responsible_person_informed_at, aa_requested_at, aa_arrived_at, aa_type,
       aa_request_due_at, aa_arrive_due_at,
       {request_minutes} AS aa_request_minutes,
       {arrive_minutes} AS aa_arrive_minutes,
       {total_minutes} AS aa_total_minutes,
       aa_request_status, aa_arrive_status,
       woman_responsible, sex = 'F' AND woman_responsible IS NULL AS woman_missing,
       reviews_due, reviews_done, reviews_late,
       reviews_late > 0 OR reviews_done < reviews_due AS review_breach,
       detained_minutes / 60.0 AS detained_hours,
       detained_minutes > {basic_limit} * 60 AS over_basic_limit,
       charged_at, bail_refused, transfer_requested_at, transferred_at, transfer_certificate_reason, transfer_status,
       held_overnight, released_at, released_at IS NULL AS in_custody_now,
       concat_ws('; ',
           CASE WHEN aa_request_status IN ('late', 'not_requested') THEN 'appropriate adult requested late' END,
           CASE WHEN aa_arrive_status IN ('late', 'not_arrived') THEN 'appropriate adult arrived late' END,
           CASE WHEN sex = 'F' AND woman_responsible IS NULL THEN 'no named woman for a girl' END,
           CASE WHEN reviews_late > 0 OR reviews_done < reviews_due THEN 'detention review late or missing' END,
           CASE WHEN detained_minutes > {basic_limit} * 60 THEN 'held past the basic limit' END,
           CASE WHEN transfer_status IN ('not_requested', 'requested') AND released_at IS NOT NULL
                THEN 'not transferred and no certificate' END,
           CASE WHEN aa_request_status = 'out_of_order' OR aa_arrive_status = 'out_of_order'
                THEN 'times out of order' END
       ) AS breaches
FROM statused
"""


def build(con: duckdb.DuckDBPyConnection, levels: dict[str, Any], moment: str) -> None:
    """Create ``board_custody`` on ``con``."""
    night = hhmm_minutes(str(levels["overnight_at"]))
    # The first night-time check after arrival: the next (London) day boundary shifted by the check's time.
    first_night = from_local(
        f"date_trunc('day', {local('d.arrived_at')} - INTERVAL {night} MINUTE)"
        f" + INTERVAL 1 DAY + INTERVAL {night} MINUTE"
    )
    con.execute(
        SQL.format(
            identified=known("c.juvenile_identified_at", moment),
            informed=known("c.responsible_person_informed_at", moment),
            requested=known("c.aa_requested_at", moment),
            aa_arrived=known("c.aa_arrived_at", moment),
            charged=known("c.charged_at", moment),
            transfer_requested=known("c.transfer_requested_at", moment),
            transferred=known("c.transferred_at", moment),
            released=known("c.released_at", moment),
            moment=moment,
            first_review=int(levels["first_review_after_hours"]),
            review_every=int(levels["review_every_hours"]),
            grace=int(levels["review_grace_minutes"]),
            aa_request=int(levels["aa_request_within_minutes"]),
            aa_arrive=int(levels["aa_arrive_within_minutes"]),
            basic_limit=int(levels["basic_limit_hours"]),
            detained_minutes=minutes_between("d.arrived_at", f"coalesce(d.released_at, {moment})"),
            first_night=first_night,
            request_minutes=minutes_between("juvenile_identified_at", "aa_requested_at"),
            arrive_minutes=minutes_between("aa_requested_at", "aa_arrived_at"),
            total_minutes=minutes_between("juvenile_identified_at", "aa_arrived_at"),
        )
    )
