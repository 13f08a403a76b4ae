"""Getis-Ord Gi* on a grid of counts: which cells hold more events than their neighbourhood should.

Gi*_i = (sum_j w_ij x_j - mean(x) sum_j w_ij) / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1)))
with binary weights w_ij = 1 for the cell itself and its neighbours in the study area (Getis and Ord
1992; Ord and Getis 1995). The study area is every cell holding at least one place in the records, so
cells with places but no events count as zeros.

The Prediction Accuracy Index (Chainey, Tompson and Uhlig 2008) says how well hotspots found from past events
predict where later events happen: PAI = (n / N) / (a / A), the share of later events that fall in the
hotspot cells (hit rate) over the share of the study area the hotspots cover. Cells of one H3 resolution are
near-equal in area, so a / A is counted in cells. PAI 1 is no better than chance; higher is better.
"""

from __future__ import annotations

import math
from collections.abc import Callable


def gi_star(counts: dict[str, float], area: set[str], neighbours: Callable[[str], list[str]]) -> dict[str, float]:
    """Gi* z-score of every cell in ``area`` (cells missing from ``counts`` count zero)."""
    cells = sorted(area | set(counts))
    n = len(cells)
    if n < 3:
        return dict.fromkeys(cells, 0.0)
    x = {c: float(counts.get(c, 0.0)) for c in cells}
    mean = sum(x.values()) / n
    s = math.sqrt(max(sum(v * v for v in x.values()) / n - mean * mean, 0.0))
    out: dict[str, float] = {}
    for c in cells:
        near = [m for m in neighbours(c) if m in x]
        w = len(near)
        denom = s * math.sqrt(max((n * w - w * w) / (n - 1), 0.0))
        out[c] = 0.0 if denom == 0 else (sum(x[m] for m in near) - mean * w) / denom
    return out


def pai(hotspots: set[str], later: dict[str, float], area: set[str]) -> dict[str, float | int | None]:
    """PAI of ``hotspots`` for the ``later`` events per cell, over the study ``area`` (cells)."""
    cells = area | set(later)
    hot = hotspots & cells
    total = sum(later.values())
    hits = sum(v for c, v in later.items() if c in hot)
    hit_rate = hits / total if total else None
    area_share = len(hot) / len(cells) if cells else None
    index = hit_rate / area_share if hit_rate is not None and area_share else None
    return {
        "hotspot_cells": len(hot),
        "area_cells": len(cells),
        "later_events": int(total),
        "later_events_in_hotspots": int(hits),
        "hit_rate": None if hit_rate is None else round(hit_rate, 4),
        "area_share": None if area_share is None else round(area_share, 4),
        "pai": None if index is None else round(index, 2),
    }
