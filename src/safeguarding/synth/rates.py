"""The configured base rates of the synthetic force (``data/rates.yaml``), as typed settings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

SCALES = ("tiny", "county", "large")


@dataclass(frozen=True)
class Rates:
    """Volumes per year for one scale, the missing-cohort patterns and the service-level misses."""

    scale: str
    population: int
    incidents: int
    attended_share: float
    crimes: int
    missing_children: int
    missing_adults: int
    adult_episodes_per_person: float
    custody_detentions: int
    custody_child_share: float
    ppns: int
    intelligence_logs: int
    online_referrals: int
    offenders_at_start: int
    offenders_new: int
    scenarios: dict[str, int]
    missing_patterns: dict[str, float]
    repeat_extra_episodes_mean: float
    service: dict[str, float]

    def scenario_count(self, kind: str, years: int) -> int:
        """How many scenarios of a kind to plant: per year, except tiny which plants a fixed set."""
        per = self.scenarios.get(kind, 0)
        return per if self.scale == "tiny" else per * years


@cache
def _raw() -> dict[str, Any]:
    text = resources.files("safeguarding.synth.data").joinpath("rates.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def rates(scale: str) -> Rates:
    """The rates for ``scale``; ValueError for an unknown scale."""
    raw = _raw()
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r} (choose from {', '.join(SCALES)})")
    s = raw[scale]
    return Rates(
        scale=scale,
        population=int(s["population"]),
        incidents=int(s["incidents"]),
        attended_share=float(s["attended_share"]),
        crimes=int(s["crimes"]),
        missing_children=int(s["missing_children"]),
        missing_adults=int(s["missing_adults"]),
        adult_episodes_per_person=float(s["adult_episodes_per_person"]),
        custody_detentions=int(s["custody_detentions"]),
        custody_child_share=float(s["custody_child_share"]),
        ppns=int(s["ppns"]),
        intelligence_logs=int(s["intelligence_logs"]),
        online_referrals=int(s["online_referrals"]),
        offenders_at_start=int(s["offenders_at_start"]),
        offenders_new=int(s["offenders_new"]),
        scenarios={str(k): int(v) for k, v in s["scenarios"].items()},
        missing_patterns={str(k): float(v) for k, v in raw["missing_patterns"].items()},
        repeat_extra_episodes_mean=float(raw["repeat_extra_episodes_mean"]),
        service={str(k): float(v) for k, v in raw["service"].items()},
    )


def monthly_counts(per_year: int, n_months: int, first_month: int) -> list[int]:
    """Split a yearly volume over months with a mild seasonal swing, summing exactly to the total.

    Demand peaks in summer (more incidents and missing reports in long evenings and holidays); the
    swing is small (±10%) and deterministic, so volumes are exactly the configured rate per year.
    """
    swing = [0.92, 0.90, 0.95, 0.98, 1.03, 1.07, 1.10, 1.10, 1.02, 1.00, 0.96, 0.97]
    weights = [swing[(first_month - 1 + i) % 12] for i in range(n_months)]
    total = per_year * n_months / 12
    scale = total / sum(weights)
    out: list[int] = []
    carried = 0.0
    for w in weights:
        carried += w * scale
        out.append(round(carried) - sum(out))
    return out
