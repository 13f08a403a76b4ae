"""Person resolution: person mentions in the lake -> persons with stable ids.

Steps: prepare the mentions (normalised keys), count the comparisons the blocking rules would make
(refusing a run over the cap), load or train the Splink model, score candidate pairs, cluster them
at the link threshold, and give each cluster a stable person id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from splink import DuckDBAPI, Linker
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from safeguarding.linkage import model as model_mod
from safeguarding.linkage.stable_ids import assign_stable_ids

log = logging.getLogger(__name__)

# Normalised matching keys: lower case letters only, first forename only.
PREPARE_SQL = """
SELECT
    source_system || ':' || person_ref AS mention_id,
    source_system,
    person_ref,
    forenames,
    surname,
    date_of_birth,
    sex,
    nullif(regexp_replace(lower(strip_accents(split_part(trim(coalesce(forenames, '')), ' ', 1))),
                          '[^a-z]', '', 'g'), '') AS forename_key,
    nullif(regexp_replace(lower(strip_accents(coalesce(surname, ''))), '[^a-z]', '', 'g'), '') AS surname_key,
    year(date_of_birth) AS birth_year,
    nullif(upper(trim(postcode)), '') AS postcode
FROM persons
ORDER BY mention_id
"""


class LinkageRefused(RuntimeError):
    """The run would exceed the configured comparison cap."""


@dataclass
class LinkResult:
    mentions: pa.Table  # mention_id, source_system, person_ref, person_id, + identity fields
    pairs: pa.Table  # scored pairs with per-comparison match weights
    comparisons: list[dict[str, Any]]
    model_version: str
    trained: bool
    persons: int
    changes: list[dict[str, str]] = field(default_factory=list)


def count_comparisons(api: DuckDBAPI, sdf: Any) -> list[dict[str, Any]]:
    """Comparisons each prediction blocking rule adds (marginal) and in total (cumulative)."""
    records = count_comparisons_from_blocking_rules(
        sdf,
        blocking_rules=model_mod.PREDICTION_BLOCKING_RULES,
        link_type="dedupe_only",
        unique_id_column_name=model_mod.UNIQUE_ID,
        record_sample_proportion=1.0,
    )
    out = []
    for doc, rec in zip(model_mod.BLOCKING_RULE_DOCS, records, strict=True):
        data = rec if isinstance(rec, dict) else rec.__dict__
        out.append(
            {
                "rule": doc,
                "marginal": int(data.get("marginal_comparison_count", data.get("row_count", 0))),
                "cumulative": int(data.get("cumulative_comparison_count", data.get("cumulative_rows", 0))),
            }
        )
    return out


def resolve(
    lake_con: duckdb.DuckDBPyConnection,
    model_dir: Path,
    previous: list[tuple[str, str, str]],
    threshold: float,
    max_comparisons: int,
    retrain: bool = False,
) -> LinkResult:
    """Resolve every person mention in the lake into persons."""
    prepared = lake_con.sql(PREPARE_SQL).to_arrow_table()
    con = duckdb.connect()
    api = DuckDBAPI(connection=con)
    sdf = api.register(prepared, dataset_display_name="mentions_in")
    comparisons = count_comparisons(api, sdf) if prepared.num_rows > 1 else []
    total = comparisons[-1]["cumulative"] if comparisons else 0
    if total > max_comparisons:
        raise LinkageRefused(
            f"the blocking rules would make {total:,} comparisons, over the cap of {max_comparisons:,}; "
            "raise SAFEGUARDING_MAX_COMPARISONS if the machine has the memory, or tighten the blocking rules"
        )
    saved = None if retrain else model_mod.load(model_dir)
    trained = saved is None
    if prepared.num_rows < 2:
        mentions = _singletons(prepared, previous)
        return LinkResult(mentions, pa.table({}), comparisons, "none", False, mentions.num_rows)
    if saved is None:
        linker = Linker(sdf, model_mod.settings(), log_level=None)
        model_mod.train(linker)
        info = model_mod.save(linker, model_dir, prepared.num_rows)
    else:
        settings, info = saved
        linker = Linker(sdf, settings, log_level=None)
    # Pairs are kept from 0.5 so the portal can show near misses; clustering uses the threshold.
    predictions = linker.inference.predict(threshold_match_probability=min(0.5, threshold), warning_mode="never")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    cluster_table = con.sql(
        f"SELECT {model_mod.UNIQUE_ID} AS mention_id, cluster_id FROM {clusters.physical_name}"
    ).to_arrow_table()
    pairs = con.sql(f"SELECT * FROM {predictions.physical_name}").to_arrow_table()
    assignment, changes = assign_stable_ids(
        list(
            zip(
                cluster_table.column("mention_id").to_pylist(),
                cluster_table.column("cluster_id").to_pylist(),
                strict=True,
            )
        ),
        {f"{s}:{r}": p for s, r, p in previous},
    )
    con.register("prepared", prepared)
    con.register("assigned", pa.table({"mention_id": list(assignment), "person_id": list(assignment.values())}))
    mentions = con.sql(
        "SELECT p.*, a.person_id FROM prepared p JOIN assigned a USING (mention_id) ORDER BY mention_id"
    ).to_arrow_table()
    persons = len(set(assignment.values()))
    con.close()
    log.info("linkage: %d mentions -> %d persons (model %s)", mentions.num_rows, persons, info.version)
    return LinkResult(mentions, pairs, comparisons, info.version, trained, persons, changes)


def _singletons(prepared: pa.Table, previous: list[tuple[str, str, str]]) -> pa.Table:
    ids = prepared.column("mention_id").to_pylist()
    assignment, _ = assign_stable_ids([(m, i) for i, m in enumerate(ids)], {f"{s}:{r}": p for s, r, p in previous})
    return prepared.append_column("person_id", pa.array([assignment[m] for m in ids], pa.string()))
