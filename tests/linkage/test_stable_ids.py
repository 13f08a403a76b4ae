from __future__ import annotations

from safeguarding.linkage.stable_ids import assign_stable_ids


def test_first_run_ids_are_deterministic() -> None:
    clusters = [("a", 1), ("b", 1), ("c", 2)]
    first, _ = assign_stable_ids(clusters, {})
    second, _ = assign_stable_ids(list(reversed(clusters)), {})
    assert first == second
    assert first["a"] == first["b"] != first["c"]


def test_cluster_keeps_the_id_it_overlaps_most() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P2"}
    now, changes = assign_stable_ids([("a", 9), ("b", 9), ("c", 9), ("d", 9)], previous)
    assert set(now.values()) == {"P1"}
    assert changes == [{"kind": "merge", "from": "P1,P2", "into": "P1"}]


def test_split_keeps_the_old_id_on_the_larger_part_and_records_it() -> None:
    previous = {"a": "P1", "b": "P1", "c": "P1"}
    now, changes = assign_stable_ids([("a", 1), ("b", 1), ("c", 2)], previous)
    assert now["a"] == now["b"] == "P1"
    assert now["c"] not in ("P1",)
    assert changes[0]["kind"] == "split" and changes[0]["from"] == "P1"


def test_new_ids_never_collide_with_old_ones() -> None:
    previous = {"a": "P1"}
    now, _ = assign_stable_ids([("a", 1), ("z", 2)], previous)
    assert now["z"] != "P1"
