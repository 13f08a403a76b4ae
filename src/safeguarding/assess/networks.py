"""Peer networks: a graph of people who appear together, its communities, and group alerts.

Edges come from ``person_links`` (same record, address, phone or vehicle; views.py). The graph kept is
the part around risk: every edge with at least one end a child with a risk indicator or an adult with a
marker, so background households do not swamp it. Communities are found with networkx's Louvain method
(seeded, so runs repeat); a community's id is derived from its smallest member id, so it stays the same
from run to run while its core does.

Group alerts (DOMAIN.md "Contextual safeguarding": peer groups are subjects in their own right):
    group:peer_group_missing    three or more children of one community missing within 90 days, at least
                                two of them reported missing together
    group:exploitation_network  two or more children with exploitation indicators and an adult with a
                                sexual, exploitation, drug-supply or registered-sex-offender marker
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import duckdb
import networkx as nx
import pyarrow as pa

from safeguarding.assess.scoring import ScoringConfig

EDGES = """
CREATE OR REPLACE TABLE network_edges AS
WITH interest AS (
    SELECT DISTINCT person_id FROM indicators WHERE counts_as_risk
    UNION SELECT DISTINCT person_id FROM adult_markers
)
SELECT person_l, person_r, string_agg(DISTINCT link_type, ',' ORDER BY link_type) AS link_types,
       count(DISTINCT record_type || '|' || record_ref) AS record_count,
       CAST(count(DISTINCT record_type || '|' || record_ref) AS DOUBLE) AS weight,
       min(coalesce(event_at, {moment})) AS first_at, max(coalesce(event_at, {moment})) AS last_at
FROM person_links
-- A link with no time at all (records that carry none) is known at the assessment's moment, not dropped.
WHERE coalesce(event_at, {moment}) <= {moment}
  AND (person_l IN (SELECT person_id FROM interest) OR person_r IN (SELECT person_id FROM interest))
GROUP BY person_l, person_r
ORDER BY person_l, person_r
"""

MEMBERS = """
CREATE OR REPLACE TABLE communities AS
SELECT c.community_id, c.person_id,
       coalesce(age_years(p.date_of_birth, {moment}) < 18, false) AS is_child,
       c.person_id IN (SELECT person_id FROM adult_markers) AS flagged_adult,
       (SELECT string_agg(DISTINCT i.category, ',' ORDER BY i.category) FROM indicators i
        WHERE i.person_id = c.person_id AND i.counts_as_risk) AS risk_categories
FROM community_in c LEFT JOIN persons_resolved p USING (person_id)
ORDER BY c.community_id, c.person_id
"""

GROUPS = """
CREATE OR REPLACE TABLE groups AS
SELECT c.community_id, count(*) AS size, count(*) FILTER (WHERE is_child) AS children,
       count(*) FILTER (WHERE NOT is_child) AS adults, count(*) FILTER (WHERE flagged_adult) AS flagged_adults,
       count(*) FILTER (WHERE is_child AND (risk_categories LIKE '%sexual_exploitation%'
                                            OR risk_categories LIKE '%criminal_exploitation%')) AS exploited_children,
       min(e.first_at) AS first_at, max(e.last_at) AS last_at
FROM communities c
LEFT JOIN (SELECT person_l AS person_id, first_at, last_at FROM network_edges
           UNION ALL SELECT person_r, first_at, last_at FROM network_edges) e USING (person_id)
GROUP BY c.community_id
ORDER BY c.community_id
"""


def community_id(members: list[str]) -> str:
    return "G" + hashlib.sha1(min(members).encode(), usedforsecurity=False).hexdigest()[:12].upper()


def find_communities(edges: list[tuple[str, str, float]], min_size: int = 3) -> dict[str, list[str]]:
    """Louvain communities (seeded) of the weighted graph, keyed by their stable id; small ones dropped."""
    graph = nx.Graph()
    graph.add_weighted_edges_from(edges)
    found = nx.community.louvain_communities(graph, weight="weight", seed=1)
    return {community_id(sorted(c)): sorted(c) for c in found if len(c) >= min_size}


def _peer_group_alerts(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    need = int(config.groups["missing_children"])
    window = timedelta(days=int(config.groups["missing_window_days"]))
    rows = con.execute(
        """SELECT c.community_id, e.person_id, e.episode_ref, e.reported_at,
                  (SELECT count(*) FROM record_people rp JOIN communities o ON o.person_id = rp.person_id
                   WHERE rp.record_type = 'missing_episodes' AND rp.record_ref = e.episode_ref
                     AND rp.role = 'associate' AND o.community_id = c.community_id) AS with_members
           FROM communities c JOIN missing_episodes_resolved e USING (person_id)
           WHERE c.is_child ORDER BY c.community_id, e.reported_at"""
    ).fetchall()
    by_group: dict[str, list[tuple[str, str, datetime, int]]] = {}
    for gid, pid, ref, at, joint in rows:
        by_group.setdefault(gid, []).append((pid, ref, at, joint))
    staged, evidence = [], []
    for gid, episodes in by_group.items():
        for i, (_, _, at, _) in enumerate(episodes):
            inside = [e for e in episodes[: i + 1] if e[2] > at - window]
            children = {e[0] for e in inside}
            if len(children) >= need and any(e[3] > 0 for e in inside):
                summary = f"{len(children)} children of one group missing within {window.days} days, some together"
                staged.append((gid, "group:peer_group_missing", "peer_group_missing", "missing",
                               "Peer group missing together", at, summary))  # fmt: skip
                evidence += [(gid, "group:peer_group_missing", "missing_episodes", e[1]) for e in inside]
                break
    _stage(con, staged, evidence)


def _network_alerts(con: duckdb.DuckDBPyConnection, config: ScoringConfig) -> None:
    need = int(config.groups["exploited_children"])
    rows = con.execute(
        f"""WITH kids AS (
                SELECT c.community_id, i.person_id, min(i.fired_at) AS first_at
                FROM communities c JOIN indicators i USING (person_id)
                WHERE c.is_child AND i.counts_as_risk
                  AND i.category IN ('sexual_exploitation', 'criminal_exploitation', 'sex_offender_contact')
                GROUP BY ALL
            ),
            adults AS (
                -- The group's earliest marker record, whole: type and reference from the same row (ties by record).
                SELECT community_id, event_at AS first_at, record_type AS rt, record_ref AS rr
                FROM (SELECT c.community_id, m.event_at, m.record_type, m.record_ref,
                             row_number() OVER (PARTITION BY c.community_id
                                                ORDER BY m.event_at, m.record_type, m.record_ref) AS n
                      FROM communities c JOIN adult_markers m USING (person_id)
                      WHERE NOT c.is_child
                        AND m.marker IN ('sexual', 'exploitation', 'drug_supply', 'rso', 'online_sexual'))
                WHERE n = 1
            )
            SELECT k.community_id, greatest(list_sort(list(k.first_at))[{need}], any_value(a.first_at)) AS raised_at,
                   count(*) AS n, any_value(a.rt), any_value(a.rr)
            FROM kids k JOIN adults a USING (community_id)
            GROUP BY k.community_id HAVING count(*) >= {need}"""
    ).fetchall()
    staged = [
        (gid, "group:exploitation_network", "exploitation_network", "sexual_exploitation",
         "Possible exploitation network", at, f"{n} children with exploitation indicators and a flagged adult")
        for gid, at, n, _, _ in rows
    ]  # fmt: skip
    evidence = [(gid, "group:exploitation_network", rt, rr) for gid, _, _, rt, rr in rows]
    _stage(con, staged, evidence)


def _stage(
    con: duckdb.DuckDBPyConnection,
    staged: list[tuple[str, str, str, str, str, datetime, str]],
    evidence: list[tuple[str, str, str, str]],
) -> None:
    if staged:
        con.executemany(
            """INSERT INTO alert_staging VALUES ('group', ?, NULL, ?, ?, 1, ?, ?, ?, ?, 'standard', NULL)""",
            [list(s) for s in staged],
        )
    if evidence:
        con.executemany("INSERT INTO alert_evidence_staging VALUES ('group', ?, ?, ?, ?)", [list(e) for e in evidence])


def build(con: duckdb.DuckDBPyConnection, config: ScoringConfig, moment: datetime) -> None:
    """Fill ``network_edges``, ``communities`` and ``groups``, and stage group alerts."""
    ts = f"TIMESTAMPTZ '{moment.isoformat()}'"
    con.execute(EDGES.format(moment=ts))
    edges = [
        (a, b, float(w)) for a, b, w in con.execute("SELECT person_l, person_r, weight FROM network_edges").fetchall()
    ]
    found = find_communities(edges)
    con.register(
        "community_in",
        pa.table(
            {
                "community_id": [gid for gid, members in found.items() for _ in members],
                "person_id": [p for members in found.values() for p in members],
            },
            schema=pa.schema([("community_id", pa.string()), ("person_id", pa.string())]),
        ),
    )
    con.execute(MEMBERS.format(moment=ts))
    con.unregister("community_in")
    con.execute(GROUPS)
    _peer_group_alerts(con, config)
    _network_alerts(con, config)
