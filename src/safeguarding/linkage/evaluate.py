"""Scoring person resolution against a truth file: pairwise precision, recall and F1."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


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


@dataclass(frozen=True)
class BCubed:
    precision: float
    recall: float
    f1: float


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> BCubed:
    """B-cubed precision and recall (Bagga & Baldwin): per record, the share of its predicted cluster
    that is truly its own, and the share of its true cluster that was found; averaged over records."""
    shared = sorted(predicted.keys() & truth.keys())
    if not shared:
        return BCubed(1.0, 1.0, 1.0)
    by_pred: dict[str, list[str]] = defaultdict(list)
    by_true: dict[str, list[str]] = defaultdict(list)
    for m in shared:
        by_pred[predicted[m]].append(m)
        by_true[truth[m]].append(m)
    # Per (predicted, true) cell counts give each record's overlap without pairwise work.
    cell: dict[tuple[str, str], int] = defaultdict(int)
    for m in shared:
        cell[(predicted[m], truth[m])] += 1
    precision = recall = 0.0
    for m in shared:
        overlap = cell[(predicted[m], truth[m])]
        precision += overlap / len(by_pred[predicted[m]])
        recall += overlap / len(by_true[truth[m]])
    p, r = precision / len(shared), recall / len(shared)
    return BCubed(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def read_truth(path: Path) -> dict[str, str]:
    """A truth file: ``record_id,true_id``; or the synthetic force's person_truth.csv
    (``source_system,person_ref,true_person_id``, record ids made as ``system:ref``)."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = set(reader.fieldnames or [])
        if {"record_id", "true_id"} <= columns:
            return {row["record_id"]: row["true_id"] for row in reader}
        if {"source_system", "person_ref", "true_person_id"} <= columns:
            return {f"{row['source_system']}:{row['person_ref']}": row["true_person_id"] for row in reader}
    raise ValueError(f"{path}: expected columns record_id,true_id (or source_system,person_ref,true_person_id)")
