"""Stable person ids: a new cluster keeps the id of the earlier person it overlaps most.

Ties break on the earlier id, so the answer never depends on dict order. A cluster that overlaps no
earlier person gets an id derived from its smallest mention id, so a rebuild from scratch on the
same data gives the same ids. Splits (one earlier person now in several clusters) and merges
(several earlier persons now in one cluster) are returned so they can be recorded.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable


def _fresh_id(seed: str, taken: set[str]) -> str:
    n = 0
    while True:
        digest = hashlib.sha1(f"{seed}#{n}".encode(), usedforsecurity=False).hexdigest()[:10].upper()
        candidate = f"P{digest}"
        if candidate not in taken:
            return candidate
        n += 1


def assign_stable_ids(
    clusters: Iterable[tuple[str, Hashable]], previous: dict[str, str]
) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Map each mention to a person id. ``clusters``: (mention_id, cluster key); ``previous``:
    mention_id -> person id from the last run. Returns (mention -> person id, changes)."""
    members: dict[Hashable, list[str]] = defaultdict(list)
    for mention_id, cluster in clusters:
        members[cluster].append(mention_id)
    overlaps: list[tuple[int, str, str, Hashable]] = []
    for cluster, mentions in members.items():
        counts = Counter(previous[m] for m in mentions if m in previous)
        for old_id, n in counts.items():
            overlaps.append((-n, old_id, min(mentions), cluster))
    overlaps.sort(key=lambda t: (t[0], t[1], t[2]))
    chosen: dict[Hashable, str] = {}
    used: set[str] = set()
    for _, old_id, _, cluster in overlaps:
        if cluster in chosen or old_id in used:
            continue
        chosen[cluster] = old_id
        used.add(old_id)
    taken = used | set(previous.values())
    for cluster in sorted(members, key=lambda c: min(members[c])):
        if cluster not in chosen:
            new_id = _fresh_id(min(members[cluster]), taken)
            chosen[cluster] = new_id
            taken.add(new_id)
    assignment = {m: chosen[c] for c, ms in members.items() for m in ms}
    changes: list[dict[str, str]] = []
    old_to_new: dict[str, set[str]] = defaultdict(set)
    new_to_old: dict[str, set[str]] = defaultdict(set)
    for m, new_id in assignment.items():
        if m in previous:
            old_to_new[previous[m]].add(new_id)
            new_to_old[new_id].add(previous[m])
    for old_id, news in sorted(old_to_new.items()):
        if len(news) > 1:
            changes.append({"kind": "split", "from": old_id, "into": ",".join(sorted(news))})
    for new_id, olds in sorted(new_to_old.items()):
        if len(olds) > 1:
            changes.append({"kind": "merge", "from": ",".join(sorted(olds)), "into": new_id})
    return assignment, changes
