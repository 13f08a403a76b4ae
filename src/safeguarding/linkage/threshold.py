"""The join threshold chosen from the model's own evidence: the one that maximises expected F1.

Under the model, a scored pair with match probability p is a true match with probability p. For
each threshold tried, the records are clustered as linkage clusters them; the pairs put together
hold, in expectation, TP = the sum of their p true matches (0 for a pair never scored), and all
scored pairs hold M = the sum of every p. Expected precision is TP / (pairs put together), recall
TP / M, F1 2·TP / (pairs put together + M). It needs no labelled data, so it works on a force's
first extract and on any outside file; how far the expectation is from the truth on labelled data
is measured in docs/linkage.md ("How the threshold is chosen").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from safeguarding.linkage.clustering import guarded_clusters

# The thresholds tried: each costs one clustering of the data.
GRID = (0.5, 0.7, 0.8, 0.9, 0.95, 0.99)
# The scores kept for the choice: pairs below this add almost nothing to the expected matches.
SCORE_FLOOR = 0.001
# Thresholds whose expected F1 is within this of the best are treated as equal, and the highest of them
# is taken: on labelled data the expectation misses the true F1 by more than this (docs/linkage.md,
# "How the threshold is chosen"), and a wrong join costs a child more than a missed one.
TOLERANCE = 0.01
# The threshold is never set below this: under it a join is more likely wrong than right for any
# single pair, and a wrong join can put one child's history on another's record.
LOWEST = 0.5


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: float
    expected_precision: float
    expected_recall: float
    expected_f1: float
    source: str  # "expected F1" or "set by the analyst"
    # (threshold, expected precision, expected recall, expected F1) for each threshold tried
    curve: tuple[tuple[float, float, float, float], ...] = ()

    def describe(self) -> str:
        how = "maximises expected F1" if self.source == "expected F1" else self.source
        return (
            f"threshold {self.threshold:.4g} ({how}): expected precision {self.expected_precision:.3f}, "
            f"recall {self.expected_recall:.3f}, F1 {self.expected_f1:.3f}"
        )


def choose_clustered(
    ids: Sequence[str],
    dated: set[str] | None,
    left: Sequence[str],
    right: Sequence[str],
    probability: Sequence[float],
    grid: Sequence[float] = GRID,
    unblocked: tuple[Sequence[str], Sequence[str], Sequence[float] | np.ndarray] | None = None,
) -> ThresholdChoice:
    """The threshold of ``grid`` whose clusters have the highest expected F1 under the model (the
    highest of those within TOLERANCE of it).

    ``left``, ``right``, ``probability``: every scored pair at or above SCORE_FLOOR. The clusters a
    threshold makes (guarded, as linkage makes them) put pairs together that were never scored
    above it; each counts as a predicted pair whose chance of being a match is its own probability
    (or 0 if it was not scored), so a threshold that chains people together pays for it.
    ``unblocked``: pairs blocking never proposed, scored only to price the clusters (they make none).
    """
    p = np.asarray(probability, dtype=float)
    left_all, right_all, p_all = list(left), list(right), p
    if unblocked is not None and len(unblocked[0]):
        left_all += list(unblocked[0])
        right_all += list(unblocked[1])
        p_all = np.concatenate([p, np.asarray(unblocked[2], dtype=float)])
    matches = float(p_all.sum())
    if matches <= 0 or not len(grid):
        return ThresholdChoice(max(grid, default=0.9), 1.0, 1.0, 1.0, "expected F1")
    curve: list[tuple[float, float, float, float]] = []
    # Records as integers once, so each threshold's "same cluster?" is one vectorised comparison.
    index = {record: n for n, record in enumerate(ids)}
    lefts = np.fromiter((index[a] for a in left_all), np.int64, len(left_all))
    rights = np.fromiter((index[b] for b in right_all), np.int64, len(right_all))
    for t in sorted(grid):
        edges = [(left[n], right[n], float(p[n])) for n in np.nonzero(p >= t)[0].tolist()]
        clusters = guarded_clusters(ids, edges, dated)
        sizes = Counter(clusters.values())
        predicted = sum(n * (n - 1) // 2 for n in sizes.values())
        label = np.fromiter((index[clusters[record]] for record in ids), np.int64, len(ids))
        together = label[lefts] == label[rights]
        tp = float(p_all[together].sum())
        precision = tp / predicted if predicted else 1.0
        f1 = 2 * tp / (predicted + matches)
        curve.append((t, precision, tp / matches, f1))
    top = max(c[3] for c in curve)
    best = max((c for c in curve if c[3] >= top - TOLERANCE), key=lambda c: c[0])
    return ThresholdChoice(best[0], best[1], best[2], best[3], "expected F1", tuple(curve))


def at_clustered(
    ids: Sequence[str],
    dated: set[str] | None,
    left: Sequence[str],
    right: Sequence[str],
    probability: Sequence[float],
    threshold: float,
    unblocked: tuple[Sequence[str], Sequence[str], Sequence[float] | np.ndarray] | None = None,
) -> ThresholdChoice:
    """The expected precision and recall of a threshold someone set."""
    choice = choose_clustered(ids, dated, left, right, probability, [threshold], unblocked)
    return ThresholdChoice(threshold, choice.expected_precision, choice.expected_recall, choice.expected_f1,
                           "set by the analyst")  # fmt: skip
