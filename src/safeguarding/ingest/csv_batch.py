"""Parsing many CSV files of one shape in a single parallel pass with DuckDB's reader.

DuckDB gives no line numbers, so they are reconstructed and checked: within each file, rows keep
their order (insertion order is preserved), so a row's line is 2 + its position, plus the new lines
inside quoted values of the rows before it. That sum is checked against the file's physical line
count; a file where it does not hold (rejected rows, blank lines) goes to the exact row-by-row
parser instead, as does a file DuckDB cannot read at all.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from safeguarding.ingest.readers import PreparedFile, projection, sql_text
from safeguarding.ingest.rowwise import MAX_RECORD_LINES
from safeguarding.ingest.text import MAX_FIELD

_TEMP = ("csv_rows", "csv_rejects", "csv_scans", "batch_meta")


def drop_batch(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the raw view or table made by read_batch, and what it rests on."""
    for kind, obj in con.execute(
        "SELECT 'VIEW', view_name FROM duckdb_views() WHERE view_name IN (?, ?) UNION ALL "
        "SELECT 'TABLE', table_name FROM duckdb_tables() WHERE table_name IN (?, ?) ORDER BY 1 DESC, 2",
        [name, f"{name}_all", name, f"{name}_all"],
    ).fetchall():
        con.execute(f"DROP {kind} {obj}")
    for table in _TEMP:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _scan(con: duckdb.DuckDBPyConnection, files: list[PreparedFile]) -> bool:
    first = files[0]
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(first.header))) + "}"
    paths = "[" + ", ".join(sql_text(str(f.text_path)) for f in files) + "]"
    try:
        con.execute(
            f"""CREATE TEMP TABLE csv_rows AS SELECT * FROM read_csv({paths}, auto_detect = false, header = false,
                  skip = 1, columns = {columns}, delim = {sql_text(first.delimiter)}, quote = '"', escape = '"',
                  strict_mode = true, ignore_errors = true, store_rejects = true,
                  rejects_table = 'csv_rejects', rejects_scan = 'csv_scans', max_line_size = {MAX_FIELD},
                  filename = true, compression = {sql_text("gzip" if first.text_compressed else "none")})"""
        )
        return True
    except duckdb.Error:
        for table in _TEMP:
            con.execute(f"DROP TABLE IF EXISTS {table}")
        return False


def _open_quote_suspected(
    con: duckdb.DuckDBPyConnection, path: str, width: int, newline_sum: str, delimiter: str
) -> bool:
    """rowwise.read_csv_rows's tests for a quote left open, in SQL: a record over MAX_RECORD_LINES lines,
    or a line wholly inside a quoted value that looks like a row (no quote, a row's count of delimiters)."""
    if width < 2:
        looks_like_row = "false"
    else:
        delim = sql_text(delimiter)
        row_like = f"lambda l: NOT contains(l, '\"') AND length(l) - length(replace(l, {delim}, '')) = {width - 1}"
        looks_like_row = " OR ".join(
            f"(contains(c{i}, chr(10)) AND len(list_filter(string_split(c{i}, chr(10))[2:-2], {row_like})) > 0)"
            for i in range(width)
        )
    found = con.execute(
        f"""SELECT count(*) FROM csv_rows
            WHERE filename = ? AND ({newline_sum}) > 0
              AND (1 + ({newline_sum}) > {MAX_RECORD_LINES} OR {looks_like_row})""",
        [path],
    ).fetchall()[0][0]
    return bool(found)


def read_batch(con: duckdb.DuckDBPyConnection, files: list[PreparedFile], name: str) -> list[PreparedFile] | None:
    """Parse ``files`` (all of one shape) into the raw view or table ``name``.

    Returns the files that need the exact parser (``name`` exists only if some file was parsed
    here), or None when DuckDB cannot read the batch as a whole: then try the files one at a time,
    so that one broken file does not send the others to the slow parser.
    """
    if not _scan(con, files):
        return files if len(files) == 1 else None
    rejected = {
        path
        for (path,) in con.execute(
            """SELECT DISTINCT s.file_path FROM csv_rejects r
               JOIN csv_scans s ON r.scan_id = s.scan_id AND r.file_id = s.file_id"""
        ).fetchall()
    }
    by_path = {str(f.text_path): f for f in files}
    stats = {
        path: (int(rows), int(first))
        for path, rows, first in con.execute(
            "SELECT filename, count(*), min(rowid) FROM csv_rows GROUP BY filename"
        ).fetchall()
    }
    header_width = len(files[0].header)
    newline_sum = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(header_width)
    )
    meta: dict[str, list[object]] = {"filename": [], "file_order": [], "first_rowid": [], "multiline": []}
    fallback: list[PreparedFile] = []
    for path, prepared in by_path.items():
        rows, first = stats.get(path, (0, 0))
        multiline = False
        if path in rejected:
            fallback.append(prepared)
            continue
        if 1 + rows != prepared.physical_lines:
            newlines = con.execute(
                f"SELECT coalesce(sum({newline_sum}), 0) FROM csv_rows WHERE filename = ?", [path]
            ).fetchall()[0][0]
            if 1 + rows + int(newlines) != prepared.physical_lines:
                # Blank lines or something else DuckDB skipped: row order no longer maps to lines.
                fallback.append(prepared)
                continue
            if _open_quote_suspected(con, path, header_width, newline_sum, prepared.delimiter):
                # A value that may be a quote left open: the exact parser re-reads it line by line.
                fallback.append(prepared)
                continue
            multiline = True
        prepared.parser, prepared.rows = "duckdb", rows
        for key, value in zip(meta, (path, prepared.order, first, multiline), strict=True):
            meta[key].append(value)
    if not meta["filename"]:
        drop_batch(con, name)
        return fallback
    con.register("meta_in", pa.table(meta))
    con.execute("CREATE TEMP TABLE batch_meta AS SELECT * FROM meta_in")
    con.unregister("meta_in")
    export = files[0].export
    selects, selected = projection(export, files[0].header, "m.file_order", "c.rowid", unreadable_rows=False)
    if any(meta["multiline"]):
        # Quoted values with new lines: a row starts after all the lines the rows before it used.
        con.execute(
            f"""CREATE TEMP TABLE {name} AS
                SELECT {selects}, {selected} AS _keep, m.file_order::INTEGER AS _file_order,
                       2 + (c.rowid - m.first_rowid)
                         + coalesce(sum(c._nl) OVER (PARTITION BY c.filename ORDER BY c.rowid
                                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS _line,
                       c._nl, NULL::VARCHAR AS _width_error
                FROM (SELECT rowid, *, {newline_sum} AS _nl FROM csv_rows) c JOIN batch_meta m USING (filename)"""
        )
    else:
        # One line per row (the common case): the line is the row's position; no copy is made.
        con.execute(
            f"""CREATE TEMP VIEW {name} AS
                SELECT {selects}, {selected} AS _keep, m.file_order::INTEGER AS _file_order,
                       2 + (c.rowid - m.first_rowid) AS _line,
                       0 AS _nl, NULL::VARCHAR AS _width_error
                FROM csv_rows c JOIN batch_meta m USING (filename)"""
        )
    if selected != "true":
        # The mapping takes some rows only. Lines (and generated references) were numbered over every
        # row of the file first, so they do not depend on the selection.
        con.execute(f"ALTER VIEW {name} RENAME TO {name}_all" if not any(meta["multiline"]) else
                    f"ALTER TABLE {name} RENAME TO {name}_all")  # fmt: skip
        con.execute(f"CREATE TEMP VIEW {name} AS SELECT * EXCLUDE (_keep) FROM {name}_all WHERE _keep")
    return fallback
