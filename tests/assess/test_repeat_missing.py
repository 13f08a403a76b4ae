from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from minilake import CHILD_DOB, MiniLake

from safeguarding.assess.rules_catalogue import RuleError, load_rules, parse_rule
from safeguarding.config import Settings
from safeguarding.snapshot import store

T0 = datetime(2024, 1, 1, 12, tzinfo=UTC)


def _lake(episodes: list[tuple[str, str, datetime]], dob: date | None = CHILD_DOB) -> MiniLake:
    """A mini lake with one child per person ref and the given episodes, assessed."""
    lake = MiniLake()
    for ref in sorted({p for _, p, _ in episodes}):
        lake.person(ref, dob=dob)
    for ref, person, at in episodes:
        lake.missing(ref, person, at)
    return lake.assess()


def _alerts(lake: MiniLake) -> list[dict[str, object]]:
    return [a for a in lake.alerts() if a["reason"] == "rule:repeat_missing"]


def test_three_episodes_inside_ninety_days_fire_with_their_evidence() -> None:
    lake = _lake([("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=40)), ("E3", "C1", T0 + timedelta(days=89))])
    alerts = _alerts(lake)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert["person_id"] == "P-C1" and alert["rule_version"] == 1
    assert alert["raised_at"] == T0 + timedelta(days=89)
    assert lake.evidence("repeat_missing") == {"E1", "E2", "E3"}


def test_episodes_spread_over_more_than_the_window_do_not_fire() -> None:
    lake = _lake([("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=45)), ("E3", "C1", T0 + timedelta(days=90))])
    assert _alerts(lake) == []


def test_adults_do_not_fire_but_unknown_ages_do() -> None:
    episodes = [("E1", "C1", T0), ("E2", "C1", T0 + timedelta(days=1)), ("E3", "C1", T0 + timedelta(days=2))]
    assert _alerts(_lake(episodes, dob=date(1990, 1, 1))) == []
    assert len(_alerts(_lake(episodes, dob=None))) == 1


def test_threshold_and_window_come_from_the_rule_file() -> None:
    rule = next(r for r in load_rules() if r.id == "repeat_missing")
    assert rule.params == {"window_days": 90, "threshold": 3}
    assert rule.severity == "high"
    assert "INTERVAL 90 DAYS" in rule.sql and ">= 3" in rule.sql


def test_bad_rule_files_are_refused_with_the_file_named() -> None:
    with pytest.raises(RuleError, match=r"x\.yaml: missing key 'sql'"):
        parse_rule(
            "id: a\nversion: 1\ntitle: t\ncategory: missing\ndescription: d\nreads: []\nwindow_days: 0\n"
            "threshold: 1\nweight: 1\nseverity: high\n",
            "x.yaml",
        )
    with pytest.raises(RuleError, match="no such parameter"):
        parse_rule(
            "id: a\nversion: 1\ntitle: t\ncategory: missing\ndescription: d\nreads: []\nwindow_days: 0\n"
            "threshold: 1\nweight: 1\nseverity: high\nsql: '{nope}'\n",
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
