"""Checking a file's rows against its record type in one set-based DuckDB pass."""

from __future__ import annotations

import duckdb

from safeguarding.contract.model import RecordType, ident


def _row_hash_sql(rt: RecordType) -> str:
    # Hash of the normalised values, so "2024-01-02" and "02/01/2024" are the same record.
    parts = ", ".join(f"coalesce(CAST({ident(f.name)} AS VARCHAR), '\\N')" for f in rt.fields)
    return f"md5(concat_ws('\\x1f', {parts}))"


def create_load_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The load's working tables: problems of every file (good rows get a table per record type)."""
    con.execute(
        """CREATE TABLE IF NOT EXISTS problems (file_order INTEGER, file VARCHAR, record_type VARCHAR,
                                                line BIGINT, nl BIGINT, field VARCHAR, reason VARCHAR, raw VARCHAR)"""
    )


def good_table(rt: RecordType) -> str:
    return f"good_{rt.name}"


def validate(
    con: duckdb.DuckDBPyConnection, rt: RecordType, raw_table: str, file_order: int, file: str
) -> tuple[int, int]:
    """Append ``raw_table``'s good rows (typed, with _row_hash) to the record type's good table and
    its problems to ``problems``. Returns (good rows, quarantined rows)."""
    typed_cols = ", ".join(f"{f.normalised()} AS {ident(f.name)}" for f in rt.fields)
    con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS SELECT _line, _nl, {typed_cols} FROM {raw_table}")
    parts = [f"SELECT _line, _nl, '(row)' AS field, _width_error AS reason FROM {raw_table}"]
    for f in rt.fields:
        parts.append(f"SELECT _line, _nl, '{f.name}' AS field, {f.problem()} AS reason FROM {raw_table}")
    for c in rt.checks:
        message = c.message.replace("'", "''")
        parts.append(f"SELECT _line, _nl, '{c.field}', '{message}' FROM typed WHERE NOT ({c.condition})")
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE file_problems AS
            SELECT * FROM ({" UNION ALL ".join(parts)}) WHERE reason IS NOT NULL"""
    )
    con.execute(
        "INSERT INTO problems SELECT ?, ?, ?, _line, _nl, field, reason, NULL FROM file_problems",
        [file_order, file, rt.name],
    )
    cols = ", ".join(ident(f.name) for f in rt.fields)
    select = f"""SELECT {cols}, _line, {_row_hash_sql(rt)} AS _row_hash, {file_order} AS _file_order,
                        {"'" + file.replace("'", "''") + "'"} AS _source_file
                 FROM typed WHERE _line NOT IN (SELECT _line FROM file_problems)"""
    table = good_table(rt)
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]
    ).fetchall()[0][0]
    if exists:
        con.execute(f"INSERT INTO {table} {select}")
    else:
        con.execute(f"CREATE TABLE {table} AS {select}")
    bad = con.execute("SELECT count(DISTINCT _line) FROM file_problems").fetchall()[0][0]
    total = con.execute(f"SELECT count(*) FROM {raw_table}").fetchall()[0][0]
    con.execute("DROP TABLE typed")
    con.execute("DROP TABLE file_problems")
    return int(total) - int(bad), int(bad)
