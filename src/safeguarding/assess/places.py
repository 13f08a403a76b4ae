"""Places: child-related risk events by place, H3 cell and LSOA; hotspots; places of concern and their alerts.

Events (``place_events``): a child found at a place; a child missing from a children's or foster home; a
domestic-abuse incident where a child was present; and any record proving a child's risk indicator that
names a place, except custody records (their place is the custody suite, where the child was taken, not
where the harm happened). A place becomes one of concern (with a ``place:<reason>`` alert) when:
    repeat_missing_from   children went missing from it: `concern_children` different children in the window
    found_location        `concern_children` different children were found there on two or more days
    exploitation          intelligence, or a drugs, exploitation or sexual-offence incident, names the place
                          and a child was found there or appears on such a record
    repeat_domestic_abuse three domestic-abuse incidents with a child present within a year

``out_of_time_pai`` measures the hotspots: Gi* hotspots found from the events before a cut, scored by the
Prediction Accuracy Index on the events after it (``assess evaluate`` reports it as ``places.pai``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from safeguarding.assess import geo
from safeguarding.assess.hotspots import gi_star, pai
from safeguarding.assess.scoring import ScoringConfig

EVENTS = """
CREATE OR REPLACE TABLE place_events AS
WITH ev AS (
    SELECT found_location_ref AS location_ref, 'missing_episodes' AS record_type, episode_ref AS record_ref,
           person_id, reported_at AS event_at, 'found' AS kind
    FROM missing_episodes_resolved WHERE coalesce(is_child, true) AND found_location_ref IS NOT NULL
    UNION ALL
    SELECT missing_from_ref, 'missing_episodes', episode_ref, person_id, reported_at, 'missing_from'
    FROM missing_episodes_resolved
    WHERE coalesce(is_child, true) AND missing_from_type IN ('childrens_home', 'foster_home')
      AND missing_from_ref IS NOT NULL
    UNION ALL
    SELECT i.location_ref, 'incidents', i.incident_ref, rp.person_id, i.occurred_at, 'domestic_abuse'
    FROM incidents_asof i LEFT JOIN record_people rp
      ON rp.record_type = 'incidents' AND rp.record_ref = i.incident_ref AND rp.is_child
    WHERE i.category = 'domestic_abuse' AND i.child_present AND i.location_ref IS NOT NULL
    UNION ALL
    SELECT p.location_ref, p.record_type, p.record_ref, rp.person_id, p.event_at, 'exploitation'
    FROM record_places p JOIN record_people rp USING (record_type, record_ref)
    LEFT JOIN incidents_asof i ON p.record_type = 'incidents' AND i.incident_ref = p.record_ref
    WHERE rp.is_child AND (p.record_type = 'intelligence_logs'
                           OR i.category IN ('drugs', 'exploitation', 'sexual_offence'))
    UNION ALL
    SELECT p.location_ref, p.record_type, p.record_ref, i.person_id, p.event_at, 'indicator'
    FROM indicators i JOIN indicator_evidence e USING (indicator_id)
    JOIN record_places p ON p.record_type = e.record_type AND p.record_ref = e.record_ref
    WHERE i.counts_as_risk AND p.record_type <> 'custody_detentions'
)
SELECT DISTINCT * FROM ev WHERE event_at <= {moment} ORDER BY location_ref, event_at, record_ref
"""

LOCATIONS = """
SELECT location_ref, any_value(place_name) AS place_name, any_value(place_type) AS place_type,
       any_value(postcode) AS postcode, avg(latitude) AS latitude, avg(longitude) AS longitude
FROM locations WHERE latitude IS NOT NULL GROUP BY location_ref
"""


@dataclass
class _Place:
    ref: str
    events: list[tuple[datetime, str, str, str | None, str]]  # at, kind, record_type/ref, person, ref


def _first_time(
    events: list[tuple[datetime, str | None, str]], need: int, window: timedelta, days: int = 1
) -> tuple[datetime, list[str]] | None:
    """The first moment ``need`` different people had events within ``window`` on ``days`` different days."""
    for i, (at, _, _) in enumerate(events):
        inside = [e for e in events[: i + 1] if e[0] > at - window and e[1] is not None]
        if len({e[1] for e in inside}) >= need and len({e[0].date() for e in inside}) >= days:
            return at, [e[2] for e in inside]
    return None


def _concerns(
    events: list[tuple[datetime, str, str, str, str | None]], config: ScoringConfig
) -> list[tuple[str, datetime, list[str]]]:
    """(reason, raised_at, evidence 'type|ref') for each reason the place is one of concern."""
    need = int(config.places["concern_children"])
    window = timedelta(days=int(config.places["concern_window_days"]))
    by_kind: dict[str, list[tuple[datetime, str | None, str]]] = defaultdict(list)
    for at, kind, rtype, rref, person in events:
        by_kind[kind].append((at, person, f"{rtype}|{rref}"))
    out: list[tuple[str, datetime, list[str]]] = []
    checks = (
        ("repeat_missing_from", by_kind["missing_from"], need, window, 2),
        ("found_location", by_kind["found"], need, window, 2),
        ("exploitation", by_kind["exploitation"], 1, window, 1),
    )
    for reason, evs, n, win, days in checks:
        hit = _first_time(sorted(evs, key=lambda e: e[0]), n, win, days)
        if hit:
            out.append((reason, hit[0], hit[1]))
    da = sorted({(at, ref) for at, _, ref in by_kind["domestic_abuse"]})
    for i, (at, _) in enumerate(da):
        inside = [r for t, r in da[: i + 1] if t > at - timedelta(days=365)]
        if len(inside) >= 3:
            out.append(("repeat_domestic_abuse", at, inside))
            break
    return out


def build(con: duckdb.DuckDBPyConnection, config: ScoringConfig, moment: datetime) -> None:
    """Fill ``place_events``, ``places``, ``place_trend``, ``h3_cells`` and ``lsoa_areas``; stage place alerts."""
    ts = f"TIMESTAMPTZ '{moment.isoformat()}'"
    con.execute(EVENTS.format(moment=ts))
    locs = {r[0]: r for r in con.execute(LOCATIONS).fetchall()}
    res = int(config.places["h3_resolution"])
    rows = con.execute(
        "SELECT location_ref, event_at, kind, record_type, record_ref, person_id FROM place_events"
    ).fetchall()
    per_place: dict[str, list[tuple[datetime, str, str, str, str | None]]] = defaultdict(list)
    for ref, at, kind, rtype, rref, person in rows:
        per_place[ref].append((at, kind, rtype, rref, person))
    refs = sorted(per_place)
    points = [(locs[r][4], locs[r][5]) if r in locs else (0.0, 0.0) for r in refs]
    lsoas = geo.lsoa_of([p for p in points])
    trend_days = timedelta(days=int(config.places["trend_days"]))
    cols: dict[str, list[object]] = defaultdict(list)
    staged, evidence, trend = [], [], []
    cell_events: dict[str, int] = defaultdict(int)
    cell_children: dict[str, set[str]] = defaultdict(set)
    for ref, (lat, lon), lsoa in zip(refs, points, lsoas, strict=True):
        evs = per_place[ref]
        loc = locs.get(ref)
        cell = geo.h3_cell(lat, lon, res) if loc else None
        children = {e[4] for e in evs if e[4]}
        records = {(e[2], e[3]) for e in evs}
        recent = len({(e[2], e[3]) for e in evs if e[0] > moment - trend_days})
        before = len({(e[2], e[3]) for e in evs if moment - 2 * trend_days < e[0] <= moment - trend_days})
        concerns = _concerns(evs, config)
        for key, value in (
            ("location_ref", ref), ("place_name", loc[1] if loc else None), ("place_type", loc[2] if loc else None),
            ("postcode", loc[3] if loc else None), ("latitude", lat if loc else None),
            ("longitude", lon if loc else None), ("h3_cell", cell), ("lsoa_code", lsoa),
            ("event_count", len(records)), ("child_count", len(children)),
            ("first_at", min(e[0] for e in evs)), ("last_at", max(e[0] for e in evs)),
            ("events_recent", recent), ("events_before", before),
            ("trend", "rising" if recent > before else "falling" if recent < before else "steady"),
            ("concern_reasons", ",".join(c[0] for c in concerns) or None), ("is_concern", bool(concerns)),
        ):  # fmt: skip
            cols[key].append(value)
        if cell:
            cell_events[cell] += len(records)
            cell_children[cell] |= children
        quarters: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for e in evs:
            quarters[f"{e[0].year}-{(e[0].month - 1) // 3 * 3 + 1:02d}-01"].add((e[2], e[3]))
        trend += [(ref, q, len(v)) for q, v in sorted(quarters.items())]
        name = (loc[1] if loc else None) or ref
        for reason, at, ev in concerns:
            summary = f"{name}: {reason.replace('_', ' ')}; {len(children)} children, {len(records)} events"
            staged.append([ref, f"place:{reason}", reason, at, summary])
            evidence += [[ref, f"place:{reason}", *e.split("|", 1)] for e in ev]
    con.register("places_in", pa.table(dict(cols)) if refs else _empty_places())
    con.execute("CREATE OR REPLACE TABLE places AS SELECT * FROM places_in")
    con.unregister("places_in")
    con.register("trend_in", pa.table({"location_ref": [t[0] for t in trend], "period_start": [t[1] for t in trend],
                                       "event_count": [t[2] for t in trend]},
                                      schema=pa.schema([("location_ref", pa.string()), ("period_start", pa.string()),
                                                        ("event_count", pa.int64())])))  # fmt: skip
    con.execute(
        "CREATE OR REPLACE TABLE place_trend AS SELECT location_ref, CAST(period_start AS DATE) AS period_start,"
        " event_count FROM trend_in"
    )
    con.unregister("trend_in")
    _cells(con, config, locs, res, cell_events, cell_children)
    _lsoa_areas(con)
    if staged:
        con.executemany(
            """INSERT INTO alert_staging VALUES ('place', ?, NULL, ?, 'place_of_concern', 1, 'place',
                      'Place of concern: ' || replace(?, '_', ' '), ?, ?, 'standard', NULL)""",
            staged,
        )
    if evidence:
        con.executemany("INSERT INTO alert_evidence_staging VALUES ('place', ?, ?, ?, ?)", evidence)


def _empty_places() -> pa.Table:
    return pa.table(
        {"location_ref": pa.array([], pa.string()), "place_name": pa.array([], pa.string()),
         "place_type": pa.array([], pa.string()), "postcode": pa.array([], pa.string()),
         "latitude": pa.array([], pa.float64()), "longitude": pa.array([], pa.float64()),
         "h3_cell": pa.array([], pa.string()), "lsoa_code": pa.array([], pa.string()),
         "event_count": pa.array([], pa.int64()), "child_count": pa.array([], pa.int64()),
         "first_at": pa.array([], pa.timestamp("us", tz="UTC")), "last_at": pa.array([], pa.timestamp("us", tz="UTC")),
         "events_recent": pa.array([], pa.int64()), "events_before": pa.array([], pa.int64()),
         "trend": pa.array([], pa.string()), "concern_reasons": pa.array([], pa.string()),
         "is_concern": pa.array([], pa.bool_())}
    )  # fmt: skip


def _cells(
    con: duckdb.DuckDBPyConnection,
    config: ScoringConfig,
    locs: dict[str, tuple[object, ...]],
    res: int,
    events: dict[str, int],
    children: dict[str, set[str]],
) -> None:
    area = {geo.h3_cell(float(str(r[4])), float(str(r[5])), res) for r in locs.values()}
    z = gi_star({c: float(v) for c, v in events.items()}, area, geo.neighbours)
    z_min, n_min = float(config.places["hotspot_z"]), int(config.places["hotspot_min_events"])
    cells = sorted(c for c in z if events.get(c, 0) > 0)
    centres = [geo.cell_centre(c) for c in cells]
    table = pa.table(
        {
            "h3_cell": pa.array(cells, pa.string()),
            "resolution": pa.array([res] * len(cells), pa.int32()),
            "latitude": pa.array([c[0] for c in centres], pa.float64()),
            "longitude": pa.array([c[1] for c in centres], pa.float64()),
            "event_count": pa.array([events[c] for c in cells], pa.int64()),
            "child_count": pa.array([len(children[c]) for c in cells], pa.int64()),
            "gi_star_z": pa.array([round(z[c], 3) for c in cells], pa.float64()),
            "is_hotspot": pa.array([z[c] >= z_min and events[c] >= n_min for c in cells], pa.bool_()),
        }
    )
    con.register("cells_in", table)
    con.execute("CREATE OR REPLACE TABLE h3_cells AS SELECT * FROM cells_in")
    con.unregister("cells_in")


def _lsoa_areas(con: duckdb.DuckDBPyConnection) -> None:
    names = geo.lsoa_names()
    con.register("lsoa_in", pa.table({"lsoa_code": list(names), "lsoa_name": list(names.values())}))
    con.execute(
        """CREATE OR REPLACE TABLE lsoa_areas AS
           SELECT l.lsoa_code, l.lsoa_name, coalesce(sum(p.event_count), 0) AS event_count,
                  count(DISTINCT e.person_id) AS child_count,
                  count(DISTINCT p.location_ref) FILTER (WHERE p.is_concern) AS places_of_concern
           FROM lsoa_in l LEFT JOIN places p USING (lsoa_code)
           LEFT JOIN place_events e ON e.location_ref = p.location_ref
           GROUP BY l.lsoa_code, l.lsoa_name ORDER BY l.lsoa_code"""
    )
    con.unregister("lsoa_in")


def split_pai(
    events: list[tuple[str, datetime]], area: set[str], cut: datetime, z_min: float, n_min: int
) -> dict[str, Any]:
    """Hotspots from the (cell, time) events up to ``cut``, and their PAI on the events after it.

    Beside it, ``pai_busiest_cells``: the PAI of as many cells again, simply the busiest before the cut (a
    baseline any hotspot statistic should match or beat)."""
    before = Counter(c for c, at in events if at <= cut)
    after = Counter(c for c, at in events if at > cut)
    z = gi_star({c: float(v) for c, v in before.items()}, area, geo.neighbours)
    hot = {c for c, v in z.items() if v >= z_min and before.get(c, 0) >= n_min}
    busiest = set(sorted(before, key=lambda c: (-before[c], c))[: len(hot)])
    later = {c: float(v) for c, v in after.items()}
    return {
        "cut": cut.date().isoformat(),
        "events_before": sum(before.values()),
        **pai(hot, later, area),
        "pai_busiest_cells": pai(busiest, later, area)["pai"],
    }


def out_of_time_pai(con: duckdb.DuckDBPyConnection, config: ScoringConfig, moment: datetime) -> dict[str, Any]:
    """PAI of the Gi* hotspots of ``place_events`` made `pai_test_days` before ``moment``, on the events since.

    Each record counts once per place. The study area is every cell holding a place in the records (as for
    the hotspots themselves)."""
    res = int(config.places["h3_resolution"])
    cells = {r[0]: geo.h3_cell(float(r[4]), float(r[5]), res) for r in con.execute(LOCATIONS).fetchall()}
    rows = con.execute("SELECT DISTINCT location_ref, record_type, record_ref, event_at FROM place_events").fetchall()
    events = [(cells[ref], at) for ref, _, _, at in rows if ref in cells]
    cut = moment - timedelta(days=int(config.places["pai_test_days"]))
    return split_pai(
        events, set(cells.values()), cut, float(config.places["hotspot_z"]), int(config.places["hotspot_min_events"])
    )
