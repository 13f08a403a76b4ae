"""The Splink model: comparisons, blocking rules, training and the saved model file.

Comparisons and blocking rules are built from the features that have values, so the same method
serves the force's nominal records and any outside file. The force's model is trained once (EM on
two different blocking rules), saved as JSON beside a metadata file with its version, and reused;
retraining is an explicit command (`safeguarding link retrain`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

log = logging.getLogger(__name__)

MODEL_FILE = "linkage-model.json"
META_FILE = "linkage-model.meta.json"
UNIQUE_ID = "unique_id"


@dataclass(frozen=True)
class ModelInfo:
    version: str
    trained_at: str
    trained_on_mentions: int
    packaged: bool = False  # the packaged model's parameters: the force was too small to train on
    notes: tuple[str, ...] = ()  # what training fell back to, one line each


@dataclass(frozen=True)
class BlockingRule:
    """A candidate-pair rule: pairs that agree exactly on all ``columns``."""

    columns: tuple[str, ...]
    description: str
    wide: bool = False  # only for small outside files: too many pairs at a force's scale

    def creator(self) -> BlockingRuleCreator:
        return block_on(*self.columns)


# In order: each rule adds the pairs the ones before it missed. Together they tolerate an error or a
# gap in any one field (a typo, a missing or swapped date of birth, a new surname, a moved address).
BLOCKING_RULES = (
    BlockingRule(("dob", "forename_initial"), "same date of birth and given-name initial"),
    BlockingRule(("dob", "surname_initial"), "same date of birth and surname initial"),
    BlockingRule(("dob",), "same date of birth", wide=True),
    BlockingRule(("dob_swapped",), "date of birth with day and month swapped"),  # joined to dob below
    BlockingRule(("surname_key", "forename_canonical"), "same surname and given name (nicknames folded)"),
    BlockingRule(
        ("surname_metaphone", "birth_year", "forename_initial"),
        "surname sounding alike, same year of birth and given-name initial",
    ),
    BlockingRule(("forename_canonical", "postcode"), "same given name and postcode"),
    BlockingRule(("names_swapped",), "given name and surname the other way round"),
    BlockingRule(
        ("forename_canonical", "birth_year", "surname_initial"), "same given name, year of birth and surname initial"
    ),
    BlockingRule(("surname_metaphone", "birth_year"), "surname sounding alike and same year of birth", wide=True),
    BlockingRule(("forename_canonical", "birth_year"), "same given name and year of birth", wide=True),
    BlockingRule(("forename_metaphone", "surname_metaphone"), "given name and surname both sounding alike"),
    BlockingRule(("surname_key", "town_key"), "same surname in the same town"),
    BlockingRule(("forename_canonical", "town_key"), "same given name in the same town"),
    BlockingRule(("phone_key",), "same phone number"),
    BlockingRule(("email_key",), "same email address"),
    BlockingRule(("identifier_key",), "same police or other identifier"),
)


def blocking_rules(features: set[str], wide: bool = False) -> list[BlockingRule]:
    """The rules whose columns all have values in this data (``wide``: include the wide rules)."""
    rules = []
    for rule in BLOCKING_RULES:
        if rule.wide and not wide:
            continue
        if rule.columns == ("dob_swapped",):
            if {"dob", "dob_swapped"} <= features:
                rules.append(rule)
        elif rule.columns == ("names_swapped",):
            if {"forename_key", "surname_key"} <= features:
                rules.append(rule)
        elif set(rule.columns) <= features:
            rules.append(rule)
    return rules


def _creator(rule: BlockingRule) -> BlockingRuleCreator:
    # Swapping is symmetric, so one direction finds every such pair.
    if rule.columns == ("dob_swapped",):
        return CustomRule("l.dob_swapped = r.dob")
    if rule.columns == ("names_swapped",):
        return CustomRule("l.forename_key = r.surname_key AND l.surname_key = r.forename_key")
    return rule.creator()


def _name_comparison(key: str, name: str, canonical: str | None, other: str | None, loose: bool) -> ComparisonCreator:
    levels: list[Any] = [
        cll.NullLevel(f"{key}"),
        # Term frequencies make a rare name count for more; the floor stops a one-off typo (a rare
        # string shared by chance) from outweighing everything else.
        cll.ExactMatchLevel(key).configure(tf_adjustment_column=key, tf_minimum_u_value=0.001),
    ]
    if canonical:
        levels.append(cll.ExactMatchLevel(canonical).configure(label_for_charts="Nickname or same canonical name"))
    if other:
        # Given name and surname written the other way round (common on hand-keyed records).
        levels.append(cll.CustomLevel(f"{key}_l = {other}_r", "Matches the other record's other name"))
    levels += [
        cll.JaroWinklerLevel(key, 0.92),
        cll.ExactMatchLevel(f"{name}_metaphone").configure(label_for_charts="Sounds alike (Metaphone)"),
    ]
    if loose:  # given names only: a loose surname match (Wood, Woodward) is a different family
        # One record has only the initial ("J Smith"), and it is the other's first letter.
        levels.append(
            cll.CustomLevel(
                f"(length({key}_l) = 1 OR length({key}_r) = 1) AND left({key}_l, 1) = left({key}_r, 1)",
                "One is the other's initial",
            )
        )
        levels.append(cll.JaroWinklerLevel(key, 0.8))
    levels.append(cll.ElseLevel())
    return cl.CustomComparison(levels, output_column_name=name)


def _dob_comparison() -> ComparisonCreator:
    return cl.CustomComparison(
        [
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_swapped_l = dob_r", "Day and month swapped"),
            cll.CustomLevel("levenshtein(CAST(dob_l AS VARCHAR), CAST(dob_r AS VARCHAR)) <= 1", "One digit different"),
            cll.CustomLevel("abs(date_diff('day', dob_l, dob_r)) <= 31", "Within a month"),
            cll.CustomLevel("abs(date_diff('day', dob_l, dob_r)) <= 366", "Within a year"),
            # Beyond ten years apart is a different generation: the level that keeps a father and
            # son of the same name at the same address apart.
            cll.CustomLevel("abs(date_diff('day', dob_l, dob_r)) <= 3653", "Within ten years"),
            cll.ElseLevel(),
        ],
        output_column_name="dob",
    )


def comparisons(features: set[str], uk_postcodes: bool) -> list[ComparisonCreator]:
    """One comparison per identifying field that has values."""
    out: list[ComparisonCreator] = []
    both = {"forename_key", "surname_key"} <= features
    if "forename_key" in features:
        out.append(
            _name_comparison("forename_key", "forename", "forename_canonical", "surname_key" if both else None, True)
        )
    if "surname_key" in features:
        out.append(_name_comparison("surname_key", "surname", None, "forename_key" if both else None, False))
    if "dob" in features:
        out.append(_dob_comparison())
    if "sex" in features:
        out.append(cl.ExactMatch("sex"))
    if "postcode" in features:
        out.append(cl.PostcodeComparison("postcode") if uk_postcodes else cl.ExactMatch("postcode"))
    if "address_key" in features:
        out.append(cl.JaroWinklerAtThresholds("address_key", [0.95, 0.85]))
    if "town_key" in features:
        out.append(
            cl.CustomComparison(
                [cll.NullLevel("town_key"), cll.ExactMatchLevel("town_key").configure(tf_adjustment_column="town_key"),
                 cll.JaroWinklerLevel("town_key", 0.88), cll.ElseLevel()],
                output_column_name="town",
            )
        )  # fmt: skip
    if "email_key" in features:
        # Exact address or exact user name only: fuzzy matching whole addresses joins families
        # (sheila.shepherd@… and chloe.shepherd@… are alike as strings, not as people).
        out.append(
            cl.CustomComparison(
                [cll.NullLevel("email_key"), cll.ExactMatchLevel("email_key"),
                 cll.CustomLevel("split_part(email_key_l, '@', 1) = split_part(email_key_r, '@', 1)", "Same user name"),
                 cll.ElseLevel()],
                output_column_name="email",
            )
        )  # fmt: skip
    for key in ("phone_key", "identifier_key", "middle_key"):
        if key in features:
            out.append(cl.ExactMatch(key))
    return out


def settings(features: set[str], uk_postcodes: bool, wide: bool = False) -> SettingsCreator:
    chosen: list[ComparisonCreator | dict[str, Any]] = list(comparisons(features, uk_postcodes))
    rules: list[BlockingRuleCreator | dict[str, Any]] = [_creator(r) for r in blocking_rules(features, wide)]
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=chosen,
        blocking_rules_to_generate_predictions=rules,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def save(
    linker: Linker, model_dir: Path, mentions: int, packaged: bool = False, notes: list[str] | None = None
) -> ModelInfo:
    """Write the trained model and its metadata; return the metadata."""
    model_dir.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(model_dir / MODEL_FILE), overwrite=True)
    now = datetime.now(UTC)
    info = ModelInfo(
        now.strftime("%Y%m%dT%H%M%SZ"), now.isoformat(timespec="seconds"), mentions, packaged, tuple(notes or ())
    )
    (model_dir / META_FILE).write_text(json.dumps(asdict(info), indent=2), encoding="utf-8")
    return info


def load(model_dir: Path) -> tuple[dict[str, Any], ModelInfo] | None:
    """The saved model settings and metadata, or None if no model has been trained."""
    path = model_dir / MODEL_FILE
    if not path.exists():
        return None
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    meta["notes"] = tuple(meta.get("notes", ()))
    return model, ModelInfo(**meta)
