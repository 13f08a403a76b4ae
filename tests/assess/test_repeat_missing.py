from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from safeguarding.assess.evaluate import evaluate, prepare
from safeguarding.assess.rules_catalogue import RuleError, load_rules, parse_rule
from safeguarding.config import Settings
from safeguarding.snapshot import store

T0 = datetime(2024, 1, 1, 12, tzinfo=UTC)


def _lake(episodes: list[tuple[str, str, datetime]], dob: str | None = "2010-01-01") -> duckdb.DuckDBPyConnection:
    """A connection shaped like the lake views, with one child per person ref."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    refs = sorted({p for _, p, _ in episodes})
    con.register(
        "persons_in",
        pa.table(
            {
                "source_system": ["compact"] * len(refs),
                "person_ref": refs,
                "date_of_birth": pa.array([dob] * len(refs), pa.string()),
            }
        ),
    )
    con.execute(
        "CREATE TABLE persons AS SELECT source_system, person_ref, CAST(date_of_birth AS DATE) AS date_of_birth"
        " FROM persons_in"
    )
    con.register(
        "eps",
        pa.table(
            {
                "episode_ref": [e for e, _, _ in episodes],
                "person_ref": [p for _, p, _ in episodes],
                "reported_at": pa.array([t for _, _, t in episodes], pa.timestamp("us", tz="UTC")),
            }
        ),
    )
    con.execute("CREATE TABLE missing_episodes AS SELECT 'compact' AS source_system, * FROM eps")
    mentions = pa.table(
        {
            "source_system": ["compact"] * len(refs),
            "person_ref": refs,
            "person_id": [f"P-{r}" for r in refs],
            "forenames": ["A"] * len(refs),
            "surname": ["B"] * len(refs),
            "sex": ["F"] * len(refs),
            "date_of_birth": pa.array([dob] * len(refs), pa.string()).cast(pa.date32()),
        },
    )
    prepare(con, mentions)
    return con


def _alerts(con: duckdb.DuckDBPyConnection) -> list[dict[str, object]]:
    rules = [r for r in load_rules() if r.id == "repeat_missing"]
    result: list[dict[str, object]] = evaluate(con, rules).alerts.to_pylist()
    return result


def test_three_episodes_inside_ninety_days_fire_with_their_evidence() -> None:
    con = _lake([("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=40)), ("E3", "C1", T0 + timedelta(days=89))])
    rules = [r for r in load_rules() if r.id == "repeat_missing"]
    result = evaluate(con, rules)
    assert result.alerts.num_rows == 1
    alert = result.alerts.to_pylist()[0]
    assert alert["person_id"] == "P-C1" and alert["rule_version"] == 1 and alert["evidence_count"] == 3
    assert alert["raised_at"] == T0 + timedelta(days=89)
    assert sorted(result.alert_evidence.column("record_ref").to_pylist()) == ["E1", "E2", "E3"]


def test_episodes_spread_over_more_than_the_window_do_not_fire() -> None:
    con = _lake([("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=45)), ("E3", "C1", T0 + timedelta(days=90))])
    assert _alerts(con) == []


def test_adults_do_not_fire_but_unknown_ages_do() -> None:
    episodes = [("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=1)), ("E3", "C1", T0 + timedelta(days=2))]
    assert _alerts(_lake(episodes, dob="1990-01-01")) == []
    assert len(_alerts(_lake(episodes, dob=None))) == 1


def test_threshold_and_window_come_from_the_rule_file() -> None:
    rule = next(r for r in load_rules() if r.id == "repeat_missing")
    assert rule.params == {"window_days": 90, "threshold": 3}
    assert "INTERVAL 90 DAYS" in rule.sql and ">= 3" in rule.sql


def test_bad_rule_files_are_refused_with_the_file_named() -> None:
    with pytest.raises(RuleError, match=r"x\.yaml: missing key 'sql'"):
        parse_rule("id: a\nversion: 1\ntitle: t\ncategory: missing\ndescription: d\nreads: []\nweight: 1\n", "x.yaml")
    with pytest.raises(RuleError, match="no such parameter"):
        parse_rule(
            "id: a\nversion: 1\ntitle: t\ncategory: missing\ndescription: d\nreads: []\nweight: 1\nsql: '{nope}'\n",
            "y.yaml",
        )


def test_pipeline_flags_planted_repeat_missing_children_and_not_the_hard_negatives(
    pipeline_settings: Settings, tiny_force: Path
) -> None:
    with (tiny_force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        truth = {(r["source_system"], r["person_ref"]): r["true_person_id"] for r in csv.DictReader(fh)}
    with (tiny_force / "truth" / "people.csv").open(encoding="utf-8") as fh:
        scenario = {r["true_person_id"]: r["scenario"] for r in csv.DictReader(fh)}
    snap = store.current(pipeline_settings.snapshot_dir)
    con = duckdb.connect(str(snap.path), read_only=True)
    rows = con.execute(
        """SELECT DISTINCT a.person_id, m.source_system, m.person_ref
           FROM alerts a JOIN mentions m USING (person_id) WHERE a.rule_id = 'repeat_missing'"""
    ).fetchall()
    flagged_true = {truth[(s, r)] for _, s, r in rows}
    planted = {p for p, s in scenario.items() if s == "repeat_missing"}
    spread = {p for p, s in scenario.items() if s == "spread_missing"}
    recall = len(flagged_true & planted) / len(planted)
    assert recall >= 0.9
    assert not flagged_true & spread


def test_some_alert_joins_episodes_recorded_under_different_spellings(pipeline_settings: Settings) -> None:
    snap = store.current(pipeline_settings.snapshot_dir)
    con = duckdb.connect(str(snap.path), read_only=True)
    # Alerts whose evidence episodes were recorded against differently spelled person mentions:
    # only person resolution could have put them together.
    joined = con.execute(
        """SELECT ae.alert_id, count(DISTINCT (m.forenames, m.surname, m.date_of_birth)) AS spellings
           FROM alert_evidence ae
           JOIN missing_episodes e ON e.episode_ref = ae.record_ref
           JOIN mentions m ON m.source_system = e.source_system AND m.person_ref = e.person_ref
           GROUP BY ae.alert_id HAVING spellings > 1"""
    ).fetchall()
    assert joined, "no alert depends on linkage: every alerted child was spelled one way"
