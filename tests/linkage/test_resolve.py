from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safeguarding import pipeline
from safeguarding.config import Settings
from safeguarding.linkage.evaluate import pairwise_scores
from safeguarding.linkage.model import META_FILE, MODEL_FILE
from safeguarding.linkage.resolve import LinkageRefused


def _truth(force: Path) -> dict[str, str]:
    with (force / "truth" / "person_truth.csv").open(encoding="utf-8") as fh:
        return {f"{r['source_system']}:{r['person_ref']}": r["true_person_id"] for r in csv.DictReader(fh)}


def _predicted(settings: Settings) -> dict[str, str]:
    rows = pq.read_table(pipeline.linkage_dir(settings) / "mentions.parquet").to_pylist()
    return {r["mention_id"]: r["person_id"] for r in rows}


def test_linkage_joins_differently_spelled_mentions_accurately(pipeline_settings: Settings, tiny_force: Path) -> None:
    scores = pairwise_scores(_predicted(pipeline_settings), _truth(tiny_force))
    assert scores.true_pairs > 100
    assert scores.precision >= 0.95, scores
    assert scores.recall >= 0.85, scores


def test_model_is_saved_with_its_version_and_reused(tiny_force: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    pipeline.run_ingest(settings, [tiny_force / "exports"])
    first = pipeline.run_link(settings)
    assert first.trained and (settings.model_dir / MODEL_FILE).exists() and (settings.model_dir / META_FILE).exists()
    pipeline.run_assess(settings)
    second = pipeline.run_link(settings)
    assert not second.trained and second.model_version == first.model_version
    assert _predicted(settings) == dict(
        zip(
            first.mentions.column("mention_id").to_pylist(), first.mentions.column("person_id").to_pylist(), strict=True
        )
    )
    assert second.changes == []


def test_comparisons_are_counted_per_rule_and_capped(tiny_force: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, max_comparisons=10)
    pipeline.run_ingest(settings, [tiny_force / "exports"])
    with pytest.raises(LinkageRefused, match="over the cap of 10"):
        pipeline.run_link(settings)
    ok = pipeline.run_link(Settings(data_dir=tmp_path))
    assert next(c["rule"] for c in ok.comparisons) == "same date of birth and given-name initial"
    assert ok.comparisons[-1]["cumulative"] == sum(c["marginal"] for c in ok.comparisons)


def test_pairs_carry_match_weight_per_field(pipeline_settings: Settings) -> None:
    pairs = pq.read_table(pipeline.linkage_dir(pipeline_settings) / "link_pairs.parquet").to_pylist()
    assert pairs
    joined = [p for p in pairs if p["person_id"]]
    assert joined, "no scored pair ended in the same person"
    weights = json.loads(joined[0]["field_weights"])
    assert {"forename", "surname", "dob", "postcode"} <= set(weights)
    # The field weights add up to the pair's match weight, less the prior.
    assert all(isinstance(v, float | int) for v in weights.values())
