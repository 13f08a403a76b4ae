"""The statutory clocks behind the operational boards (issue #8): one module per board, each making its
snapshot tables with plain SQL over the resolved views (assess.views), and ``monthly_measures`` from them.

Service levels are configuration (service_levels.yaml, loaded by ``levels.load_levels``); "now" is the
assessment moment, and times are compared as instants and grouped by Europe/London calendar days and months.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from safeguarding.policy.levels import load_levels

if TYPE_CHECKING:
    import duckdb

# The board modules (and DuckDB) load when first used: the command line reads the service levels (the
# policy package) on every command, and must not pay for DuckDB to do so.
_BOARDS = ("custody", "measures", "missing", "offenders", "online", "ppn", "sql")

# persons_resolved is a view that aggregates every mention: the clocks need the date of birth and sex of the
# people on missing episodes and custody records and of those living at an offender's address, made once.
PEOPLE = """
CREATE OR REPLACE TABLE clock_people AS
SELECT person_id, date_of_birth, sex FROM persons_resolved
WHERE person_id IN (
    SELECT m.person_id FROM person_mentions m
    JOIN (SELECT source_system, person_ref FROM missing_episodes_asof
          UNION SELECT source_system, person_ref FROM custody_detentions_asof) r USING (source_system, person_ref)
    UNION
    SELECT person_id FROM record_people WHERE record_type = 'custody_detentions' AND role = 'detainee'
    UNION
    SELECT h.other_id FROM same_household h JOIN person_mentions m ON m.person_id = h.person_id
    JOIN ppns_asof x ON x.source_system = m.source_system AND x.subject_person_ref = m.person_ref
    UNION
    SELECT m.person_id FROM person_mentions m
    JOIN ppns_asof x ON x.source_system = m.source_system AND x.subject_person_ref = m.person_ref
    UNION
    SELECT person_id FROM mention_attrs WHERE address_ref IN (SELECT address_ref FROM offenders_asof)
)
"""

BOARD_TABLES = (
    "board_missing", "board_custody", "board_ppn", "board_child_to_notice", "board_online", "board_rso",
    "board_rso_alerts", "monthly_measures",
)  # fmt: skip


def build(con: duckdb.DuckDBPyConnection, moment: datetime, levels: dict[str, Any] | None = None) -> None:
    """Create every board table and ``monthly_measures`` on ``con`` as of ``moment`` (an aware datetime)."""
    from safeguarding.assess.clocks import custody, measures, missing, offenders, online, ppn
    from safeguarding.assess.clocks.sql import ts

    levels = levels or load_levels()
    at = ts(moment)
    con.execute(PEOPLE)
    missing.build(con, levels["missing"], at)
    custody.build(con, levels["custody"], at)
    ppn.build(con, levels["ppn"], at)
    online.build(con, levels["online"], at)
    offenders.build(con, levels["offenders"], at)
    measures.build(con, at, int(levels["offenders"]["visit_grace_days"]))


def __getattr__(name: str) -> ModuleType:
    if name in _BOARDS:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BOARD_TABLES", "build", "load_levels"]
