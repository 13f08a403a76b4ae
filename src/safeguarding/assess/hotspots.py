"""Getis-Ord Gi* on a grid of counts: which cells hold more events than their neighbourhood should.

Gi*_i = (sum_j w_ij x_j - mean(x) sum_j w_ij) / (S sqrt((n sum_j w_ij^2 - (sum_j w_ij)^2) / (n - 1)))
with binary weights w_ij = 1 for the cell itself and its neighbours in the study area (Getis and Ord
1992; Ord and Getis 1995). The study area is every cell holding at least one place in the records, so
cells with places but no events count as zeros.
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
