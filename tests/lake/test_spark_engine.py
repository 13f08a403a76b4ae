"""The Spark engine gives the same answers as DuckDB: SQL features one by one, then the whole pipeline.

Engine-dependent tests take ``engine_name`` (both engines; the Spark case is marked ``spark``). The Spark
session is the run's one session (``spark_settings`` in pipeline_fixtures.py).
"""

from __future__ import annotations

import math
import re
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from safeguarding import pipeline
from safeguarding.config import ConfigError, Settings, load_settings
from safeguarding.lake.engine import get_engine
from safeguarding.snapshot import store


def _connect(engine_name: str, data_dir: Path) -> Any:
    settings = Settings(data_dir=data_dir, engine=engine_name)
    return get_engine(settings).connect()


# DuckDB SQL the assessment relies on, each with the answer DuckDB gives; Spark must give the same.
CASES: list[tuple[str, list[tuple[Any, ...]]]] = [
    # age_years: a macro each engine defines once (a day before the birthday is a year younger)
    (
        "SELECT age_years(DATE '2010-06-15', TIMESTAMPTZ '2026-06-14 23:00:00+00'),"
        " age_years(DATE '2010-06-15', TIMESTAMPTZ '2026-06-15 00:00:00+00'), age_years(NULL, now())",
        [(15, 16, None)],
    ),
    # mode(x ORDER BY x): the lowest of tied values on both engines
    ("SELECT mode(v ORDER BY v) FROM (VALUES ('b'), ('a'), ('b'), ('a'), ('c')) t(v)", [("a",)]),
    # string_agg DISTINCT ... ORDER BY, and NULL for no values
    (
        "SELECT string_agg(DISTINCT v, ',' ORDER BY v), string_agg(DISTINCT v, ',' ORDER BY v) FILTER (WHERE false)"
        " FROM (VALUES ('b'), ('a'), ('b')) t(v)",
        [("a,b", None)],
    ),
    # a list index past the end is NULL; lists are 1-based
    ("SELECT list_sort(list(v))[2], list_sort(list(v))[5] FROM (VALUES (3), (1), (2)) t(v)", [(2, None)]),
    # round(double, d) differs between the engines at .x5 (DuckDB rounds the binary value, Spark the decimal
    # text); numbers put into text use floor(x * 10 + 0.5) / 10, which both engines compute alike
    (
        "SELECT floor(CAST(31.65 AS DOUBLE) * 10 + 0.5) / 10, 'Score ' || floor(CAST(31.65 AS DOUBLE) * 10 + 0.5) / 10,"
        " 'Score ' || floor(CAST(32 AS DOUBLE) * 10 + 0.5) / 10",
        [(31.7, "Score 31.7", "Score 32.0")],
    ),
    # epoch keeps fractions of a second
    ("SELECT epoch(TIMESTAMPTZ '2026-01-01 00:00:01.5+00') - epoch(TIMESTAMPTZ '2026-01-01 00:00:00+00')", [(1.5,)]),
    # regexp_full_match is anchored; regexp_matches is not
    ("SELECT regexp_full_match('BH1 1AA', '[A-Z]{1,2}[0-9]'), regexp_matches('BH1 1AA', '[0-9]')", [(False, True)]),
    # string_split splits on the text, not a regular expression
    (
        "SELECT list_contains(string_split('a|b', '|'), 'b'), list_contains(string_split('a.b', '.'), 'b')",
        [(True, True)],
    ),
    # a London wall-clock time to an instant (assess/clocks sql.from_local), in BST and in GMT
    (
        "SELECT CAST(TIMESTAMP '2024-05-07 08:30:00' AS TIMESTAMP) AT TIME ZONE 'Europe/London',"
        " CAST(TIMESTAMP '2024-12-09 08:30:00' AS TIMESTAMP) AT TIME ZONE 'Europe/London'",
        [(datetime(2024, 5, 7, 7, 30, tzinfo=UTC), datetime(2024, 12, 9, 8, 30, tzinfo=UTC))],
    ),
    # ISO weekday: Monday 1 .. Sunday 7 (2023-01-26 is a Thursday, 2023-01-29 a Sunday)
    (
        "SELECT isodow(DATE '2023-01-26'), isodow(TIMESTAMP '2023-01-29 10:00:00'), isodow(DATE '2023-01-30')",
        [(4, 7, 1)],
    ),
    # QUALIFY with SELECT * adds no column
    (
        "SELECT * FROM (VALUES ('k', 1), ('k', 2)) t(k, n)"
        " QUALIFY row_number() OVER (PARTITION BY k ORDER BY n DESC) = 1",
        [("k", 2)],
    ),
]


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_duckdb_sql_runs_alike(engine_name: str, tmp_path: Path, sql: str, expected: list[tuple[Any, ...]]) -> None:
    con = _connect(engine_name, tmp_path)
    try:
        from safeguarding.assess.views import MACROS

        con.execute(MACROS)
        rows = con.execute(sql).fetchall()
    finally:
        con.close()
    assert [tuple(float(v) if hasattr(v, "as_integer_ratio") and not isinstance(v, bool | int) else v for v in r)
            for r in rows] == expected  # fmt: skip


def test_tables_inserts_and_parameters(engine_name: str, tmp_path: Path) -> None:
    """CREATE TABLE (schema), INSERT ... SELECT, executemany and ``?`` parameters, as the alert staging does."""
    con = _connect(engine_name, tmp_path)
    try:
        con.execute("CREATE OR REPLACE TABLE s (id VARCHAR, seen_at TIMESTAMPTZ, n INTEGER, note VARCHAR)")
        con.execute("INSERT INTO s SELECT 'a', TIMESTAMPTZ '2026-01-02 03:04:05+00', 1, NULL")
        at = datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC)
        con.executemany(
            "INSERT INTO s VALUES (?, ?, 2, 'x: ' || replace(?, '_', ' '))", [("b", at, "p_q"), ("c", at, "r")]
        )
        con.register("extra", pa.table({"id": ["d"], "on_day": [date(2026, 3, 4)]}))
        rows = con.execute("SELECT id, seen_at, n, note FROM s WHERE n >= ? ORDER BY id", [1]).fetchall()
        joined = con.sql("SELECT count(*) AS n FROM extra e JOIN s ON s.id < e.id").to_arrow_table()
    finally:
        con.close()
    assert rows == [
        ("a", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 1, None),
        ("b", at, 2, "x: p q"),
        ("c", at, 2, "x: r"),
    ]
    assert joined.column("n").to_pylist() == [3]


@pytest.mark.spark
def test_spark_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match=re.escape("spark_conf: 'driver.memory=4g' is not spark.<key>=<value>")):
        load_settings(environ={"SAFEGUARDING_ENGINE": "spark", "SAFEGUARDING_SPARK_CONF": "driver.memory=4g"})
    settings = load_settings(environ={"SAFEGUARDING_ENGINE": "spark", "SAFEGUARDING_SPARK_MASTER": "local[2]"})
    assert (settings.engine, settings.spark_master) == ("spark", "local[2]")


def _table(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def _same_within(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]], tol: float = 1e-9) -> None:
    assert len(a) == len(b)
    for ra, rb in zip(a, b, strict=True):
        for va, vb in zip(ra, rb, strict=True):
            if isinstance(va, float) or isinstance(vb, float):
                assert math.isclose(float(va), float(vb), rel_tol=0, abs_tol=tol), (ra, rb)
            else:
                assert va == vb, (ra, rb)


@pytest.mark.spark
@pytest.mark.slow
def test_whole_pipeline_equivalent_on_spark(
    pipeline_settings: Settings, spark_settings: Settings, tmp_path: Path
) -> None:
    """Ingested once; linked and assessed on DuckDB (pipeline_settings) and on Spark from the same saved model."""
    spark_dir = tmp_path / "data"
    shutil.copytree(pipeline_settings.data_dir, spark_dir, ignore=shutil.ignore_patterns("snapshots", "stages"))
    settings = Settings(
        data_dir=spark_dir,
        engine="spark",
        spark_master=spark_settings.spark_master,
        spark_conf=spark_settings.spark_conf,
    )
    linked = pipeline.run_link(settings)
    assert not linked.trained  # the DuckDB run's saved model, reused
    summary = pipeline.run_assess(settings)
    duck = store.current(pipeline_settings.snapshot_dir).path
    spark = store.current(settings.snapshot_dir).path
    assert summary.persons > 0 and summary.indicators > 0 and summary.alerts > 0

    exact = {
        "persons": "SELECT * FROM persons ORDER BY person_id",
        "mentions": "SELECT source_system, person_ref, person_id FROM mentions ORDER BY 1, 2",
        "indicators": "SELECT * EXCLUDE (weight) FROM indicators ORDER BY indicator_id",
        "indicator_evidence": "SELECT * FROM indicator_evidence ORDER BY ALL",
        "alerts": "SELECT * EXCLUDE (score) FROM alerts ORDER BY alert_id",
        "alert_evidence": "SELECT * FROM alert_evidence ORDER BY ALL",
        "communities": "SELECT * FROM communities ORDER BY ALL",
        "places": "SELECT * EXCLUDE (latitude, longitude) FROM places ORDER BY location_ref",
        # The statutory clocks (issue #24: custody reviews and limits, Encompass, offenders) on both engines.
        "board_missing": "SELECT * EXCLUDE (hours_missing) FROM board_missing ORDER BY episode_ref",
        "board_custody": "SELECT * EXCLUDE (aa_request_minutes, aa_arrive_minutes, aa_total_minutes, detained_hours)"
        " FROM board_custody ORDER BY custody_ref",
        "board_ppn": "SELECT * FROM board_ppn ORDER BY ppn_ref",
        "board_rso": "SELECT * FROM board_rso ORDER BY offender_ref",
        "snapshot_meta": "SELECT * FROM snapshot_meta WHERE key IN ('assessed_as_of', 'moment_source')",
    }
    for name, sql in exact.items():
        assert _table(duck, sql) == _table(spark, sql), f"{name} differ between DuckDB and Spark"
    scored = {
        "indicators": "SELECT indicator_id, weight FROM indicators ORDER BY 1",
        "scores": "SELECT person_id, category, score, threshold, indicator_count FROM scores ORDER BY 1, 2",
        "score_history": "SELECT person_id, category, event_at, score FROM score_history ORDER BY 1, 2, 3",
        "alerts": "SELECT alert_id, score FROM alerts ORDER BY 1",
    }
    for sql in scored.values():
        _same_within(_table(duck, sql), _table(spark, sql))
    # Linkage: the same pairs, each joined to the same person, with the same match weights (Jaro-Winkler on
    # Spark is DuckDB's own, linkage/jaro_winkler.py; the similarity jar's gave one pair 24.03 against 22.39).
    pairs = "SELECT mention_l, mention_r, person_id, field_weights FROM link_pairs ORDER BY 1, 2"
    assert _table(duck, pairs) == _table(spark, pairs)
    weights = "SELECT mention_l, mention_r, match_weight, match_probability FROM link_pairs ORDER BY 1, 2"
    _same_within(_table(duck, weights), _table(spark, weights))
