"""Checking a file's rows against its record type in one set-based DuckDB pass."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from safeguarding.contract.model import RecordType, ident


@dataclass(frozen=True)
class Validated:
    good: pa.Table  # typed, normalised columns + _line + _row_hash
    problems: pa.Table  # _line, field, reason, raw (one row per problem; a row may have several)


def _row_hash_sql(rt: RecordType) -> str:
    # Hash of the normalised values, so "2024-01-02" and "02/01/2024" are the same record.
    parts = ", ".join(f"coalesce(CAST({ident(f.name)} AS VARCHAR), '\\N')" for f in rt.fields)
    return f"md5(concat_ws('\\x1f', {parts}))"


def validate(con: duckdb.DuckDBPyConnection, rt: RecordType, raw: pa.Table) -> Validated:
    """Split ``raw`` (from readers.read_export) into good typed rows and quarantine problems."""
    con.register("raw_rows", raw)
    try:
        typed_cols = ", ".join(f"{f.normalised()} AS {ident(f.name)}" for f in rt.fields)
        con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS SELECT _line, _raw, {typed_cols} FROM raw_rows")
        problem_parts = ["SELECT _line, '(row)' AS field, _width_error AS reason FROM raw_rows"]
        for f in rt.fields:
            problem_parts.append(f"SELECT _line, '{f.name}' AS field, {f.problem()} AS reason FROM raw_rows")
        for c in rt.checks:
            problem_parts.append(
                f"SELECT _line, '{c.field}' AS field, '{c.message}' AS reason FROM typed WHERE NOT ({c.condition})"
            )
        union = " UNION ALL ".join(problem_parts)
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE problems AS
                SELECT p._line, p.field, p.reason, r._raw AS raw
                FROM ({union}) p JOIN raw_rows r USING (_line)
                WHERE p.reason IS NOT NULL"""
        )
        problems = con.sql("SELECT * FROM problems ORDER BY _line, field").to_arrow_table()
        cols = ", ".join(ident(f.name) for f in rt.fields)
        good = con.sql(
            f"""SELECT _line, {cols}, {_row_hash_sql(rt)} AS _row_hash
                FROM typed WHERE _line NOT IN (SELECT _line FROM problems) ORDER BY _line"""
        ).to_arrow_table()
    finally:
        con.unregister("raw_rows")
        con.execute("DROP TABLE IF EXISTS typed")
        con.execute("DROP TABLE IF EXISTS problems")
    return Validated(good=good, problems=problems)
