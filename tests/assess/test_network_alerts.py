"""The exploitation-network group alert: when it is raised and the record it cites."""

from __future__ import annotations

import duckdb

from safeguarding.assess import alerts, networks
from safeguarding.assess.scoring import load_scoring


def _group(con: duckdb.DuckDBPyConnection, children: int, markers: list[tuple[str, str, str]]) -> None:
    """One community: ``children`` children with a CSE indicator and one adult with the given markers."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE TABLE communities (community_id VARCHAR, person_id VARCHAR, is_child BOOLEAN)")
    con.execute("""CREATE TABLE indicators (person_id VARCHAR, fired_at TIMESTAMPTZ, counts_as_risk BOOLEAN,
                                            category VARCHAR)""")
    con.execute("""CREATE TABLE adult_markers (person_id VARCHAR, marker VARCHAR, event_at TIMESTAMPTZ,
                                               record_type VARCHAR, record_ref VARCHAR)""")
    for n in range(children):
        con.execute("INSERT INTO communities VALUES ('G-1', ?, true)", [f"P-C{n}"])
        con.execute(
            "INSERT INTO indicators VALUES (?, TIMESTAMPTZ '2024-03-01 10:00:00+00', true, 'sexual_exploitation')",
            [f"P-C{n}"],
        )
    con.execute("INSERT INTO communities VALUES ('G-1', 'P-A', false)")
    for marker, record_type, record_ref in markers:
        con.execute(
            "INSERT INTO adult_markers VALUES ('P-A', ?, TIMESTAMPTZ '2024-01-05 09:00:00+00', ?, ?)",
            [marker, record_type, record_ref],
        )
    alerts.start(con)


def _staged(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    networks._network_alerts(con, load_scoring())
    staged = con.execute("SELECT subject_id, reason FROM alert_staging").fetchall()
    evidence = con.execute("SELECT record_type, record_ref FROM alert_evidence_staging").fetchall()
    return staged, evidence


def test_cites_one_whole_marker_record_when_two_share_the_earliest_time() -> None:
    # Two marker records at the same moment: the alert cites one of them, type and reference from the same row,
    # chosen by record (not by insertion order, which differs between engines and runs).
    con = duckdb.connect()
    _group(con, 2, [("sexual", "intelligence_logs", "CRM-0001"), ("exploitation", "crimes", "INT-0009")])
    staged, evidence = _staged(con)
    assert staged == [("G-1", "group:exploitation_network")]
    assert evidence == [("crimes", "INT-0009")]


def test_not_raised_for_one_exploited_child() -> None:
    con = duckdb.connect()
    _group(con, 1, [("sexual", "crimes", "CRM-0001")])
    assert _staged(con) == ([], [])
