"""Checking a file's rows against its record type in one set-based DuckDB pass."""

from __future__ import annotations

import duckdb

from safeguarding.contract.model import RecordType, ident


def _hash_parts(rt: RecordType) -> list[str]:
    """Each field's cleaned text, with dates normalised so 02/01/2024 and 2024-01-02 hash alike."""
    return [f"CAST({ident(f.name)} AS VARCHAR)" if f.type == "date" else _text_col(f.name) for f in rt.fields]


def _row_hash_sql(rt: RecordType) -> str:
    """SHA-256 of an unambiguous encoding of the row's cleaned text: each value as its length, a colon and
    the value, a missing value as "-". No two different rows encode alike (values may hold any character).

    Hashing the text rather than typed values cast back to text keeps this pass cheap; exact
    re-exports of a record are byte-identical, which is what deduplication is for.
    """
    parts = ", ".join(f"coalesce(length({p})::VARCHAR || ':' || {p}, '-')" for p in _hash_parts(rt))
    return f"sha256(concat({parts}))"


def legacy_row_hash_sql(rt: RecordType) -> str:
    """The hash lakes written before the SHA-256 one hold (md5 of the values joined by U+001F): kept only
    so that re-exports of rows loaded then are still recognised as duplicates."""
    parts = ", ".join(f"coalesce({p}, '')" for p in _hash_parts(rt))
    return f"md5(concat_ws(chr(31), {parts}))"


def create_load_tables(con: duckdb.DuckDBPyConnection) -> None:
    """The load's working tables: problems of every file (good rows get a table per record type)."""
    con.execute("CREATE TABLE IF NOT EXISTS load_files (file_order INTEGER PRIMARY KEY, path VARCHAR)")
    con.execute(
        """CREATE TABLE IF NOT EXISTS problems (file_order INTEGER, record_type VARCHAR, line BIGINT, nl BIGINT,
                                                field VARCHAR, reason VARCHAR, raw VARCHAR)"""
    )


def good_table(rt: RecordType) -> str:
    """The load's table of one record type's rows (``_problems = ''`` marks the good ones)."""
    return f"rows_{rt.name}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _text_col(name: str) -> str:
    return ident(f"text:{name}")


def validate(
    con: duckdb.DuckDBPyConnection, rt: RecordType, raw_table: str, legacy_hash: bool = False
) -> dict[int, tuple[int, int]]:
    """Append ``raw_table``'s rows (typed, with their problems and _row_hash) to the record type's
    table, and their problems to ``problems``. Returns file order -> (good rows, quarantined rows).

    One pass: clean each value, type it, and list the row's problems beside it; every value is
    parsed once, and the pass runs in parallel over however many files ``raw_table`` holds.
    """
    cleaned = ", ".join(f"{f.cleaned(ident(f.name))} AS {_text_col(f.name)}" for f in rt.fields)
    typed = ", ".join(f"{f.typed(_text_col(f.name))} AS {ident(f.name)}" for f in rt.fields)
    checks = [(f.name, f.problem(_text_col(f.name), ident(f.name))) for f in rt.fields]
    checks += [(c.field, f"CASE WHEN NOT ({c.condition}) THEN {_quote(c.message)} END") for c in rt.checks]
    # Each problem is "field<US>reason"; a row's problems are joined by <RS>; "" means a good row. The
    # readers' own problems (_width_error) are already "field<US>reason" where they concern one field
    # (a JSON list where a value belongs) and about the whole row otherwise.
    reader = "CASE WHEN contains(_width_error, chr(31)) THEN _width_error ELSE '(row)' || chr(31) || _width_error END"
    problems = ", ".join(
        [reader] + [f"{_quote(name)} || chr(31) || ({expr})" for name, expr in checks if expr != "NULL"]
    )
    cols = ", ".join(ident(f.name) for f in rt.fields)
    # Every row, good or bad, goes into the record type's table once, typed, with its problems beside
    # it: staging later takes the good ones, and the problems are read back from it.
    select = f"""SELECT {cols}, _line, _nl, concat_ws(chr(30), {problems}) AS _problems,
                        {_row_hash_sql(rt)} AS _row_hash,
                        {legacy_row_hash_sql(rt) if legacy_hash else "NULL::VARCHAR"} AS _legacy_hash, _file_order
                 FROM (SELECT *, {typed}
                       FROM (SELECT _file_order, _line, _nl, _width_error, {cleaned} FROM {raw_table}))"""
    table = good_table(rt)
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [table]
    ).fetchall()[0][0]
    before = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] if exists else 0
    con.execute(f"INSERT INTO {table} {select}" if exists else f"CREATE TABLE {table} AS {select}")
    # Rows are appended, so this call's rows are those after the ones already there.
    con.execute(
        f"""INSERT INTO problems
            SELECT _file_order, ?, _line, _nl, split_part(p, chr(31), 1), split_part(p, chr(31), 2), NULL
            FROM (SELECT _file_order, _line, _nl, unnest(string_split(_problems, chr(30))) AS p
                  FROM {table} WHERE rowid >= ? AND _problems <> '')""",
        [rt.name, before],
    )
    counts = con.execute(
        f"""SELECT _file_order, count(*) FILTER (WHERE _problems = ''), count(*) FILTER (WHERE _problems <> '')
            FROM {table} WHERE rowid >= ? GROUP BY _file_order""",
        [before],
    ).fetchall()
    return {int(order): (int(good), int(bad)) for order, good, bad in counts}
