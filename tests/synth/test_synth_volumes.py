"""Volumes follow the configured rates (data/rates.yaml): background exactly, scenarios on top."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from force_files import mention_truth, rows, scenarios, truth_csv

from safeguarding.synth.force import SynthOptions, generate
from safeguarding.synth.rates import monthly_counts, rates


def _claimed(force: Path) -> Counter[str]:
    return Counter(c["record_type"] for s in scenarios(force) for c in s["records"])


def test_monthly_split_sums_to_the_yearly_rate() -> None:
    for per_year, months, first in ((90000, 36, 1), (500, 12, 7), (7, 24, 3)):
        split = monthly_counts(per_year, months, first)
        assert sum(split) == per_year * months // 12 and len(split) == months
        assert max(split) - min(split) <= max(2, per_year // 12 // 4)


def check_volumes(force: Path, scale: str, years: int) -> None:
    r = rates(scale)
    claimed = _claimed(force)
    count = {name: len(rows(force, name)) for name in (
        "incidents", "crimes", "custody_detentions", "intelligence_logs", "online_referrals", "ppns", "offenders",
        "missing_episodes")}  # fmt: skip
    # Exactly the configured background volume, plus what scenarios wrote.
    assert count["incidents"] - claimed["incidents"] == r.incidents * years
    assert count["custody_detentions"] - claimed["custody_detentions"] == r.custody_detentions * years
    assert count["intelligence_logs"] - claimed["intelligence_logs"] == r.intelligence_logs * years
    assert count["online_referrals"] - claimed["online_referrals"] == r.online_referrals * years
    # Crimes and PPNs spawned by incidents can run a few over in the last month.
    assert r.crimes * years <= count["crimes"] - claimed["crimes"] <= r.crimes * years * 1.05
    assert count["offenders"] - claimed["offenders"] == r.offenders_at_start + r.offenders_new * years
    # PPNs: the configured volume plus one for each repeat-missing child (after the third episode).
    repeat = sum(1 for e in truth_csv(force, "expected.csv") if e["scenario"] == "repeat_missing")
    assert r.ppns * years <= count["ppns"] - claimed["ppns"] <= r.ppns * years * 1.05 + repeat
    # Missing: adults exactly; children as the cohort's patterns make them (3.5 episodes a child on average,
    # fewer when the period ends before a child's later episodes).
    truth = mention_truth(force)
    scenario_of = {p["true_person_id"]: p["scenario"] for p in truth_csv(force, "people.csv")}
    by_scenario = Counter(scenario_of[truth[("compact", e["person_ref"])]] for e in rows(force, "missing_episodes"))
    assert by_scenario["background"] == round(r.missing_adults * r.adult_episodes_per_person) * years
    cohort = sum(n for s, n in by_scenario.items() if s.endswith("_missing"))
    assert 0.6 * 3.5 * r.missing_children * years <= cohort <= 1.1 * 3.5 * r.missing_children * years
    cohort_children = {truth[("compact", e["person_ref"])] for e in rows(force, "missing_episodes")
                       if scenario_of[truth[("compact", e["person_ref"])]].endswith("_missing")}  # fmt: skip
    assert 0.95 * r.missing_children * years <= len(cohort_children) <= r.missing_children * years


def test_tiny_volumes_follow_the_configured_rates(tiny_force: Path) -> None:
    check_volumes(tiny_force, "tiny", 1)


@pytest.mark.slow
def test_county_volumes_follow_domain_volumes(tmp_path: Path) -> None:
    """DOMAIN.md "Volumes": about 60k attended incidents, 55k crimes, 8-9k missing episodes, 9k arrests a year."""
    generate(SynthOptions(scale="county", years=1, seed=5), tmp_path)
    check_volumes(tmp_path, "county", 1)
    incidents = rows(tmp_path, "incidents")
    attended = sum(1 for i in incidents if i["attended"] == "true")
    assert 0.85 * 60000 <= attended <= 1.15 * 60000
    custody = rows(tmp_path, "custody_detentions")
    children = sum(1 for c in custody if c["appears_under_18"] == "true")
    assert 800 <= children <= 1300
    assert 800 <= len({o["offender_ref"] for o in rows(tmp_path, "offenders")}) <= 1100
