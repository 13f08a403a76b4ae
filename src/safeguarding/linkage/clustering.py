"""Clustering scored pairs into persons, guarded against records that cannot tell people apart.

Plain connected components let one thin record join everyone it resembles: a "Kayleigh Evans" with
no date of birth scores as a match with every Kayleigh Evans, and so chains several different women
into one person. Here pairs where both records carry a date of birth are clustered first; a record
without one (or a group of such records linked to each other) then joins a person only when every
dated person it matches is the same one. Where it matches several, it is left apart, for an analyst
to place. Dates of birth are the field this guards on because they are what separate namesakes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {i: i for i in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # The smaller id becomes the root, so cluster keys do not depend on edge order.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def guarded_clusters(ids: Sequence[str], edges: Iterable[tuple[str, str]], dated: set[str] | None) -> dict[str, str]:
    """Map each id to its cluster key (the smallest id in it).

    ``edges``: pairs at or above the link threshold. ``dated``: ids that have a date of birth, or
    None when the data has no dates of birth at all (then this is plain connected components).
    """
    uf = _UnionFind(ids)
    if dated is None:
        for a, b in edges:
            uf.union(a, b)
        return {i: uf.find(i) for i in ids}
    thin: list[tuple[str, str]] = []
    for a, b in edges:
        if a in dated and b in dated:
            uf.union(a, b)
        else:
            thin.append((a, b))
    # Records without a date of birth, grouped with each other...
    undated = _UnionFind(i for i in ids if i not in dated)
    for a, b in thin:
        if a not in dated and b not in dated:
            undated.union(a, b)
    # ...join the one dated person they all point at, and no other.
    targets: dict[str, set[str]] = defaultdict(set)
    for a, b in thin:
        if (a in dated) != (b in dated):
            thin_end, dated_end = (b, a) if a in dated else (a, b)
            targets[undated.find(thin_end)].add(uf.find(dated_end))
    for member in undated.parent:
        group = undated.find(member)
        people = targets.get(group, set())
        if len(people) == 1:
            uf.union(member, next(iter(people)))
        elif group != member:
            uf.union(member, group)  # undated records linked only to each other stay together
    return {i: uf.find(i) for i in ids}
