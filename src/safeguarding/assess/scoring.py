"""Scores: a child's risk per category as a transparent, time-decayed sum of weighted indicators.

score(t) = sum over the child's indicators i in the category with fired_at <= t of
           weight_i * 0.5 ** (days(t - fired_at_i) / half_life_days).
No model is fitted: every score is the list of its indicators, each with the records that prove it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import duckdb
import yaml


@dataclass(frozen=True)
class ScoringConfig:
    version: int
    half_life_days: float
    thresholds: dict[str, float]
    groups: dict[str, Any]
    places: dict[str, Any]


def load_scoring() -> ScoringConfig:
    """The shipped scoring and alerting numbers (assess/rules/_scoring.yaml)."""
    text = resources.files("safeguarding.assess.rules").joinpath("_scoring.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return ScoringConfig(
        version=int(data["version"]),
        half_life_days=float(data["half_life_days"]),
        thresholds={str(k): float(v) for k, v in data["thresholds"].items()},
        groups=dict(data["groups"]),
        places=dict(data["places"]),
    )


def _decay(half_life: float, later: str, earlier: str) -> str:
    return f"power(0.5, (epoch({later}) - epoch({earlier})) / 86400.0 / {half_life})"


def compute_scores(con: duckdb.DuckDBPyConnection, config: ScoringConfig, as_of: datetime) -> None:
    """Fill ``scores`` (each child and category, as of ``as_of``) and ``score_history`` (the score just after
    each indicator fired) from the ``indicators`` table."""
    con.execute(
        "CREATE OR REPLACE TABLE score_threshold AS SELECT * FROM (VALUES "
        + ", ".join(f"('{c}', {t})" for c, t in config.thresholds.items())
        + ") t(category, threshold)"
    )
    hl = config.half_life_days
    ts = f"TIMESTAMPTZ '{as_of.isoformat()}'"
    con.execute(
        f"""CREATE OR REPLACE TABLE scores AS
            SELECT i.person_id, i.category,
                   round(sum(i.weight * {_decay(hl, ts, "i.fired_at")}), 2) AS score,
                   t.threshold, count(*) AS indicator_count, min(i.fired_at) AS first_fired_at,
                   max(i.fired_at) AS last_fired_at, CAST({ts} AS TIMESTAMPTZ) AS as_of
            FROM indicators i JOIN score_threshold t USING (category)
            WHERE i.counts_as_risk AND i.fired_at <= {ts}
            GROUP BY i.person_id, i.category, t.threshold
            ORDER BY i.person_id, i.category"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE score_history AS
            WITH occ AS (SELECT DISTINCT person_id, category, fired_at AS event_at FROM indicators WHERE counts_as_risk)
            SELECT o.person_id, o.category, o.event_at,
                   round(sum(i.weight * {_decay(hl, "o.event_at", "i.fired_at")}), 2) AS score
            FROM occ o JOIN indicators i ON i.person_id = o.person_id AND i.category = o.category
             AND i.counts_as_risk AND i.fired_at <= o.event_at
            GROUP BY o.person_id, o.category, o.event_at
            ORDER BY o.person_id, o.category, o.event_at"""
    )
