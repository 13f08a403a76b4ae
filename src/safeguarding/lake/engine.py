"""The engine interface: how later stages query the lake.

DuckDB is the default, in process. Each record type appears as two views:
``<type>_versions`` (every loaded version of every record) and ``<type>`` (the latest version of each
record, by key). Rules and linkage are written against these views only; the Spark engine
(lake/spark.py, ``SAFEGUARDING_ENGINE=spark``) offers the same names, and its connection runs the same
DuckDB SQL on Spark after transpiling it.
"""

from __future__ import annotations

from typing import Protocol

import duckdb

from safeguarding.config import ConfigError, Settings
from safeguarding.contract.model import SQL_TYPES, ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.store import Lake

LINEAGE_COLUMNS = {
    "_load_id": "VARCHAR",
    "_source_file": "VARCHAR",
    "_line": "BIGINT",
    "_row_hash": "VARCHAR",
}


class Engine(Protocol):
    name: str

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A connection on which every record type's views exist."""
        ...


def _sql_list(paths: list[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, lake: Lake, database: str = ":memory:") -> None:
        self.lake = lake
        self.database = database

    def connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(self.database)
        con.execute("SET TimeZone = 'UTC'")
        for rt in RECORD_TYPES.values():
            files = [str(p) for p in self.lake.partition_files(rt.name)]
            cols = [f"NULL::{SQL_TYPES[f.type]} AS {ident(f.name)}" for f in rt.fields]
            cols += [f"NULL::{t} AS {n}" for n, t in LINEAGE_COLUMNS.items()]
            source = f"SELECT {', '.join(cols)} WHERE false"
            if files:
                # Every field of the contract, even one added after these files were loaded (NULL there).
                source += f" UNION ALL BY NAME SELECT * FROM read_parquet({_sql_list(files)}, union_by_name = true)"
            con.execute(f"CREATE OR REPLACE VIEW {rt.name}_versions AS {source}")
            key = ", ".join(ident(k) for k in rt.key)
            con.execute(
                f"""CREATE OR REPLACE VIEW {rt.name} AS SELECT * FROM {rt.name}_versions
                    QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _load_id DESC, _line DESC) = 1"""
            )
        return con


def get_engine(settings: Settings) -> Engine:
    """The engine named in the settings."""
    if settings.engine == "duckdb":
        return DuckDBEngine(Lake(settings.lake_dir))
    if settings.engine == "spark":
        try:
            from safeguarding.lake.spark import SparkEngine
        except ImportError as exc:
            raise ConfigError(
                f"SAFEGUARDING_ENGINE=spark needs PySpark ({exc}); install it with `pip install safeguarding[spark]`"
            ) from None
        return SparkEngine(Lake(settings.lake_dir), settings)
    raise ConfigError(f"engine {settings.engine!r} is not available; use SAFEGUARDING_ENGINE=duckdb or spark")
