"""The statutory clocks behind the operational boards (issue #8): one module per board, each making its
snapshot tables with plain SQL over the resolved views (assess.views), and ``monthly_measures`` from them.

Service levels are configuration (service_levels.yaml, loaded by ``levels.load_levels``); "now" is the
assessment moment, and times are compared as instants and grouped by Europe/London calendar days and months.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb

from safeguarding.assess.clocks import custody, measures, missing, offenders, online, ppn
from safeguarding.assess.clocks.levels import load_levels
from safeguarding.assess.clocks.sql import ts

BOARD_TABLES = (
    "board_missing", "board_custody", "board_ppn", "board_child_to_notice", "board_online", "board_rso",
    "board_rso_alerts", "monthly_measures",
)  # fmt: skip


def build(con: duckdb.DuckDBPyConnection, moment: datetime, levels: dict[str, Any] | None = None) -> None:
    """Create every board table and ``monthly_measures`` on ``con`` as of ``moment`` (an aware datetime)."""
    levels = levels or load_levels()
    at = ts(moment)
    missing.build(con, levels["missing"], at)
    custody.build(con, levels["custody"], at)
    ppn.build(con, levels["ppn"], at)
    online.build(con, levels["online"], at)
    offenders.build(con, levels["offenders"], at)
    measures.build(con, at, int(levels["offenders"]["visit_grace_days"]))


__all__ = ["BOARD_TABLES", "build", "load_levels"]
