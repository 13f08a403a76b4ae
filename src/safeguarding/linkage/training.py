"""Training that survives any data a force could send.

Splink's training steps each assume enough of the right pairs: the near-certain rules must find some
(else the prior is log(0)), EM needs pairs in its blocking rule and levels it observes, and a level
whose m or u comes out exactly 0 or 1 makes an infinite weight. A force's first extract is small, a
file may hold no duplicates, no dates of birth or one system only. Here each step either works or
falls back to something principled, and says so in one line (``notes``):

- too few records to train on (``MIN_TRAIN_RECORDS``): the packaged model's m and u probabilities
  (``data/default_model.json``, trained on the synthetic county by ``bench/linkage_default_model.py``)
  and no term-frequency adjustments (frequencies counted on a few hundred records are noise);
- near-certain rules that find no pairs: a prior from the data's own size, as if they had found one;
- an EM session with too few pairs, or one that fails: its levels keep the packaged model's m;
- a level never observed: the packaged model's value; m or u at 0 or 1: floored (``M_FLOOR``,
  ``U_FLOOR``) and the comparison's levels renormalised.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb
from splink import Linker, block_on
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.exceptions import SplinkException

from safeguarding.linkage import model as model_mod

log = logging.getLogger(__name__)

# Below this many records a force's own estimates are noisier than the packaged model's. Measured:
# docs/linkage.md, "Training that survives any data".
MIN_TRAIN_RECORDS = 1000
# EM on fewer pairs than this in its blocking rule is not run (Splink's own advice: a few hundred at least).
MIN_EM_PAIRS = 200
# No field is recorded more reliably than one error in a thousand records; u is floored only so a
# weight stays finite (an agreement seen in none of a sample of pairs is rare, not impossible).
M_FLOOR = 1e-3
U_FLOOR = 1e-6
# The near-certain rules are assumed to find this share of true matches (the prior's denominator).
DETERMINISTIC_RECALL = 0.7
PACKAGED_MODEL = "default_model.json"

_TRAINING_ERRORS = (SplinkException, ValueError, ArithmeticError, duckdb.Error)


@dataclass
class Trained:
    """A model's settings (Splink's dict, ready for a Linker) and what training did to get them."""

    settings: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    packaged: bool = False


def packaged_parameters() -> dict[str, dict[str, dict[str, float]]]:
    """The packaged model: {comparison: {level label: {"m": .., "u": ..}}}."""
    text = resources.files("safeguarding.linkage.data").joinpath(PACKAGED_MODEL).read_text(encoding="utf-8")
    data: dict[str, dict[str, dict[str, float]]] = json.loads(text)["comparisons"]
    return data


def parameters_of(settings: dict[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """A trained model's m and u per comparison and level label (the packaged model's format)."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for comparison in settings["comparisons"]:
        levels = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            if isinstance(m, float | int) and isinstance(u, float | int):
                levels[level["label_for_charts"]] = {"m": float(m), "u": float(u)}
        out[comparison["output_column_name"]] = levels
    return out


@contextmanager
def _quiet_splink() -> Iterator[None]:
    # Splink warns about every unobserved level on its own logger; the notes here say it once.
    logger = logging.getLogger("splink")
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def deterministic_rules(features: set[str]) -> list[BlockingRuleCreator]:
    """Near-certain matches, used to estimate how often two random records match (the prior).

    Several rules, because in noisy data few true pairs agree exactly on names and date of birth
    alone; an undercounted prior makes every score too timid. Without dates of birth, the same full
    name at the same postcode, or a shared phone, email or identifier with the same surname.
    """
    rules: list[BlockingRuleCreator] = []
    if {"forename_canonical", "surname_key", "dob"} <= features:
        rules.append(block_on("forename_canonical", "surname_key", "dob"))
    for extra in ("postcode", "town_key", "email_key"):
        if {"surname_key", "dob", extra} <= features:
            rules.append(block_on("surname_key", "dob", extra))
    if {"forename_canonical", "surname_key", "postcode"} <= features:
        rules.append(block_on("forename_canonical", "surname_key", "postcode"))
    for unique in ("email_key", "identifier_key", "phone_key"):
        if {unique, "surname_key"} <= features:
            rules.append(block_on(unique, "surname_key"))
    return rules


def _count(sdf: Any, rules: list[BlockingRuleCreator]) -> int:
    if not rules:
        return 0
    records = count_comparisons_from_blocking_rules(
        sdf,
        blocking_rules=rules,
        link_type="dedupe_only",
        unique_id_column_name=model_mod.UNIQUE_ID,
        record_sample_proportion=1.0,
    )
    last = records[-1]
    data = last if isinstance(last, dict) else last.__dict__
    return int(data["cumulative_comparison_count"])


def estimate_prior(sdf: Any, features: set[str], records: int, notes: list[str]) -> float:
    """The probability that two random records match, from the near-certain rules' pairs.

    Splink's own estimate takes log(0) when the rules find nothing (a file with no duplicates): then
    the count is taken as one, the least that is consistent with not having looked at every pair.
    """
    total_pairs = records * (records - 1) / 2
    found = _count(sdf, deterministic_rules(features))
    if found == 0:
        notes.append(
            "the near-certain rules found no pairs (no duplicates, or too few fields): the prior assumes at most "
            f"one match among the {total_pairs:,.0f} pairs of records"
        )
    prior = max(found, 1) / DETERMINISTIC_RECALL / total_pairs
    return min(prior, 0.5)


def _em_sessions(features: set[str]) -> list[tuple[str, ...]]:
    # EM cannot estimate a comparison inside its own blocking rule, so two sessions on different
    # rules between them estimate every comparison.
    sessions: list[tuple[str, ...]] = []
    if "dob" in features:
        sessions.append(("dob",))
    if "surname_key" in features:
        sessions.append(("surname_key", "forename_canonical") if "forename_canonical" in features else ("surname_key",))
    if len(sessions) < 2:
        second = next((c for c in ("postcode", "email_key", "town_key", "phone_key") if c in features), None)
        if second:
            sessions.append((second,))
    return sessions


def repair(settings: dict[str, Any], fallback: dict[str, dict[str, dict[str, float]]], notes: list[str]) -> None:
    """Give every level a usable m and u: the fallback's for levels never observed, floors for 0 and 1."""
    borrowed, floored = 0, 0
    for comparison in settings["comparisons"]:
        known = fallback.get(comparison["output_column_name"], {})
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for kind, floor in (("m", M_FLOOR), ("u", U_FLOOR)):
            key = f"{kind}_probability"
            for n, level in enumerate(levels):
                value = level.get(key)
                if not isinstance(value, float | int) or math.isnan(value):
                    packaged = known.get(level.get("label_for_charts", ""), {}).get(kind)
                    level[key] = packaged if packaged is not None else _generic(kind, n, len(levels))
                    borrowed += 1
            total = sum(float(lv[key]) for lv in levels)
            for level in levels:
                share = float(level[key]) / total if total > 0 else 1 / len(levels)
                if share < floor:
                    floored += 1
                level[key] = max(share, floor)
            total = sum(float(lv[key]) for lv in levels)
            for level in levels:
                level[key] = float(level[key]) / total
    if borrowed:
        notes.append(f"{borrowed} m or u probabilities the data could not estimate came from the packaged model")
    if floored:
        notes.append(f"{floored} m or u probabilities at or near 0 were floored (m {M_FLOOR:g}, u {U_FLOOR:g})")


def _generic(kind: str, n: int, count: int) -> float:
    """A level in no packaged model (a field only outside files have): most alike is likeliest for a match."""
    if count == 1:
        return 1.0
    if kind == "m":
        return 0.9 if n == 0 else 0.1 / (count - 1)
    return 0.95 if n == count - 1 else 0.05 / (count - 1)


def strip_term_frequencies(settings: dict[str, Any]) -> None:
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            for key in ("tf_adjustment_column", "tf_adjustment_weight", "tf_minimum_u_value"):
                level.pop(key, None)


def train(linker: Linker, sdf: Any, features: set[str], records: int, prior_from_em: bool, seed: int = 42) -> Trained:
    """Train ``linker``'s model on its data, falling back step by step; return the repaired settings.

    ``prior_from_em``: let the last EM session re-derive the match prior (outside data of unknown
    quality, `resolve`); the force's model keeps the near-certain rules' estimate.
    """
    notes: list[str] = []
    fallback = packaged_parameters()
    with _quiet_splink():
        prior = estimate_prior(sdf, features, records, notes)
        if records < MIN_TRAIN_RECORDS:
            notes.insert(
                0,
                f"{records:,} records are too few to train on (under {MIN_TRAIN_RECORDS:,}): using the packaged model "
                "(m and u from the synthetic county), without term-frequency adjustments",
            )
            settings = linker.misc.save_model_to_json()
            for comparison in settings["comparisons"]:
                for level in comparison["comparison_levels"]:
                    level.pop("m_probability", None)
                    level.pop("u_probability", None)
            strip_term_frequencies(settings)
            settings["probability_two_random_records_match"] = prior
            repair(settings, fallback, [])
            return Trained(settings, notes, packaged=True)
        try:
            linker.training.estimate_u_using_random_sampling(max_pairs=3e6, seed=seed)
        except _TRAINING_ERRORS as exc:
            notes.append(f"u could not be estimated by sampling ({type(exc).__name__}): the packaged model's u used")
        em_prior = None
        sessions = _em_sessions(features)
        for n, columns in enumerate(sessions):
            rule = block_on(*columns)
            pairs = _count(sdf, [rule])
            if pairs < MIN_EM_PAIRS:
                notes.append(
                    f"EM on {' and '.join(columns)} skipped: {pairs:,} pairs, under {MIN_EM_PAIRS}; "
                    "its levels keep the packaged model's m"
                )
                continue
            last = n == len(sessions) - 1
            try:
                # EM converges on a sample as well as on every pair: cap the pairs so training time stays
                # flat as the force grows (a date of birth is shared by many people in a million).
                session = linker.training.estimate_parameters_using_expectation_maximisation(
                    rule,
                    max_pairs=5e6,
                    populate_probability_two_random_records_match_from_trained_values=prior_from_em and last,
                )
            except _TRAINING_ERRORS as exc:
                notes.append(
                    f"EM on {' and '.join(columns)} failed ({type(exc).__name__}: {str(exc).splitlines()[0][:80]}); "
                    "its levels keep the packaged model's m"
                )
                continue
            if prior_from_em and last and session is not None:
                em_prior = linker.misc.save_model_to_json()["probability_two_random_records_match"]
        settings = linker.misc.save_model_to_json()
    if em_prior is not None:
        # EM's prior is kept within the range the data's size allows (one match in all pairs, half of them).
        prior = min(max(float(em_prior), 1 / (records * (records - 1) / 2)), 0.5)
    settings["probability_two_random_records_match"] = prior
    repair(settings, fallback, notes)
    return Trained(settings, notes)
