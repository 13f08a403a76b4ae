"""The whole assessment in order: views, rules, scores, networks, places, alerts.

``assess_children`` is the part the weekly replay of the evaluation repeats (indicators, scores and
person alerts as of a date); ``assess`` adds networks, places and their alerts, and returns every table
the snapshot keeps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import duckdb
import pyarrow as pa

from safeguarding.assess import alerts, clocks, networks, places
from safeguarding.assess.evaluate import run_rules
from safeguarding.assess.rules_catalogue import Rule, load_rules
from safeguarding.assess.scoring import ScoringConfig, compute_scores, load_scoring
from safeguarding.assess.views import prepare
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.extract_time import latest_known_sql

# Tables of the connection that become snapshot tables of the same name.
OUTPUT_TABLES = (
    "indicators", "indicator_evidence", "scores", "score_history", "alerts", "alert_evidence", "adult_markers",
    "network_edges", "communities", "groups", "place_events", "places", "place_trend", "h3_cells", "lsoa_areas",
)  # fmt: skip


@dataclass
class Assessment:
    """Every output table, as Arrow tables keyed by snapshot table name."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)
    as_of: datetime | None = None

    def count(self, name: str) -> int:
        table = self.tables.get(name)
        return 0 if table is None else table.num_rows


def assessment_moment(
    con: duckdb.DuckDBPyConnection, as_of: date | None, extract_time: datetime | None = None
) -> datetime:
    """The one moment every clock, age and "now" list is taken at (DOMAIN.md "One moment").

    ``--as-of`` wins (the end of that day, for a replay); else the latest extract time of the loads; else, with
    no extract time at all, the latest time any record on ``con`` was known (what a load's default would be).
    Call after ``views.prepare`` (it reads the ``<type>_asof`` views).
    """
    if as_of is not None:
        return datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    if extract_time is not None:
        return extract_time.astimezone(UTC)
    latest = con.execute(latest_known_sql({name: f"{name}_asof" for name in RECORD_TYPES})).fetchall()[0][0]
    if latest is None:  # no record holds a time, so there is nothing to clock: any moment gives the same tables
        return datetime.now(UTC)
    return latest.astimezone(UTC) if isinstance(latest, datetime) else datetime.fromisoformat(str(latest))


def assess_children(
    con: duckdb.DuckDBPyConnection,
    mentions: pa.Table,
    as_of: date | None = None,
    rules: list[Rule] | None = None,
    config: ScoringConfig | None = None,
    extract_time: datetime | None = None,
) -> datetime:
    """Indicators, scores and person alerts (staged) on ``con``; returns the moment scores are taken at."""
    rules = load_rules() if rules is None else rules
    config = load_scoring() if config is None else config
    prepare(con, mentions, as_of)
    run_rules(con, rules)
    moment = assessment_moment(con, as_of, extract_time)
    compute_scores(con, config, moment)
    alerts.start(con)
    alerts.add_person_alerts(con, config.version)
    return moment


def assess(
    con: duckdb.DuckDBPyConnection,
    mentions: pa.Table,
    as_of: date | None = None,
    extract_time: datetime | None = None,
) -> Assessment:
    """The full assessment; ``con`` must have the lake views (lake.engine)."""
    rules = load_rules()
    config = load_scoring()
    moment = assess_children(con, mentions, as_of, rules, config, extract_time)
    networks.build(con, config, moment)
    places.build(con, config, moment)
    alerts.finish(con)
    clocks.build(con, moment)
    names = (*OUTPUT_TABLES, *clocks.BOARD_TABLES)
    tables = {name: con.sql(f"SELECT * FROM {name}").to_arrow_table() for name in names}
    return Assessment(tables=tables, rules=rules, as_of=moment)
