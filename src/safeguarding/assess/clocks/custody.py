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
WITH detainee AS (
    -- The detention's own person_ref names the detainee; a record_persons 'detainee' row is the fallback.
    SELECT record_ref AS custody_ref, min(person_id) AS person_id FROM record_people
    WHERE record_type = 'custody_detentions' AND role = 'detainee' GROUP BY record_ref
),
d AS (
    SELECT c.custody_ref, coalesce(m.person_id, dt.person_id) AS person_id, c.location_ref, c.arrived_at,
           age_years(p.date_of_birth, c.arrived_at) AS age, p.sex,
           coalesce({authorised}, c.arrived_at) AS authorised_at,
           {extended} AS extension_authorised_at, {warrant} AS warrant_expires_at,
           {identified} AS juvenile_identified_at, {informed} AS responsible_person_informed_at,
           {requested} AS aa_requested_at, {aa_arrived} AS aa_arrived_at, c.aa_type,
           nullif(trim(c.woman_responsible), '') AS woman_responsible, c.offence, c.review_times,
           {charged} AS charged_at, coalesce(c.bail_refused, false) AS bail_refused,
           {transfer_requested} AS transfer_requested_at, {transferred} AS transferred_at,
           nullif(trim(c.transfer_certificate_reason), '') AS transfer_certificate_reason,
           {released} AS released_at, c.appears_under_18
    FROM custody_detentions_asof c
    LEFT JOIN person_mentions m ON m.source_system = c.source_system AND m.person_ref = c.person_ref
    LEFT JOIN detainee dt ON dt.custody_ref = c.custody_ref
    LEFT JOIN clock_people p ON p.person_id = coalesce(m.person_id, dt.person_id)
),
d_child AS (SELECT * FROM d WHERE coalesce(appears_under_18, false) OR age < 18),
reviews AS (
    -- Each entry: an ISO time, optionally followed by "postponed: <reason>" (PACE s.40(4)).
    SELECT custody_ref, TRY_CAST(regexp_extract(trim(r), '^(\\S+)', 1) AS TIMESTAMPTZ) AS review_at,
           regexp_matches(lower(r), 'postponed') AS postponed,
           nullif(trim(regexp_extract(r, '(?i)postponed\\s*:?\\s*(.*)$', 1)), '') AS postponed_reason
    FROM (SELECT custody_ref, unnest(string_split(review_times, '|')) AS r FROM d_child WHERE review_times IS NOT NULL)
    WHERE trim(r) <> ''
),
held AS (
    -- Reviews held while the child was detained; one timed before arrival is a data error, not a review.
    SELECT r.custody_ref, r.review_at, r.postponed, r.postponed_reason,
           row_number() OVER (PARTITION BY r.custody_ref ORDER BY r.review_at) AS k
    FROM reviews r JOIN d_child USING (custody_ref)
    WHERE r.review_at IS NOT NULL AND r.review_at >= d_child.arrived_at
      AND r.review_at <= coalesce(d_child.released_at, {moment})
),
anchored AS (
    -- s.40: the first review is due 6 h after detention was authorised, each later one 9 h after the previous
    -- review; after a postponement the next is due 9 h after the time the postponed one should have been held.
    -- So a review's due time runs from the latest earlier review that was not postponed (or from authorisation).
    SELECT h.*, d_child.authorised_at,
           max(CASE WHEN NOT h.postponed THEN h.k END) OVER w AS anchor_k,
           max(CASE WHEN NOT h.postponed THEN h.review_at END) OVER w AS anchor_at
    FROM held h JOIN d_child USING (custody_ref)
    WINDOW w AS (PARTITION BY h.custody_ref ORDER BY h.k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
scheduled AS (
    SELECT *,
           CASE WHEN anchor_k IS NULL
                THEN authorised_at + INTERVAL {first_review} HOUR + (k - 1) * INTERVAL {review_every} HOUR
                ELSE anchor_at + (k - anchor_k) * INTERVAL {review_every} HOUR END AS due_at
    FROM anchored
),
review_counts AS (
    SELECT custody_ref, count(*) AS reviews_done,
           sum(CASE WHEN review_at > due_at + INTERVAL {grace} MINUTE
                         AND NOT (postponed AND postponed_reason IS NOT NULL) THEN 1 ELSE 0 END) AS reviews_late,
           count(*) FILTER (WHERE postponed) AS reviews_postponed,
           count(*) FILTER (WHERE postponed AND postponed_reason IS NULL) AS postponed_without_reason,
           max_by(CASE WHEN postponed THEN due_at ELSE review_at END, k) + INTERVAL {review_every} HOUR AS next_due_at
    FROM scheduled GROUP BY custody_ref
),
early AS (
    SELECT r.custody_ref, count(*) AS reviews_before_arrival
    FROM reviews r JOIN d_child USING (custody_ref) WHERE r.review_at < d_child.arrived_at GROUP BY r.custody_ref
),
clocked AS (
    SELECT d_child.*, coalesce(rc.reviews_done, 0) AS reviews_done, coalesce(rc.reviews_late, 0) AS reviews_late,
           coalesce(rc.reviews_postponed, 0) AS reviews_postponed,
           coalesce(rc.postponed_without_reason, 0) AS postponed_without_reason,
           coalesce(e.reviews_before_arrival, 0) AS reviews_before_arrival,
           coalesce(rc.next_due_at, d_child.authorised_at + INTERVAL {first_review} HOUR) AS next_review_due_at,
           coalesce(d_child.released_at, {moment}) AS end_at,
           {detained_minutes} AS detained_minutes,
           -- The limit in force: a warrant of further detention (to its expiry, at most 96 h), a superintendent's
           -- s.42 extension (36 h), else the basic 24 h.
           CASE WHEN d_child.warrant_expires_at IS NOT NULL
                THEN least({warrant_limit} * 60.0,
                           date_diff('second', d_child.arrived_at, d_child.warrant_expires_at) / 60.0)
                WHEN d_child.extension_authorised_at IS NOT NULL THEN {extended_limit} * 60.0
                ELSE {basic_limit} * 60.0 END AS limit_minutes,
           -- With no time the juvenile was identified, the child appeared under 18 on arrival: measure from then.
           coalesce(d_child.juvenile_identified_at, d_child.arrived_at) + INTERVAL {aa_request} MINUTE
               AS aa_request_due_at,
           d_child.aa_requested_at + INTERVAL {aa_arrive} MINUTE AS aa_arrive_due_at,
           {first_night} AS first_night_at
    FROM d_child LEFT JOIN review_counts rc USING (custody_ref) LEFT JOIN early e USING (custody_ref)
),
statused AS (
    SELECT *,
           -- A review is missing when the next one's due time (plus grace) passed while the child was held.
           end_at > next_review_due_at + INTERVAL {grace} MINUTE AS review_missing,
           reviews_done + CASE WHEN end_at > next_review_due_at + INTERVAL {grace} MINUTE THEN 1 ELSE 0 END
               AS reviews_due,
           CASE WHEN aa_requested_at IS NOT NULL AND aa_requested_at < juvenile_identified_at THEN 'out_of_order'
                WHEN aa_requested_at IS NOT NULL AND aa_requested_at <= aa_request_due_at THEN 'on_time'
                WHEN aa_requested_at IS NOT NULL THEN 'late'
                WHEN end_at > aa_request_due_at THEN 'not_requested'
                ELSE 'awaiting' END AS aa_request_status,
           juvenile_identified_at IS NULL AS no_identified_time,
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
       reviews_due, reviews_done, reviews_late, reviews_postponed, postponed_without_reason, reviews_before_arrival,
       next_review_due_at, authorised_at, extension_authorised_at, warrant_expires_at,
       reviews_late > 0 OR review_missing OR postponed_without_reason > 0 AS review_breach,
       detained_minutes / 60.0 AS detained_hours,
       limit_minutes / 60.0 AS limit_hours,
       detained_minutes > limit_minutes AS over_basic_limit, no_identified_time,
       charged_at, bail_refused, transfer_requested_at, transferred_at, transfer_certificate_reason, transfer_status,
       held_overnight, released_at, released_at IS NULL AS in_custody_now,
       concat_ws('; ',
           CASE WHEN aa_request_status IN ('late', 'not_requested') THEN 'appropriate adult requested late' END,
           CASE WHEN aa_arrive_status IN ('late', 'not_arrived') THEN 'appropriate adult arrived late' END,
           CASE WHEN sex = 'F' AND woman_responsible IS NULL THEN 'no named woman for a girl' END,
           CASE WHEN reviews_late > 0 OR review_missing THEN 'detention review late or missing' END,
           CASE WHEN postponed_without_reason > 0 THEN 'review postponed with no reason' END,
           CASE WHEN reviews_before_arrival > 0 THEN 'review time before arrival (data error)' END,
           CASE WHEN detained_minutes > limit_minutes AND warrant_expires_at IS NOT NULL
                THEN 'held past the warrant of further detention'
                WHEN detained_minutes > limit_minutes AND extension_authorised_at IS NOT NULL
                THEN 'held past the extended limit'
                WHEN detained_minutes > limit_minutes THEN 'held past the basic limit' END,
           CASE WHEN no_identified_time THEN 'no time the juvenile was identified' END,
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
        f"date_trunc('day', {local('d_child.arrived_at')} - INTERVAL {night} MINUTE)"
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
            authorised=known("c.detention_authorised_at", moment),
            extended=known("c.extension_authorised_at", moment),
            warrant="c.warrant_expires_at",
            moment=moment,
            first_review=int(levels["first_review_after_hours"]),
            review_every=int(levels["review_every_hours"]),
            grace=int(levels["review_grace_minutes"]),
            aa_request=int(levels["aa_request_within_minutes"]),
            aa_arrive=int(levels["aa_arrive_within_minutes"]),
            basic_limit=int(levels["basic_limit_hours"]),
            extended_limit=int(levels["extended_limit_hours"]),
            warrant_limit=int(levels["warrant_limit_hours"]),
            detained_minutes=minutes_between("d_child.arrived_at", f"coalesce(d_child.released_at, {moment})"),
            first_night=first_night,
            request_minutes=minutes_between("juvenile_identified_at", "aa_requested_at"),
            arrive_minutes=minutes_between("aa_requested_at", "aa_arrived_at"),
            total_minutes=minutes_between("juvenile_identified_at", "aa_arrived_at"),
        )
    )
