"""The Splink model: comparisons, blocking rules, training and the saved model file.

The model is trained once (EM on two different blocking rules), saved as JSON beside a small
metadata file with its version, and reused on every later run; retraining is an explicit step.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator

log = logging.getLogger(__name__)

MODEL_FILE = "linkage-model.json"
META_FILE = "linkage-model.meta.json"
UNIQUE_ID = "mention_id"

# Blocking rules that generate candidate pairs. Each admits pairs that agree exactly on its columns;
# a pair needs to pass only one. Together they tolerate an error in any single field.
PREDICTION_BLOCKING_RULES: list[BlockingRuleCreator | dict[str, Any]] = [
    block_on("date_of_birth"),
    block_on("surname_key"),
    block_on("forename_key", "postcode"),
    block_on("forename_key", "birth_year"),
]
BLOCKING_RULE_DOCS = [
    "same date of birth",
    "same normalised surname",
    "same normalised forename and the same postcode",
    "same normalised forename and the same year of birth",
]
# Training sessions: EM cannot estimate a comparison inside its own blocking rule, so two sessions
# on different rules between them estimate every comparison.
TRAINING_BLOCKING_RULES = [block_on("date_of_birth"), block_on("surname_key", "forename_key")]
# Rules precise enough to estimate how many pairs in the data truly match (recall of about 70%).
DETERMINISTIC_RULES: list[str | BlockingRuleCreator] = [block_on("forename_key", "surname_key", "date_of_birth")]


@dataclass(frozen=True)
class ModelInfo:
    version: str
    trained_at: str
    trained_on_mentions: int


def settings() -> SettingsCreator:
    """The linkage settings: one comparison per identifying field."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=[
            cl.NameComparison("forename_key"),
            cl.NameComparison("surname_key"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=False),
            cl.ExactMatch("sex"),
            cl.PostcodeComparison("postcode"),
        ],
        blocking_rules_to_generate_predictions=PREDICTION_BLOCKING_RULES,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def train(linker: Linker, seed: int = 42) -> None:
    """Estimate the model's parameters on the mentions the linker holds."""
    linker.training.estimate_probability_two_random_records_match(DETERMINISTIC_RULES, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    for rule in TRAINING_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


def save(linker: Linker, model_dir: Path, mentions: int) -> ModelInfo:
    """Write the trained model and its metadata; return the metadata."""
    model_dir.mkdir(parents=True, exist_ok=True)
    linker.misc.save_model_to_json(str(model_dir / MODEL_FILE), overwrite=True)
    info = ModelInfo(
        version=datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        trained_on_mentions=mentions,
    )
    (model_dir / META_FILE).write_text(json.dumps(info.__dict__, indent=2), encoding="utf-8")
    return info


def load(model_dir: Path) -> tuple[dict[str, Any], ModelInfo] | None:
    """The saved model settings and metadata, or None if no model has been trained."""
    path = model_dir / MODEL_FILE
    if not path.exists():
        return None
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    meta = json.loads((model_dir / META_FILE).read_text(encoding="utf-8"))
    return model, ModelInfo(**meta)
