"""A fixture snapshot for the governance pages: the shared fixture (two children, missing episodes,
alerts) plus a place of concern with events either side of a plan start, a peer group, PPNs and the
boards' ``monthly_measures`` and ``board_ppn`` tables (created here when the schema does not have them yet,
with the columns the boards stage writes)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from safeguarding.snapshot import store

COPIED = ("persons", "mentions", "missing_episodes", "indicators", "indicator_evidence", "alerts", "alert_evidence")
MONTHLY_MEASURES = """CREATE TABLE monthly_measures (board VARCHAR, measure VARCHAR, label VARCHAR, month DATE,
    numerator BIGINT, denominator BIGINT, value DOUBLE)"""


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def publish_governance_snapshot(
    snapshot_dir: Path, make_snapshot: Callable[[Path], None], *, with_measures: bool = True
) -> None:
    make_snapshot(snapshot_dir)
    source = store.current(snapshot_dir).path
    with store.build(snapshot_dir) as con:
        con.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        for table in COPIED:
            con.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")
        con.execute("DETACH old")
        # Two more missing episodes from the children's home: one before the plan (Mar 2025), one after.
        con.executemany(
            "INSERT INTO missing_episodes (episode_ref, person_id, source_system, person_ref, reported_at, risk_grade,"
            " missing_from) VALUES (?, ?, 'compact', ?, ?, ?, ?)",
            [["MISS-090", "P-0002", "N-23", _utc("2025-03-10T22:00:00"), "medium", "Children's home"],
             ["MISS-120", "P-0002", "N-23", _utc("2025-08-03T23:00:00"), "low", "Children's home"]],
        )  # fmt: skip
        con.execute(
            "INSERT INTO places (location_ref, place_name, place_type, event_count, child_count, concern_reasons,"
            " is_concern) VALUES ('L-HOME', 'Oak House children''s home', 'childrens_home', 5, 2,"
            " '4 children reported missing from here', true)"
        )
        con.executemany(
            "INSERT INTO place_events (location_ref, record_type, record_ref, person_id, event_at, kind)"
            " VALUES ('L-HOME', 'missing_episode', ?, ?, ?, ?)",
            [["MISS-090", "P-0002", _utc("2025-03-10T22:00:00"), "missing_from"],
             ["MISS-095", "P-0001", _utc("2025-04-02T21:00:00"), "missing_from"],
             ["MISS-102", "P-0001", _utc("2025-07-12T19:00:00"), "missing_from"],
             ["MISS-096", "P-0002", _utc("2025-05-20T20:00:00"), "missing_from"],
             ["MISS-120", "P-0002", _utc("2025-08-03T23:00:00"), "missing_from"]],
        )  # fmt: skip
        con.execute("INSERT INTO groups VALUES ('G-1', 3, 2, 1, 1, 1, NULL, NULL)")
        con.executemany(
            "INSERT INTO communities (community_id, person_id, is_child) VALUES ('G-1', ?, ?)",
            [["P-0001", True], ["P-0002", True], ["P-0003", False]],
        )
        con.execute(
            "CREATE TABLE IF NOT EXISTS board_ppn (ppn_ref VARCHAR, person_id VARCHAR, submitted_at TIMESTAMPTZ,"
            " grade VARCHAR, officer VARCHAR)"
        )
        con.execute(
            "INSERT INTO board_ppn (ppn_ref, person_id, submitted_at, grade, officer)"
            " VALUES ('PPN-7', 'P-0002', ?, 'amber', '1234')",
            [_utc("2025-07-02T09:00:00")],
        )
        if with_measures:
            con.execute(MONTHLY_MEASURES.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"))
            con.executemany(
                "INSERT INTO monthly_measures VALUES (?, ?, ?, ?, ?, ?, ?)",
                [["missing", "rhi_within_72h", "RHI within 72h", date(2025, 6, 1), 6, 10, 0.6],
                 ["missing", "rhi_within_72h", "RHI within 72h", date(2025, 7, 1), 8, 10, 0.8],
                 ["custody", "aa_median_minutes", "AA median", date(2025, 7, 1), None, 12, 95.0]],
            )  # fmt: skip
