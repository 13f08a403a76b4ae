"""Filling a new snapshot from the lake views, the resolved mentions and the assessment."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from safeguarding.assess.assessment import Assessment
from safeguarding.snapshot import store

LINK_PAIR_COLUMNS = ("mention_l", "mention_r", "person_id", "match_probability", "match_weight", "field_weights")


def write_snapshot(
    snapshot_dir: Path,
    lake_con: duckdb.DuckDBPyConnection,
    assessment: Assessment,
    meta: dict[str, str],
    link_pairs: pa.Table | None = None,
) -> store.PublishedSnapshot:
    """Build and publish a snapshot. ``lake_con`` must have the resolved views (assess.views.prepare)."""
    persons = lake_con.sql(
        """SELECT person_id,
                  trim(coalesce(forenames, '') || ' ' || coalesce(surname, '')) AS display_name,
                  forenames, surname, date_of_birth, sex,
                  CASE WHEN date_of_birth IS NULL THEN NULL
                       ELSE date_of_birth > current_date - INTERVAL 18 YEARS END AS is_child,
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
    tables = {"persons": persons, "mentions": mentions, "missing_episodes": episodes, **assessment.tables}
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
