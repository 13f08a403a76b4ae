"""Training's fallbacks (floors, borrowed parameters, the prior) and the threshold chosen by expected F1."""

from __future__ import annotations

import math
from typing import Any

import pytest

from safeguarding.linkage import threshold, training


def _settings(levels: list[dict[str, Any]]) -> dict[str, Any]:
    null = {"label_for_charts": "sex is NULL", "is_null_level": True}
    return {"comparisons": [{"output_column_name": "sex", "comparison_levels": [null, *levels]}]}


def test_repair_floors_zero_and_one_and_renormalises() -> None:
    settings = _settings([
        {"label_for_charts": "Exact match on sex", "m_probability": 1.0, "u_probability": 0.5},
        {"label_for_charts": "All other comparisons", "m_probability": 8e-23, "u_probability": 0.5},
    ])  # fmt: skip
    notes: list[str] = []
    training.repair(settings, {}, notes)
    levels = settings["comparisons"][0]["comparison_levels"][1:]
    m = [lv["m_probability"] for lv in levels]
    assert math.isclose(sum(m), 1.0) and m[1] == pytest.approx(training.M_FLOOR, rel=0.01)
    assert all(math.isfinite(math.log2(lv["m_probability"] / lv["u_probability"])) for lv in levels)
    assert any("floored" in n for n in notes)


def test_repair_borrows_levels_the_data_never_showed_from_the_packaged_model() -> None:
    settings = _settings([
        {"label_for_charts": "Exact match on sex", "m_probability": 0.98, "u_probability": 0.5},
        {"label_for_charts": "All other comparisons", "m_probability": "level not observed", "u_probability": 0.5},
    ])  # fmt: skip
    notes: list[str] = []
    packaged = {"sex": {"All other comparisons": {"m": 0.02, "u": 0.5}}}
    training.repair(settings, packaged, notes)
    other = settings["comparisons"][0]["comparison_levels"][2]
    assert other["m_probability"] == pytest.approx(0.02)
    assert any("packaged model" in n for n in notes)


def test_the_packaged_model_covers_every_comparison_a_force_has() -> None:
    packaged = training.packaged_parameters()
    for name in ("forename", "surname", "dob", "sex", "postcode", "email", "phone_key", "identifier_key"):
        levels = packaged[name]
        assert levels and all(0 < v["m"] < 1 and 0 < v["u"] < 1 for v in levels.values()), name
        assert math.isclose(sum(v["m"] for v in levels.values()), 1.0, rel_tol=1e-6)


def test_a_threshold_that_chains_people_together_pays_for_it() -> None:
    # a-b and c-d are sure matches; b-c is scored 0.6 and would chain all four into one person,
    # making four more predicted pairs that were never scored as matches (a-c, a-d, b-d count as 0).
    ids = ["a", "b", "c", "d"]
    left, right, p = ["a", "c", "b"], ["b", "d", "c"], [0.999, 0.999, 0.6]
    choice = threshold.choose_clustered(ids, None, left, right, p, grid=(0.5, 0.9))
    assert choice.threshold == 0.9
    assert choice.expected_precision == pytest.approx(0.999)
    # Had the pairs inside the chain been scored as matches, the loose threshold would win.
    left2, right2 = [*left, "a", "a", "b"], [*right, "c", "d", "d"]
    looser = threshold.choose_clustered(ids, None, left2, right2, [*p, 0.85, 0.85, 0.85], grid=(0.5, 0.9))
    assert looser.threshold == 0.5


def test_an_analysts_threshold_gets_its_expected_precision_and_recall() -> None:
    choice = threshold.at_clustered(["a", "b", "c"], None, ["a", "b"], ["b", "c"], [0.95, 0.4], 0.9)
    assert choice.source == "set by the analyst" and choice.threshold == 0.9
    assert choice.expected_precision == pytest.approx(0.95)
    assert choice.expected_recall == pytest.approx(0.95 / 1.35)
    assert "expected precision 0.950" in choice.describe()


def test_of_two_thresholds_with_nearly_equal_expected_f1_the_higher_is_taken() -> None:
    # Joining c to a-b at 0.3 gains a little expected F1, less than the tolerance: the stricter one is taken.
    ids = ["a", "b", "c"]
    left, right = ["a", "a", "b"], ["b", "c", "c"]
    choice = threshold.choose_clustered(ids, None, left, right, [0.999, 0.37, 0.37], grid=(0.3, 0.9))
    expected = {t: f1 for t, _, _, f1 in choice.curve}
    assert 0 < expected[0.3] - expected[0.9] < threshold.TOLERANCE
    assert choice.threshold == 0.9
