"""Exact, row-by-row parsing in bounded chunks: CSV that DuckDB cannot map row-for-row, JSON Lines
and Parquet. Slower than csv_batch.py, but every row keeps its true line and every malformed row is
quarantined with a reason rather than stopping the file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.model import ident
from safeguarding.ingest.errors import FileError
from safeguarding.ingest.readers import PreparedFile, field_expr, field_sources, is_null_token
from safeguarding.ingest.text import open_bytes, text_lines

CHUNK_ROWS = 50_000


class _LineTap:
    """Feeds lines to csv.reader while counting how many lines the current record used."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.used = 0

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.used += 1
        return line


class _Batches:
    """Collects rows as column lists and flushes them into a DuckDB table in bounded chunks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, names: list[str], order: int) -> None:
        self.con, self.table, self.names, self.order = con, table, names, order
        self.columns: dict[str, list[object]] = {n: [] for n in [*names, "_line", "_nl", "_width_error"]}
        self.rows = 0
        self.created = False

    def add(self, values: dict[str, str | None], line: int, nl: int, error: str | None) -> None:
        for name in self.names:
            value = values.get(name)
            self.columns[name].append(None if is_null_token(value) else value)
        self.columns["_line"].append(line)
        self.columns["_nl"].append(nl)
        self.columns["_width_error"].append(error)
        self.rows += 1
        if len(self.columns["_line"]) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        types = {"_line": pa.int64(), "_nl": pa.int64()}
        batch = pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in self.columns.items()})
        self.con.register("batch_in", batch)
        order = f"{self.order}::INTEGER AS _file_order"
        select = f"SELECT * EXCLUDE (_line, _nl, _width_error), {order}, _line, _nl, _width_error"
        if self.created:
            self.con.execute(f"INSERT INTO {self.table} {select} FROM batch_in")
        else:
            self.con.execute(f"CREATE TEMP TABLE {self.table} AS {select} FROM batch_in")
            self.created = True
        self.con.unregister("batch_in")
        for values in self.columns.values():
            values.clear()


def _apply_mapping(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> None:
    """Constants and code translations from the mapping file, applied in place."""
    export = prepared.export
    if not export.mapping:
        return
    sets = [
        f"{ident(f.name)} = {field_expr(export, f.name, f.name)}"
        for f in export.record_type.fields
        if f.name in export.mapping.constants or f.name in export.mapping.codes
    ]
    if sets:
        con.execute(f"UPDATE {table} SET {', '.join(sets)}")


def read_csv_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    """Parse one CSV file with Python's csv module (strict quoting); return rows read."""
    assert prepared.text_path is not None
    export = prepared.export
    positions, _ = field_sources(export, prepared.header)
    batches = _Batches(con, table, list(export.record_type.field_names), prepared.order)
    tap = _LineTap(text_lines(prepared.text_path, prepared.text_compressed))
    reader = csv.reader(tap, delimiter=prepared.delimiter, strict=True)
    next(reader)  # the header, already checked
    line_no = tap.used
    width = len(prepared.header)
    while True:
        start = line_no + 1
        tap.used = 0
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # A row whose quoting is broken: quarantine it and read on from the next line.
            line_no += max(tap.used, 1)
            batches.add({}, start, max(tap.used, 1) - 1, f"malformed CSV: {exc}")
            continue
        line_no += tap.used
        if not row or all(not cell.strip() for cell in row):
            continue
        values = {name: row[pos] if pos < len(row) else None for name, pos in positions.items()}
        error = None if len(row) == width else f"row has {len(row)} values; the header has {width}"
        batches.add(values, start, tap.used - 1, error)
    batches.flush()
    _apply_mapping(con, prepared, table)
    return batches.rows


def read_jsonl_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    assert prepared.text_path is not None
    export = prepared.export
    names = list(export.record_type.field_names)
    mapping = export.mapping
    sources = {name: (mapping.source_for(name) if mapping else name) for name in names}
    batches = _Batches(con, table, names, prepared.order)
    seen: set[str] = set()
    for number, line in enumerate(text_lines(prepared.text_path, prepared.text_compressed), start=1):
        if not line.strip():
            continue
        error: str | None = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            obj, error = {}, f"not a JSON object: {exc}"
        seen.update(k for k, v in obj.items() if v is not None)
        values = {n: None if obj.get(s) is None else str(obj[s]) for n, s in sources.items()}
        batches.add(values, number, 0, error)
    batches.flush()
    if batches.rows:
        constants = mapping.constants if mapping else {}
        for name in export.record_type.required_fields:
            if sources[name] not in seen and name not in constants:
                raise FileError(export.path, 1, sources[name], "required field is absent from every row")
    _apply_mapping(con, prepared, table)
    return batches.rows


def read_parquet_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    export = prepared.export
    batches = _Batches(con, table, list(export.record_type.field_names), prepared.order)
    with open_bytes(export.path, export.compressed) as fh:
        try:
            parquet = pq.ParquetFile(fh)
            positions, _ = field_sources(export, parquet.schema_arrow.names)
            row = 0
            for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
                cols = {name: batch.column(pos).cast(pa.string()).to_pylist() for name, pos in positions.items()}
                for i in range(batch.num_rows):
                    row += 1  # Parquet has no lines: "line" is the row number, counted from 1.
                    batches.add({n: c[i] for n, c in cols.items()}, row, 0, None)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileError(export.path, 1, "(file)", f"not a readable Parquet file: {exc}") from None
    batches.flush()
    _apply_mapping(con, prepared, table)
    return batches.rows
