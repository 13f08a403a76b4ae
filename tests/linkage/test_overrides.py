from __future__ import annotations

from safeguarding.linkage.overrides import Decision, apply_decisions

CLUSTERS = {"a": "A", "b": "A", "c": "A", "d": "D", "e": "E"}


def test_merge_joins_the_two_persons() -> None:
    after, skipped = apply_decisions(CLUSTERS, [Decision("merge", "a", "d")])
    assert after["a"] == after["d"] == after["b"] and skipped == []


def test_split_takes_a_mention_out_and_a_later_merge_can_join_it_elsewhere() -> None:
    after, _ = apply_decisions(CLUSTERS, [Decision("split", "c")])
    assert after["c"] not in (after["a"], after["d"]) and after["a"] == after["b"]
    after, _ = apply_decisions(CLUSTERS, [Decision("split", "c"), Decision("merge", "c", "e")])
    assert after["c"] == after["e"] != after["a"]


def test_decisions_naming_unknown_mentions_are_skipped_and_reported() -> None:
    gone = Decision("merge", "a", "zz")
    after, skipped = apply_decisions(CLUSTERS, [gone])
    assert skipped == [gone] and after == CLUSTERS
