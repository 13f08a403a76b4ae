"""Scoring person resolution against a truth file: pairwise precision, recall and F1."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PairScores:
    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(groups: Iterable[list[str]]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for members in groups:
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            for b in ordered[i + 1 :]:
                out.add((a, b))
    return out


def pairwise_scores(predicted: dict[str, str], truth: dict[str, str]) -> PairScores:
    """``predicted`` and ``truth`` map mention id -> person id; only mentions in both count."""
    shared = predicted.keys() & truth.keys()
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for m in shared:
        by_pred[predicted[m]].append(m)
        by_true[truth[m]].append(m)
    p, t = _pairs(by_pred.values()), _pairs(by_true.values())
    correct = len(p & t)
    precision = correct / len(p) if p else 1.0
    recall = correct / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairScores(precision, recall, f1, len(t), len(p), correct)
