"""The force's person resolution: every person mention in the lake -> persons with stable ids.

A mention is one nominal record (`persons`, latest version), identified as ``source_system:person_ref``.
Steps: person fields from the lake (the home address joined from `locations`), features, the saved
model (trained on first use), analysts' decisions re-applied, stable ids from the last snapshot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from safeguarding.linkage.features import build_features
from safeguarding.linkage.overrides import Decision, apply_decisions
from safeguarding.linkage.resolve import resolve_features
from safeguarding.linkage.stable_ids import assign_stable_ids
from safeguarding.linkage.threshold import ThresholdChoice

log = logging.getLogger(__name__)

# The first forename is the given name; any others are middle names.
PERSON_RECORDS_SQL = """
SELECT p.source_system || ':' || p.person_ref AS unique_id,
       split_part(trim(p.forenames), ' ', 1) AS first_name,
       nullif(trim(substr(trim(p.forenames), length(split_part(trim(p.forenames), ' ', 1)) + 1)), '') AS middle_name,
       p.surname, NULL::VARCHAR AS full_name, p.date_of_birth AS dob, p.sex,
       coalesce(p.postcode, l.postcode) AS postcode,
       -- The address text comes from the same location as the postcode: comparing both would count
       -- one fact twice (and join everyone in a household), so the postcode stands for the address.
       NULL::VARCHAR AS address, NULL::VARCHAR AS town,
       p.phone, p.email, p.pnc_id AS identifier
FROM persons p
LEFT JOIN locations l ON l.source_system = p.source_system AND l.location_ref = p.address_ref
"""

MENTIONS_SQL = """
SELECT p.source_system || ':' || p.person_ref AS mention_id, p.source_system, p.person_ref, a.person_id,
       p.forenames, p.surname, p.date_of_birth, p.sex, p.postcode, p._load_id AS load_id
FROM persons p JOIN assigned a ON a.mention_id = p.source_system || ':' || p.person_ref
ORDER BY mention_id
"""


@dataclass
class LinkResult:
    mentions: pa.Table  # mention_id, source_system, person_ref, person_id, identity fields, load_id
    pairs: pa.Table  # mention_l, mention_r, person_id, match_probability, match_weight, field_weights
    comparisons: list[dict[str, Any]]
    model_version: str
    trained: bool
    persons: int
    threshold: ThresholdChoice
    notes: list[str]
    changes: list[dict[str, str]] = field(default_factory=list)
    skipped_decisions: list[Decision] = field(default_factory=list)


def link_force(
    lake_con: Any,
    model_dir: Path,
    previous: list[tuple[str, str, str]],
    decisions: list[Decision],
    threshold: float | None,
    max_comparisons: int,
    retrain: bool = False,
    report: Callable[[list[dict[str, Any]]], None] | None = None,
    memory_limit: str = "4GB",
) -> LinkResult:
    """Resolve the lake's person mentions. ``previous``: (system, ref, person id) of the last snapshot.

    ``threshold``: None chooses it from the model's evidence (linkage/threshold.py).
    """
    lake_con.execute(f"CREATE OR REPLACE TEMP VIEW person_records AS {PERSON_RECORDS_SQL}")
    features = build_features(lake_con)
    resolution = resolve_features(
        features,
        threshold,
        max_comparisons,
        model_dir=model_dir,
        retrain=retrain,
        report=report,
        memory_limit=memory_limit,
        # A Spark connection (lake/spark.py) links on Splink's Spark backend, in the same session.
        spark=getattr(lake_con, "spark", None),
    )
    clusters, skipped = apply_decisions(resolution.clusters, decisions)
    assignment, changes = assign_stable_ids(sorted(clusters.items()), {f"{s}:{r}": p for s, r, p in previous})
    lake_con.register("assigned", pa.table({"mention_id": list(assignment), "person_id": list(assignment.values())}))
    mentions = lake_con.sql(MENTIONS_SQL).to_arrow_table()
    pairs = resolution.pairs
    if pairs.num_rows:
        lake_con.register("scored", pairs)
        pairs = lake_con.sql(
            """SELECT s.unique_id_l AS mention_l, s.unique_id_r AS mention_r,
                      CASE WHEN al.person_id = ar.person_id THEN al.person_id END AS person_id,
                      s.match_probability, s.match_weight, s.field_weights
               FROM scored s JOIN assigned al ON al.mention_id = s.unique_id_l
               JOIN assigned ar ON ar.mention_id = s.unique_id_r
               ORDER BY mention_l, mention_r"""
        ).to_arrow_table()
        lake_con.unregister("scored")
    else:
        pairs = pa.table(
            {"mention_l": pa.array([], pa.string()), "mention_r": pa.array([], pa.string()),
             "person_id": pa.array([], pa.string()), "match_probability": pa.array([], pa.float64()),
             "match_weight": pa.array([], pa.float64()), "field_weights": pa.array([], pa.string())}
        )  # fmt: skip
    lake_con.unregister("assigned")
    persons = len(set(assignment.values()))
    log.info("linkage: %d mentions -> %d persons (model %s)", mentions.num_rows, persons, resolution.model_version)
    return LinkResult(
        mentions, pairs, resolution.comparisons, resolution.model_version, resolution.trained, persons,
        resolution.threshold, resolution.notes, changes, skipped,
    )  # fmt: skip
