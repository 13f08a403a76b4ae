"""Clustering scored pairs into persons, guarded against records that cannot tell people apart.

Plain connected components let one thin record join everyone it resembles: a "Kayleigh Evans" with
no date of birth scores as a match with every Kayleigh Evans, and so chains several different women
into one person. Here pairs where both records carry a date of birth are clustered first; a record
without one (or a group of such records linked to each other) then joins a person only when every
dated person it matches is the same one, or when the evidence for one of them is far stronger than
for any other (odds at least ``MARGIN`` times higher: a phone or postcode that only one namesake
shares). Otherwise it is left apart, for an analyst to place. Dates of birth are the field this
guards on because they are what separate namesakes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

# A record without a date of birth that matches several dated persons joins the likeliest only when
# its odds are this many times the next one's (measured: docs/linkage.md, "Records without a date of birth").
MARGIN = 16.0


def _odds(p: float) -> float:
    return p / (1 - p) if p < 1 else float("inf")


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


def guarded_clusters(
    ids: Sequence[str],
    edges: Iterable[tuple[str, str] | tuple[str, str, float]],
    dated: set[str] | None,
    margin: float = MARGIN,
) -> dict[str, str]:
    """Map each id to its cluster key (the smallest id in it).

    ``edges``: pairs at or above the link threshold, optionally with their match probability (without
    it, a record that matches several dated persons stays apart). ``dated``: ids that have a date of
    birth, or None when the data has no dates of birth at all (then this is plain connected components).
    """
    uf = _UnionFind(ids)
    if dated is None:
        for edge in edges:
            uf.union(edge[0], edge[1])
        return {i: uf.find(i) for i in ids}
    thin: list[tuple[str, str, float | None]] = []
    for edge in edges:
        a, b = edge[0], edge[1]
        if a in dated and b in dated:
            uf.union(a, b)
        else:
            thin.append((a, b, edge[2] if len(edge) > 2 else None))
    # Records without a date of birth, grouped with each other...
    undated = _UnionFind(i for i in ids if i not in dated)
    for a, b, _ in thin:
        if a not in dated and b not in dated:
            undated.union(a, b)
    # ...join the one dated person they all point at (or the one the evidence clearly favours), and no other.
    targets: dict[str, dict[str, float | None]] = defaultdict(dict)
    for a, b, p in thin:
        if (a in dated) != (b in dated):
            thin_end, dated_end = (b, a) if a in dated else (a, b)
            person = uf.find(dated_end)
            seen = targets[undated.find(thin_end)]
            if person not in seen or (p is not None and (seen[person] or 0) < p):
                seen[person] = p
    choice: dict[str, str] = {}
    for group, people in targets.items():
        if len(people) == 1:
            choice[group] = next(iter(people))
        elif all(p is not None for p in people.values()):
            ranked = sorted(people.items(), key=lambda kv: (-float(kv[1] or 0), kv[0]))
            if _odds(float(ranked[0][1] or 0)) >= margin * _odds(float(ranked[1][1] or 0)):
                choice[group] = ranked[0][0]
    for member in undated.parent:
        group = undated.find(member)
        if group in choice:
            uf.union(member, choice[group])
        elif group != member:
            uf.union(member, group)  # undated records linked only to each other stay together
    return {i: uf.find(i) for i in ids}
