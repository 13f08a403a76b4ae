"""Each record's review group, review date and earliest disposal date under the retention schedule.

Built with the snapshot (snapshot/builder.py) from the resolved lake views, so the review queue reads
the snapshot like every other page. A record's people are those in its own person field and in
`record_persons` (DOMAIN.md); a child is on the record when one of them was under 18 on its date.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pyarrow as pa

from safeguarding.records.schedule import REVIEWED, Schedule, add_years, load_schedule

# Whose age decides "kept until the subject is N": the people a record is about, not its witnesses.
SUBJECT_ROLES = ("suspect", "offender", "detainee", "missing_person", "subject")
# Record types that name their subject in a field of their own: (field, role).
_OWN_PERSON = {
    "missing_episodes": ("person_ref", "missing_person"),
    "custody_detentions": ("person_ref", "detainee"),
    "ppns": ("subject_person_ref", "subject"),
    "online_referrals": ("suspect_person_ref", "suspect"),
    "offenders": ("person_ref", "offender"),
}

_REF = {
    "crimes": "crime_ref", "incidents": "incident_ref", "missing_episodes": "episode_ref",
    "custody_detentions": "custody_ref", "ppns": "ppn_ref", "intelligence_logs": "intel_ref",
    "online_referrals": "referral_ref", "offenders": "offender_ref",
}  # fmt: skip

SCHEMA = pa.schema(
    [
        ("record_type", pa.string()), ("source_system", pa.string()), ("record_ref", pa.string()),
        ("record_date", pa.date32()), ("seriousness", pa.string()), ("outcome", pa.string()),
        ("group_id", pa.string()), ("group_title", pa.string()), ("child_involved", pa.bool_()),
        ("review_on", pa.date32()), ("earliest_disposal", pa.date32()), ("disposal_note", pa.string()),
        ("person_ids", pa.string()),
    ]
)  # fmt: skip


def _sql() -> str:
    records = " UNION ALL ".join(
        f"SELECT '{rt}' AS record_type, source_system, CAST({_REF[rt]} AS VARCHAR) AS record_ref, "
        f"CAST({when} AS DATE) AS record_date, CAST({serious} AS VARCHAR) AS seriousness, "
        f"CAST({outcome} AS VARCHAR) AS outcome FROM {rt}_asof"
        for rt, (when, serious, outcome) in REVIEWED.items()
    )
    own = " UNION ALL ".join(
        f"SELECT '{rt}' AS record_type, CAST(r.{_REF[rt]} AS VARCHAR) AS record_ref, m.person_id, '{role}' AS role "
        f"FROM {rt}_asof r JOIN person_mentions m ON m.source_system = r.source_system AND m.person_ref = r.{field}"
        for rt, (field, role) in _OWN_PERSON.items()
    )
    subject = ", ".join(f"'{r}'" for r in SUBJECT_ROLES)
    return f"""
WITH recs AS ({records}),
people AS (SELECT record_type, record_ref, person_id, role FROM record_people UNION ALL {own}),
joined AS (
    SELECT r.*, p.person_id, p.role IN ({subject}) AS is_subject, pr.date_of_birth AS dob,
           age_years(pr.date_of_birth, r.record_date) < 18 AS is_child
    FROM recs r
    LEFT JOIN people p ON p.record_type = r.record_type AND p.record_ref = r.record_ref
    LEFT JOIN persons_resolved pr ON pr.person_id = p.person_id
)
SELECT record_type, source_system, record_ref, record_date, seriousness, outcome,
       coalesce(bool_or(is_child), false) AS child_involved,
       max(dob) FILTER (WHERE is_child) AS youngest_child_dob,
       max(dob) FILTER (WHERE is_subject) AS youngest_subject_dob,
       count(*) FILTER (WHERE is_subject AND dob IS NULL) AS subjects_without_dob,
       string_agg(DISTINCT person_id, ',' ORDER BY person_id) AS person_ids
FROM joined
GROUP BY record_type, source_system, record_ref, record_date, seriousness, outcome
ORDER BY record_type, source_system, record_ref
"""


def review_table(con: duckdb.DuckDBPyConnection, moment: datetime | None, schedule: Schedule | None = None) -> pa.Table:
    """One row per reviewed record (latest version): its group, review date and earliest disposal date.

    ``con`` must have the resolved views (assess.views.prepare). ``moment`` is the assessment's moment:
    a record with no date is due for review at once (its review date is the moment's day).
    """
    schedule = schedule or load_schedule()
    today = (moment or datetime.now()).date()
    rows = con.execute(_sql()).fetchall()
    out: dict[str, list[object]] = {name: [] for name in SCHEMA.names}
    for record_type, system, ref, record_date, serious, outcome, child, child_dob, subject_dob, no_dob, people in rows:
        group = schedule.group_for(record_type, serious, outcome, bool(child))
        review_on: date = add_years(record_date, group.review_after_years) if record_date else today
        if child and child_dob and schedule.child_review_not_before_age is not None:
            review_on = max(review_on, add_years(child_dob, schedule.child_review_not_before_age))
        earliest: date | None = review_on
        note = ""
        if group.keep_until_subject_age is not None:
            if no_dob:
                earliest, note = (
                    None,
                    f"kept until the subject is {group.keep_until_subject_age}; a subject's age is unknown",
                )
            elif subject_dob is not None:
                earliest = max(review_on, add_years(subject_dob, group.keep_until_subject_age))
                note = f"kept until the subject is {group.keep_until_subject_age}"
        for name, value in zip(
            SCHEMA.names,
            (record_type, system, ref, record_date, serious, outcome, group.id, group.title, bool(child), review_on,
             earliest, note, people or ""),
            strict=True,
        ):  # fmt: skip
            out[name].append(value)
    return pa.table(out, schema=SCHEMA)
