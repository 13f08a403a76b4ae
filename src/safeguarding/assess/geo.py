"""Geography for places: H3 cells (the `h3` package) and the Dorset LSOAs (shipped boundaries, `shapely`).

DuckDB's spatial and h3 extensions cannot be installed here (shared/RECIPES.md), so points are indexed
in Python; the inputs are a few thousand places, not every record.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import h3
import shapely
from shapely.strtree import STRtree

LSOA_FILE = "dorset_lsoa2011_bsc.geojson"


@cache
def _lsoas() -> tuple[STRtree, tuple[str, ...], tuple[str, ...]]:
    text = resources.files("safeguarding.assess.data").joinpath(LSOA_FILE).read_text(encoding="utf-8")
    features = json.loads(text)["features"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    codes = tuple(str(f["properties"]["LSOA11CD"]) for f in features)
    names = tuple(str(f["properties"]["LSOA11NM"]) for f in features)
    return STRtree(shapes), codes, names


def lsoa_names() -> dict[str, str]:
    """LSOA code -> name, for every LSOA of the Dorset Police area."""
    _, codes, names = _lsoas()
    return dict(zip(codes, names, strict=True))


def lsoa_of(points: list[tuple[float, float]]) -> list[str | None]:
    """The LSOA code containing each (latitude, longitude), or None outside the force area."""
    tree, codes, _ = _lsoas()
    found: list[str | None] = [None] * len(points)
    if not points:
        return found
    geoms = shapely.points([(lon, lat) for lat, lon in points])
    point_idx, poly_idx = tree.query(geoms, predicate="within")
    for p, g in zip(point_idx.tolist(), poly_idx.tolist(), strict=True):
        found[p] = found[p] or codes[g]
    return found


def h3_cell(lat: float, lon: float, resolution: int) -> str:
    return str(h3.latlng_to_cell(lat, lon, resolution))


def cell_centre(cell: str) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(cell)
    return float(lat), float(lon)


def neighbours(cell: str) -> list[str]:
    """The cell and the six around it (Gi* includes the cell itself)."""
    return [str(c) for c in h3.grid_disk(cell, 1)]
