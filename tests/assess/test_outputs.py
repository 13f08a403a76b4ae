"""Scores, alerts, places, networks, the snapshot tables, the generated docs and the measured accuracy."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from minilake import MiniLake, day

from safeguarding.assess.hotspots import gi_star
from safeguarding.assess.rules_catalogue import catalogue_markdown, load_rules
from safeguarding.config import Settings
from safeguarding.snapshot import store

ROOT = Path(__file__).resolve().parents[2]


def test_rule_catalogue_in_docs_is_current() -> None:
    expected = catalogue_markdown(load_rules())
    assert (ROOT / "docs" / "rules.md").read_text(encoding="utf-8") == expected, (
        "docs/rules.md is stale: run `safeguarding assess rules-doc > docs/rules.md`"
    )


def test_score_is_a_decayed_sum_that_halves_every_half_life() -> None:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", day(0), missing_from_type="childrens_home")
    lake.assess(as_of=(day(180) - timedelta(days=1)).date())
    score = lake.con.execute("SELECT score FROM scores WHERE person_id = 'P-C1'").fetchall()[0][0]
    assert score == pytest.approx(1.5, abs=0.05)  # weight 3, half-life 180 days


def test_as_of_uses_only_records_reported_by_then() -> None:
    lake = MiniLake()
    lake.person("C1")
    for i, d in enumerate((0, 10, 20)):
        lake.missing(f"E{i}", "C1", day(d))
    assert lake.assess(as_of=day(15).date()).fired("repeat_missing") == set()
    assert lake.assess(as_of=day(25).date()).fired("repeat_missing") == {"P-C1"}


def test_gi_star_marks_the_cell_with_many_events_among_quiet_neighbours() -> None:
    area = {f"c{i}" for i in range(20)}

    def near(c: str) -> list[str]:
        i = int(c[1:])
        return [f"c{j}" for j in (i - 1, i, i + 1) if 0 <= j < 20]

    z = gi_star({"c10": 30.0, "c11": 5.0, "c3": 1.0}, area, near)
    assert max(z, key=lambda c: z[c]) in {"c10", "c11"} and z["c10"] > 2.58 and z["c3"] < 1


def _snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(store.current(settings.snapshot_dir).path), read_only=True)


def test_snapshot_holds_person_group_and_place_alerts_with_evidence(pipeline_settings: Settings) -> None:
    con = _snapshot(pipeline_settings)
    kinds = dict(con.execute("SELECT subject_type, count(*) FROM alerts GROUP BY 1").fetchall())
    assert set(kinds) == {"person", "group", "place"}
    categories = {r[0] for r in con.execute("SELECT DISTINCT category FROM alerts").fetchall()}
    assert {"missing", "sexual_exploitation", "criminal_exploitation", "domestic_abuse", "online"} <= categories
    assert con.execute("SELECT count(*) FROM alerts WHERE evidence_count = 0").fetchall()[0][0] == 0
    assert con.execute(
        "SELECT count(*) FROM alerts WHERE (subject_type = 'person') <> (person_id IS NOT NULL)"
    ).fetchall() == [(0,)]
    assert con.execute("SELECT count(*) FROM lsoa_areas").fetchall() == [(452,)]
    assert con.execute("SELECT count(*) FROM h3_cells").fetchall()[0][0] > 0
    assert con.execute("SELECT count(*) FROM places WHERE is_concern").fetchall()[0][0] > 0
    every_score_explained = con.execute(
        """SELECT count(*) FROM scores s WHERE NOT EXISTS (
               SELECT 1 FROM indicators i JOIN indicator_evidence e USING (indicator_id)
               WHERE i.person_id = s.person_id AND i.category = s.category)"""
    ).fetchall()
    assert every_score_explained == [(0,)]


def test_rerunning_the_assessment_creates_no_duplicate_alerts(pipeline_settings: Settings) -> None:
    from safeguarding.pipeline import run_assess

    before = {r[0] for r in _snapshot(pipeline_settings).execute("SELECT alert_id FROM alerts").fetchall()}
    run_assess(pipeline_settings)
    after = {r[0] for r in _snapshot(pipeline_settings).execute("SELECT alert_id FROM alerts").fetchall()}
    assert before == after and before


@pytest.mark.slow
def test_measured_accuracy_on_the_tiny_force_meets_the_targets(pipeline_settings: Settings, tiny_force: Path) -> None:
    from safeguarding.pipeline import evaluate_assessment

    result = evaluate_assessment(pipeline_settings, tiny_force, step_days=14)
    assert result["recall"] >= 0.9 and result["precision"] >= 0.6
    assert result["median_lead_days"] > 30
    assert result["hard_negatives_alerted"] == 0
    assert result["groups"]["recovered"] == result["groups"]["expected"]
    assert {"sex", "ethnicity", "age_band", "area"} <= set(result["fairness"])
    # Hotspots found before the cut predict the events after it better than chance (PAI > 1).
    assert result["places"]["pai"] > 1
    assert result["places"]["hotspot_accuracy"]["later_events"] > 0
