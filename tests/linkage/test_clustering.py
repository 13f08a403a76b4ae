"""Guarded clustering: a record without a date of birth joins one person only on evidence that picks them out."""

from __future__ import annotations

from safeguarding.linkage.clustering import MARGIN, guarded_clusters

# d1 and d2 are two dated namesakes; u has no date of birth and matches both.
IDS = ["d1", "d2", "u"]
DATED = {"d1", "d2"}


def test_an_undated_record_matching_two_namesakes_equally_stays_apart() -> None:
    clusters = guarded_clusters(IDS, [("d1", "u", 0.97), ("d2", "u", 0.96)], DATED)
    assert len(set(clusters.values())) == 3


def test_it_joins_the_namesake_the_evidence_clearly_favours() -> None:
    # A shared phone or postcode with d2 alone: odds far more than MARGIN times d1's.
    clusters = guarded_clusters(IDS, [("d1", "u", 0.6), ("d2", "u", 0.9999)], DATED)
    assert clusters["u"] == clusters["d2"] != clusters["d1"]
    odds = (0.9999 / 0.0001) / (0.6 / 0.4)
    assert odds > MARGIN


def test_without_probabilities_the_old_guard_holds() -> None:
    clusters = guarded_clusters(IDS, [("d1", "u"), ("d2", "u")], DATED)
    assert len(set(clusters.values())) == 3
    assert guarded_clusters(IDS, [("d2", "u")], DATED)["u"] == "d2"
