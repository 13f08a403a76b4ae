"""Re-applying analysts' merge and split decisions to a clustering, oldest decision first.

A merge joins the persons holding its two mentions; a split takes its mention out of its person
to stand alone (a later merge can join it to someone else). Decisions name mentions, so they keep
their meaning however the clusters are numbered; a decision naming a mention no longer in the lake
(erased, say) is skipped and reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    kind: str  # "merge" | "split"
    mention: str
    other_mention: str | None = None


def apply_decisions(clusters: dict[str, str], decisions: Iterable[Decision]) -> tuple[dict[str, str], list[Decision]]:
    """Return (mention -> cluster key after the decisions, decisions skipped)."""
    members: dict[str, set[str]] = {}
    where: dict[str, str] = {}
    for mention, key in clusters.items():
        members.setdefault(key, set()).add(mention)
        where[mention] = key
    skipped: list[Decision] = []
    for n, d in enumerate(decisions):
        if d.mention not in where or (d.kind == "merge" and d.other_mention not in where):
            skipped.append(d)
            continue
        if d.kind == "split":
            old = where[d.mention]
            if len(members[old]) > 1:
                members[old].discard(d.mention)
                new = f"split#{n}#{d.mention}"
                members[new] = {d.mention}
                where[d.mention] = new
        elif d.kind == "merge" and d.other_mention is not None:
            a, b = where[d.mention], where[d.other_mention]
            if a != b:
                for m in members.pop(b):
                    where[m] = a
                    members[a].add(m)
    return dict(where), skipped
