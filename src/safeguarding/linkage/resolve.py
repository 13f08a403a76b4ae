"""Resolving records into persons with Splink on DuckDB or Spark: count, train or load, score, cluster.

``resolve_features`` is the method, used both by the force's linkage (force.py) and by
`safeguarding resolve` on any file (generic.py). With a Spark session it runs on Splink's Spark
backend: the saved model (trained on either engine) is the same file; its DuckDB SQL conditions are
transpiled to Spark SQL with sqlglot (``spark_model_settings``), and Jaro-Winkler is DuckDB's own,
registered on the session as a Python function (linkage/jaro_winkler.py: the similarity jar's differs).
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import sqlglot
from splink import DuckDBAPI, Linker
from splink.blocking_analysis import count_comparisons_from_blocking_rules
from splink.blocking_rule_library import CustomRule
from sqlglot import exp

from safeguarding.linkage import jaro_winkler, training
from safeguarding.linkage import model as model_mod
from safeguarding.linkage import threshold as threshold_mod
from safeguarding.linkage.clustering import guarded_clusters
from safeguarding.linkage.features import available

log = logging.getLogger(__name__)


class LinkageRefused(RuntimeError):
    """The run would exceed the configured comparison cap."""


@dataclass
class Resolution:
    clusters: dict[str, str]  # unique_id -> cluster key (the smallest unique_id in the cluster)
    pairs: pa.Table  # unique_id_l, unique_id_r, match_probability, match_weight, field_weights (JSON)
    comparisons: list[dict[str, Any]]
    model_version: str
    trained: bool
    threshold: threshold_mod.ThresholdChoice
    notes: list[str] = field(default_factory=list)  # one line for each fallback and the threshold


def _uk_postcodes(features: pa.Table) -> bool:
    if "postcode" not in features.column_names:
        return False
    values = [v for v in features.column("postcode").to_pylist()[:2000] if v]
    return bool(values) and sum(" " in v for v in values) / len(values) > 0.8


def count_comparisons(sdf: Any, features: set[str], wide: bool = False) -> list[dict[str, Any]]:
    """Comparisons each prediction blocking rule adds (marginal) and in total (cumulative)."""
    rules = model_mod.blocking_rules(features, wide)
    records = count_comparisons_from_blocking_rules(
        sdf,
        blocking_rules=[model_mod._creator(r) for r in rules],
        link_type="dedupe_only",
        unique_id_column_name=model_mod.UNIQUE_ID,
        record_sample_proportion=1.0,
    )
    out = []
    for rule, rec in zip(rules, records, strict=True):
        data = rec if isinstance(rec, dict) else rec.__dict__
        out.append(
            {
                "rule": rule.description,
                "columns": list(rule.columns),
                "marginal": int(data["marginal_comparison_count"]),
                "cumulative": int(data["cumulative_comparison_count"]),
            }
        )
    return out


def _field_weights_sql(columns: list[str]) -> str:
    names = [c.removeprefix("mw_") for c in columns if c.startswith("mw_") and not c.startswith("mw_tf_adj_")]
    parts = []
    for name in names:
        tf = f"mw_tf_adj_{name}"
        value = f"round(mw_{name} + coalesce({tf}, 0), 3)" if tf in columns else f"round(mw_{name}, 3)"
        parts.append(f"'{name}': {value}")
    return "to_json({" + ", ".join(parts) + "})::VARCHAR" if parts else "'{}'"


def _transpile(sql: str, dialect: str) -> str:
    if dialect == "duckdb" or sql.strip().upper() == "ELSE":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")

    def rename(node: exp.Expression) -> exp.Expression:
        # DuckDB's Jaro-Winkler, not the similarity jar's `jaro_winkler` (see linkage/jaro_winkler.py).
        if isinstance(node, exp.JarowinklerSimilarity):
            return exp.Anonymous(this=jaro_winkler.SPARK_NAME, expressions=[node.this, node.expression])
        return node

    return tree.transform(rename).sql(dialect=dialect)


def spark_model_settings(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """A saved model's settings for Splink's Spark backend: every SQL condition transpiled from DuckDB SQL."""
    out = copy.deepcopy(settings_dict)
    if out.get("sql_dialect", "duckdb") == "spark":
        return out
    for comparison in out.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if "sql_condition" in level:
                level["sql_condition"] = _transpile(level["sql_condition"], "spark")
    for rule in out.get("blocking_rules_to_generate_predictions", []):
        if isinstance(rule, dict) and "blocking_rule" in rule:
            rule["blocking_rule"] = _transpile(rule["blocking_rule"], "spark")
            rule["sql_dialect"] = "spark"
    out["sql_dialect"] = "spark"
    return out


class _Backend:
    """Where Splink runs: DuckDB in process (default) or a Spark session."""

    def __init__(self, spark: Any | None, memory_limit: str) -> None:
        self.spark = spark
        self.dialect = "spark" if spark is not None else "duckdb"
        if spark is None:
            self.con: duckdb.DuckDBPyConnection | None = duckdb.connect()
            # Bounded memory: DuckDB spills to a temporary folder beyond this (its own default is 80% of RAM).
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
            self.api: Any = DuckDBAPI(connection=self.con)
        else:
            from splink.backends.spark import SparkAPI

            from safeguarding.lake.spark import register_functions

            register_functions(spark)
            self.con = None
            self.api = SparkAPI(  # type: ignore[no-untyped-call]
                spark_session=spark, break_lineage_method="persist", num_partitions_on_repartition=8
            )

    def register(self, features: pa.Table, name: str = "person_features") -> Any:
        if self.spark is None:
            return self.api.register(features, dataset_display_name=name)
        # A Spark session outlives one run: a fresh name per run, as Splink refuses one in use.
        name = f"{name}_{uuid.uuid4().hex[:8]}"
        # Materialised at once: a DataFrame made from Arrow is a LocalRelation, its rows inside the query plan,
        # and Spark's optimiser then evaluates every projection of Splink's self-join over them on the driver,
        # in one thread (at county scale this ran for minutes before any job started; likely the cause of an
        # earlier out-of-memory failure in predict).
        frame = self.spark.createDataFrame(features).localCheckpoint(eager=True)
        return self.api.register(frame, dataset_display_name=name)

    def query(self, sql: str) -> pa.Table:
        """A query in DuckDB SQL over Splink's tables, as Arrow."""
        if self.con is not None:
            return self.con.sql(sql).to_arrow_table()
        assert self.spark is not None
        table: pa.Table = self.spark.sql(_transpile(sql, "spark")).toArrow()
        return table

    def close(self) -> None:
        if self.con is not None:
            self.con.close()


def resolve_features(
    features: pa.Table,
    threshold: float | None,
    max_comparisons: int,
    model_dir: Path | None = None,
    retrain: bool = False,
    report: Callable[[list[dict[str, Any]]], None] | None = None,
    memory_limit: str = "4GB",
    spark: Any | None = None,
) -> Resolution:
    """Cluster the records in ``features`` (from features.build_features).

    With ``model_dir``, a saved model is reused (trained and saved first if there is none, if
    ``retrain``, or if the saved one is the packaged model and the data is now large enough to train
    on); without it, a model is trained for this data alone. ``threshold``: None chooses it from
    the model's evidence (threshold.py).
    """
    ids = features.column(model_mod.UNIQUE_ID).to_pylist()
    singletons = {i: i for i in ids}
    if len(ids) < 2:
        note = f"{len(ids)} record{'' if len(ids) == 1 else 's'}: nothing to compare"
        choice = threshold_mod.ThresholdChoice(threshold or 0.9, 1.0, 1.0, 1.0, "nothing to compare")
        return Resolution(singletons, _empty_pairs(), [], "none", False, choice, [note])
    feats = available(features)
    # A one-off outside file is small: it can afford the wide blocking rules a force's data cannot.
    wide = model_dir is None
    backend = _Backend(spark, memory_limit)
    sdf = backend.register(features)
    comparisons = count_comparisons(sdf, feats, wide)
    if report is not None:
        report(comparisons)  # before any scoring, so a person sees the cost first
    total = comparisons[-1]["cumulative"] if comparisons else 0
    if total > max_comparisons:
        backend.close()
        raise LinkageRefused(
            f"the blocking rules would make {total:,} comparisons, over the cap of {max_comparisons:,}; "
            "raise SAFEGUARDING_MAX_COMPARISONS if the machine has the memory, or tighten the blocking rules "
            "(docs/linkage.md, 'Tuning')"
        )
    notes: list[str] = []
    if "dob" not in feats:
        notes.append("no record has a date of birth: the other fields decide alone, blocking and training without it")
    if not comparisons:
        backend.close()
        note = "no blocking rule has values in this data (too few fields filled): every record stays its own person"
        choice = threshold_mod.ThresholdChoice(threshold or 0.9, 1.0, 0.0, 0.0, "nothing to compare")
        return Resolution(singletons, _empty_pairs(), comparisons, "none", False, choice, [*notes, note])
    saved = None if (retrain or model_dir is None) else model_mod.load(model_dir)
    if saved is not None and saved[1].packaged and len(ids) >= training.MIN_TRAIN_RECORDS:
        notes.append(
            f"the saved model is the packaged one and the data now has {len(ids):,} records: training the force's own"
        )
        saved = None
    if saved is None:
        creator = model_mod.settings(feats, _uk_postcodes(features), wide)
        # The comparisons' SQL is DuckDB SQL: on Spark it is transpiled first.
        chosen = creator if spark is None else spark_model_settings(creator.create_settings_dict("duckdb"))
        trainer = Linker(sdf, chosen, log_level=None)
        # A force's saved model keeps the deterministic prior; a one-off outside file lets EM set it.
        trained_model = training.train(trainer, sdf, feats, len(ids), prior_from_em=model_dir is None)
        notes += trained_model.notes
        linker = Linker(sdf, trained_model.settings, log_level=None)
        if model_dir is not None:
            info = model_mod.save(linker, model_dir, len(ids), packaged=trained_model.packaged, notes=notes)
            version = info.version
        else:
            version = "packaged-for-this-run" if trained_model.packaged else "trained-for-this-run"
        trained = True
    else:
        settings_dict, info = saved
        # The saved model supplies the parameters; which pairs get scored is this code's blocking
        # rules (the ones just counted), so a change of rules needs no retraining.
        settings_dict["blocking_rules_to_generate_predictions"] = [
            model_mod._creator(r).create_blocking_rule_dict("duckdb") for r in model_mod.blocking_rules(feats, wide)
        ]
        if spark is not None:
            settings_dict = spark_model_settings(settings_dict)
        linker = Linker(sdf, settings_dict, log_level=None)
        version, trained = info.version, False
        if info.packaged:
            notes.append(f"using the packaged model saved when the force had {info.trained_on_mentions:,} records")
    # Scores are kept from SCORE_FLOOR to choose the threshold, from 0.5 so the portal can show near
    # misses; clustering uses the threshold.
    floor = min(threshold_mod.SCORE_FLOOR, threshold if threshold is not None else 1.0)
    predictions = linker.inference.predict(threshold_match_probability=floor, warning_mode="never")
    table = predictions.physical_name
    scored = backend.query(f"SELECT unique_id_l, unique_id_r, match_probability FROM {table}")
    left = [str(v) for v in scored.column(0).to_pylist()]
    right = [str(v) for v in scored.column(1).to_pylist()]
    probability = scored.column(2).to_numpy()
    dated = (
        {str(i) for i, d in zip(ids, features.column("dob").to_pylist(), strict=True) if d is not None}
        if "dob" in feats
        else None
    )
    names = [str(i) for i in ids]
    grid = threshold_mod.GRID if threshold is None else (threshold,)
    # Every pair the loosest threshold's clusters put together is scored, blocked or not, so a
    # threshold that chains unlike records together is charged for it.
    low = guarded_clusters(
        names, ((a, b) for a, b, q in zip(left, right, probability, strict=True) if q >= min(grid)), dated
    )
    within = _score_within_clusters(backend, linker, features, low, notes)
    # Clusters are made from the blocked pairs only; the pairs scored inside them only price the choice.
    unblocked = None if within is None else _unblocked(left, right, *within)
    if threshold is None:
        choice = threshold_mod.choose_clustered(names, dated, left, right, probability, unblocked=unblocked)
    else:
        choice = threshold_mod.at_clustered(names, dated, left, right, probability, threshold, unblocked)
    notes.append(choice.describe())
    edges = ((a, b, float(q)) for a, b, q in zip(left, right, probability, strict=True) if q >= choice.threshold)
    assignment = guarded_clusters(names, edges, dated)
    columns = backend.query(f"SELECT * FROM {table} LIMIT 0").column_names
    kept = min(0.5, choice.threshold)
    pairs = backend.query(
        f"""SELECT unique_id_l, unique_id_r, match_probability, match_weight,
                   {_field_weights_sql(columns)} AS field_weights
            FROM {table} WHERE match_probability >= {float(kept)!r}"""
    )
    backend.close()
    for line in notes:
        log.info("linkage: %s", line)
    return Resolution(assignment, pairs, comparisons, version, trained, choice, notes)


# Scoring every pair inside the clusters is skipped beyond this many pairs (a giant cluster).
MAX_WITHIN_PAIRS = 20_000_000


def _score_within_clusters(
    backend: _Backend, linker: Linker, features: pa.Table, clusters: dict[str, str], notes: list[str]
) -> tuple[list[str], list[str], np.ndarray] | None:
    """Match probabilities of every pair of records that share a cluster, under the linker's model."""
    sizes = Counter(clusters.values())
    pairs = sum(n * (n - 1) // 2 for n in sizes.values())
    if pairs == 0:
        return [], [], np.zeros(0)
    if pairs > MAX_WITHIN_PAIRS:
        notes.append(
            f"{pairs:,} pairs share a cluster at the loosest threshold: those never scored count as non-matches"
        )
        return None
    ids = [str(i) for i in features.column(model_mod.UNIQUE_ID).to_pylist()]
    keep = [sizes[clusters[i]] > 1 for i in ids]
    grouped = features.filter(pa.array(keep)).append_column(
        "cluster_key", pa.array([clusters[i] for i, k in zip(ids, keep, strict=True) if k], pa.string())
    )
    settings = linker.misc.save_model_to_json()
    dialect = settings.get("sql_dialect", "duckdb")
    settings["blocking_rules_to_generate_predictions"] = [
        CustomRule("l.cluster_key = r.cluster_key").create_blocking_rule_dict(dialect)
    ]
    scorer = Linker(backend.register(grouped, "person_features_within"), settings, log_level=None)
    table = scorer.inference.predict(warning_mode="never").physical_name
    scored = backend.query(f"SELECT unique_id_l, unique_id_r, match_probability FROM {table}")
    return (
        [str(v) for v in scored.column(0).to_pylist()],
        [str(v) for v in scored.column(1).to_pylist()],
        scored.column(2).to_numpy(),
    )


def _unblocked(
    left: list[str], right: list[str], left2: list[str], right2: list[str], p2: np.ndarray
) -> tuple[list[str], list[str], np.ndarray]:
    """The pairs of the second set that are not in the first (blocking never proposed them)."""
    seen = {(a, b) if a < b else (b, a) for a, b in zip(left, right, strict=True)}
    extra = [n for n, (a, b) in enumerate(zip(left2, right2, strict=True)) if ((a, b) if a < b else (b, a)) not in seen]
    return [left2[n] for n in extra], [right2[n] for n in extra], np.asarray(p2, float)[extra]


def _empty_pairs() -> pa.Table:
    return pa.table(
        {"unique_id_l": pa.array([], pa.string()), "unique_id_r": pa.array([], pa.string()),
         "match_probability": pa.array([], pa.float64()), "match_weight": pa.array([], pa.float64()),
         "field_weights": pa.array([], pa.string())}
    )  # fmt: skip
