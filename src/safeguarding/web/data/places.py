"""Places from the snapshot (added by the assess stage): values per LSOA for shading the map, places of
concern, and the places linked to one person. Each returns ``None`` when the snapshot lacks the table."""

from __future__ import annotations

from dataclasses import dataclass

from safeguarding.web.data.reader import Snapshot


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    place_type: str
    latitude: float | None
    longitude: float | None
    score: float | None
    detail: str


def lsoa_values(snap: Snapshot) -> tuple[str, dict[str, float]] | None:
    """(what the value means, {LSOA code: value}) for shading, or None."""
    for table in ("lsoa_areas", "lsoa_aggregates", "area_aggregates"):
        code = snap.pick(table, "lsoa_code", "lsoa11cd", "lsoa", "area_code")
        value = snap.pick(table, "event_count", "score", "incident_count", "incidents", "count", "n", "total")
        if code and value:
            rows = snap.rows(f'SELECT "{code}", sum("{value}") FROM {table} GROUP BY 1')
            return value.replace("_", " "), {str(c): float(v or 0) for c, v in rows}
    return None


def _places(snap: Snapshot, table: str, where: str = "", params: list[str] | None = None) -> list[Place] | None:
    pid = snap.pick(table, "location_ref", "place_id", "place_ref", "id")
    if pid is None:
        return None
    name = snap.pick(table, "place_name", "name", "address_text", "address", "label") or pid
    kind = snap.pick(table, "place_type", "type", "kind")
    lat = snap.pick(table, "latitude", "lat")
    lon = snap.pick(table, "longitude", "lon", "lng")
    score = snap.pick(table, "event_count", "score", "concern_score", "incident_count", "count")
    detail = snap.pick(table, "concern_reasons", "reason", "explanation", "summary", "postcode")
    cols = [pid, name, kind, lat, lon, score, detail]
    select = ", ".join(f'"{c}"' if c else "NULL" for c in cols)
    order = f'"{score}" DESC NULLS LAST' if score else f'"{pid}"'
    rows = snap.rows(f"SELECT {select} FROM {table} t {where} ORDER BY {order} LIMIT 500", params or [])
    return [
        Place(
            str(r[0]),
            str(r[1] or r[0]),
            str(r[2] or ""),
            None if r[3] is None else float(r[3]),
            None if r[4] is None else float(r[4]),
            None if r[5] is None else float(r[5]),
            str(r[6] or ""),
        )
        for r in rows
    ]


def places_of_concern(snap: Snapshot) -> list[Place] | None:
    for table in ("places_of_concern", "places"):
        if table in snap.columns:
            where = "WHERE t.is_concern" if snap.has(table, "is_concern") else ""
            found = _places(snap, table, where)
            if found is not None:
                return found
    return None


def person_places(snap: Snapshot, person_id: str) -> list[Place] | None:
    """Places linked to a person through a person-place table, or None without one."""
    for link in ("place_events", "person_places", "person_locations"):
        key = snap.pick(link, "location_ref", "place_id", "place_ref")
        if key and snap.has(link, "person_id") and "places" in snap.columns:
            place_key = snap.pick("places", "location_ref", "place_id", "place_ref", "id")
            if place_key is None:
                return None
            return _places(
                snap,
                "places",
                f'WHERE t."{place_key}" IN (SELECT "{key}" FROM {link} WHERE person_id = ?)',
                [person_id],
            )
    return None
