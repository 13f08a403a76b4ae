"""People networks from the snapshot's edge list (added by the assess stage), as nodes and edges for
Cytoscape.js. A snapshot without an edge table gives ``None`` and the page says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from safeguarding.web.data.reader import Snapshot

_EDGE_TABLES = ("network_edges", "person_edges", "edges")


@dataclass(frozen=True)
class EdgeTable:
    table: str
    source: str
    target: str
    weight: str | None
    kind: str | None


def edge_table(snap: Snapshot) -> EdgeTable | None:
    for table in _EDGE_TABLES:
        source = snap.pick(table, "person_id_l", "person_l", "person_a", "source", "from_person", "src")
        target = snap.pick(table, "person_id_r", "person_r", "person_b", "target", "to_person", "dst")
        if source and target:
            weight = snap.pick(table, "weight", "strength", "n_records", "record_count", "count")
            kind = snap.pick(table, "link_types", "kind", "edge_type", "relationship", "type", "link_type")
            return EdgeTable(table, source, target, weight, kind)
    return None


# Most edges drawn around one person (the strongest are kept).
NETWORK_LIMIT = 150


def _community_column(snap: Snapshot) -> tuple[str, str] | None:
    for table in ("network_communities", "communities", "person_communities"):
        column = snap.pick(table, "community_id", "community", "group_id")
        if column and snap.has(table, "person_id"):
            return table, column
    return None


def _graph(snap: Snapshot, edges: list[tuple[Any, ...]], focus: str | None) -> dict[str, Any]:
    ids = sorted({str(e[0]) for e in edges} | {str(e[1]) for e in edges} | ({focus} if focus else set()))
    info = {
        str(r[0]): r[1:]
        for r in snap.rows(
            """SELECT p.person_id, p.display_name, p.is_child, count(a.alert_id) FROM persons p
               LEFT JOIN alerts a USING (person_id) WHERE p.person_id IN (SELECT unnest(?::VARCHAR[]))
               GROUP BY ALL""",
            [ids],
        )
    }
    community: dict[str, str] = {}
    found = _community_column(snap)
    if found:
        table, column = found
        community = {
            str(p): str(c)
            for p, c in snap.rows(
                f'SELECT person_id, "{column}" FROM {table} WHERE person_id IN (SELECT unnest(?::VARCHAR[]))', [ids]
            )
        }
    nodes = []
    for pid in ids:
        name, is_child, alerts = info.get(pid, ("(unknown)", None, 0))
        nodes.append(
            {
                "data": {
                    "id": pid,
                    "label": str(name),
                    "child": bool(is_child),
                    "alerts": int(alerts),
                    "focus": pid == focus,
                    "community": community.get(pid, ""),
                }
            }
        )
    links = [
        {
            "data": {
                "id": f"e{i}",
                "source": str(s),
                "target": str(t),
                "weight": float(w) if w is not None else 1.0,
                "kind": str(k or ""),
            }
        }
        for i, (s, t, w, k) in enumerate(edges)
    ]
    return {"nodes": nodes, "edges": links}


def _near_edges(snap: Snapshot, et: EdgeTable, person_id: str, limit: int) -> list[tuple[Any, ...]]:
    """The edges among the person and everyone one step from them, strongest first."""
    weight, kind = et.weight or "1", et.kind or "NULL"
    return snap.rows(
        f"""WITH near AS (
                SELECT "{et.target}" AS pid FROM {et.table} WHERE "{et.source}" = $p
                UNION SELECT "{et.source}" FROM {et.table} WHERE "{et.target}" = $p
                UNION SELECT $p)
            SELECT "{et.source}", "{et.target}", {weight}, {kind} FROM {et.table}
            WHERE "{et.source}" IN (SELECT pid FROM near) AND "{et.target}" IN (SELECT pid FROM near)
            ORDER BY {weight} DESC LIMIT {int(limit)}""".replace("$p", "?"),
        [person_id] * 3,
    )


def person_network(snap: Snapshot, person_id: str, limit: int = NETWORK_LIMIT) -> dict[str, Any] | None:
    """The person and everyone one step from them, with the edges among them; None without edge data."""
    et = edge_table(snap)
    if et is None:
        return None
    return _graph(snap, _near_edges(snap, et, person_id, limit), person_id)


def person_network_size(snap: Snapshot, person_id: str, limit: int = NETWORK_LIMIT) -> int | None:
    """How many edges ``person_network`` would draw (None without edge data), without naming the people."""
    et = edge_table(snap)
    if et is None:
        return None
    return len(_near_edges(snap, et, person_id, limit))


def overview_network(snap: Snapshot, limit: int = 300) -> dict[str, Any] | None:
    """The strongest edges that touch a person with an alert: the networks around flagged children."""
    et = edge_table(snap)
    if et is None:
        return None
    weight, kind = et.weight or "1", et.kind or "NULL"
    edges = snap.rows(
        f"""WITH flagged AS (SELECT DISTINCT person_id FROM alerts)
            SELECT "{et.source}", "{et.target}", {weight}, {kind} FROM {et.table}
            WHERE "{et.source}" IN (SELECT person_id FROM flagged) OR "{et.target}" IN (SELECT person_id FROM flagged)
            ORDER BY {weight} DESC LIMIT {int(limit)}"""
    )
    return _graph(snap, edges, None)
