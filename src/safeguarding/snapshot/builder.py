"""Filling a new snapshot from the lake views, the resolved mentions and the assessment."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from safeguarding.assess.assessment import Assessment
from safeguarding.assess.clocks.sql import ts
from safeguarding.records.retention import review_table
from safeguarding.snapshot import store

# Phones and vehicle registrations for search, from the resolved views (assess/views.py: mention_attrs,
# record_people and the as-of record views), normalised the way person_links compares them.
PHONES_SQL = """
SELECT DISTINCT person_id, phone, source_system, person_ref, recorded_at
FROM mention_attrs WHERE phone IS NOT NULL
ORDER BY person_id, phone
"""
VEHICLES_SQL = """
WITH vehicles AS (
    SELECT 'incidents' AS record_type, incident_ref AS record_ref, occurred_at AS event_at,
           unnest(string_split(vehicle_registrations, '|')) AS vrm
    FROM incidents_asof WHERE vehicle_registrations IS NOT NULL
    UNION ALL
    SELECT 'intelligence_logs', intel_ref, recorded_at, unnest(string_split(vehicle_registrations, '|'))
    FROM intelligence_logs_asof WHERE vehicle_registrations IS NOT NULL
)
SELECT DISTINCT rp.person_id, upper(replace(trim(v.vrm), ' ', '')) AS vrm, v.record_type, v.record_ref, v.event_at
FROM vehicles v JOIN record_people rp USING (record_type, record_ref)
WHERE trim(v.vrm) <> ''
ORDER BY vrm, rp.person_id
"""

LINK_PAIR_COLUMNS = ("mention_l", "mention_r", "person_id", "match_probability", "match_weight", "field_weights")


def write_snapshot(
    snapshot_dir: Path,
    lake_con: duckdb.DuckDBPyConnection,
    assessment: Assessment,
    meta: dict[str, str],
    link_pairs: pa.Table | None = None,
) -> store.PublishedSnapshot:
    """Build and publish a snapshot. ``lake_con`` must have the resolved views (assess.views.prepare).

    ``is_child`` is the age at the assessment's moment (``assessment.as_of``), not at today's date, and the
    moment is kept in ``snapshot_meta`` as ``assessed_as_of`` for the portal's clocks.
    """
    if assessment.as_of is None:
        raise ValueError("the assessment has no moment; a snapshot needs one")
    meta = {**meta, "assessed_as_of": assessment.as_of.isoformat()}
    moment = ts(assessment.as_of)
    persons = lake_con.sql(
        f"""SELECT person_id,
                  trim(coalesce(forenames, '') || ' ' || coalesce(surname, '')) AS display_name,
                  forenames, surname, date_of_birth, sex,
                  age_years(date_of_birth, {moment}) < 18 AS is_child,
                  mention_count
           FROM persons_resolved ORDER BY person_id"""
    ).to_arrow_table()
    mentions = lake_con.sql(
        """SELECT m.source_system, m.person_ref, m.person_id, m.forenames, m.surname, m.date_of_birth, m.sex,
                  m.postcode, p._load_id AS load_id
           FROM person_mentions m JOIN persons p USING (source_system, person_ref)
           ORDER BY m.person_id, m.source_system, m.person_ref"""
    ).to_arrow_table()
    episodes = lake_con.sql(
        """SELECT episode_ref, person_id, source_system, person_ref, reported_at, found_at, risk_grade,
                  missing_from, found_location, narrative
           FROM missing_episodes_resolved ORDER BY person_id, reported_at"""
    ).to_arrow_table()
    phones = lake_con.sql(PHONES_SQL).to_arrow_table()
    vehicles = lake_con.sql(VEHICLES_SQL).to_arrow_table()
    tables = {"persons": persons, "mentions": mentions, "missing_episodes": episodes, **assessment.tables}
    tables["person_phones"] = phones
    tables["person_vehicles"] = vehicles
    tables["record_reviews"] = review_table(lake_con, assessment.as_of)
    if link_pairs is not None:
        tables["link_pairs"] = link_pairs.select(list(LINK_PAIR_COLUMNS))
    with store.build(snapshot_dir) as con:
        for name, table in tables.items():
            if table.num_rows == 0:
                continue
            con.register("incoming", table)
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            con.execute(f"INSERT INTO {name} ({columns}) SELECT {columns} FROM incoming")
            con.unregister("incoming")
        con.executemany("INSERT INTO snapshot_meta VALUES (?, ?)", sorted(meta.items()))
    return store.current(snapshot_dir)
