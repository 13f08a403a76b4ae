"""Exact, row-by-row parsing in bounded chunks: CSV that DuckDB cannot map row-for-row, JSON Lines
and Parquet. Slower than csv_batch.py, but every row keeps its true line and every malformed row is
quarantined with a reason rather than stopping the file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.ingest.errors import FileError
from safeguarding.ingest.readers import PreparedFile, field_sources, projection, source_columns
from safeguarding.ingest.text import open_bytes, text_lines

CHUNK_ROWS = 50_000
_US, _RS = "\x1f", "\x1e"  # unit and record separators: "field<US>reason", joined by <RS>


# A quoted value may span lines (narratives do), but not without bound: a record that spans more lines
# than this is taken to be a quote left open, as is one that runs to the end of the file.
MAX_RECORD_LINES = 1_000


class _OverlongRecord(Exception):
    """Raised through csv.reader when one record has used more than MAX_RECORD_LINES lines."""


class _LineTap:
    """Feeds lines to csv.reader, keeping the lines of the current record so they can be read again.

    When a record that spans lines turns out to be broken (its quoting fails, it has the wrong width,
    or it runs past MAX_RECORD_LINES or to the end of the file), only its first line is quarantined and
    reading starts again on the line after it: one stray quote can cost one row, never the rest of the file.
    """

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self._again: list[str] = []  # lines to read again, last first
        self.record: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = self._again.pop() if self._again else next(self._lines)
        self.record.append(line)
        if len(self.record) > MAX_RECORD_LINES:
            raise _OverlongRecord
        return line

    @property
    def used(self) -> int:
        return len(self.record)

    def start_record(self) -> None:
        self.record = []

    def reread_after_first(self) -> None:
        """Give back every line of the current record but its first, to be read again."""
        self._again.extend(reversed(self.record[1:]))
        self.record = self.record[:1]


class _Batches:
    """Collects rows as raw column lists (``c<i>``) and flushes them into a DuckDB table in bounded chunks."""

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, width: int, order: int) -> None:
        self.con, self.table, self.width, self.order = con, table, width, order
        self.names = [f"c{i}" for i in range(width)]
        self.columns: dict[str, list[object]] = {n: [] for n in [*self.names, "_line", "_nl", "_width_error"]}
        self.rows = 0
        self.created = False

    def add(self, values: list[str | None], line: int, nl: int, error: str | None) -> None:
        for i, name in enumerate(self.names):
            # Passed on untouched: values are cleaned in SQL, the same way for every reader.
            self.columns[name].append(values[i] if i < len(values) else None)
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


def _project(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, raw_names: list[str], table: str) -> None:
    """The raw columns as the contract's fields (readers.projection: the same SQL as csv_batch.py)."""
    raw = f"{table}_raw"
    selects, selected = projection(prepared.export, raw_names, "_file_order", "_line", unreadable_rows=True)
    con.execute(
        f"""CREATE TEMP TABLE {table} AS SELECT * EXCLUDE (_keep) FROM (
                SELECT {selects}, {selected} AS _keep, _file_order, _line, _nl, _width_error FROM {raw}
            ) WHERE _keep"""
    )
    con.execute(f"DROP TABLE {raw}")


def swallows_records(inner: list[str], delimiter: str, width: int) -> bool:
    """Whether lines wholly inside a quoted value look like rows of the file: no quote, and exactly as many
    delimiters as a row has. A narrative rarely looks like that; the rows after a stray quote always do.
    csv_batch.py applies the same test in SQL, so both parsers decide alike."""
    return width > 1 and any('"' not in line and line.count(delimiter) == width - 1 for line in inner)


def _undecodable_error(prepared: PreparedFile, start: int, used: int) -> str | None:
    bad = [n for n in range(start, start + max(used, 1)) if n in prepared.undecodable]
    if not bad:
        return None
    return f"line {bad[0]} is not {prepared.encoding.split()[0]} text ({prepared.undecodable[bad[0]]})"


def read_csv_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    """Parse one CSV file with Python's csv module (strict quoting); return rows read.

    Every physical line after the header ends up in exactly one row (or is blank): that is checked
    at the end, and a file where it does not hold is refused rather than loaded short.
    """
    assert prepared.text_path is not None
    export = prepared.export
    field_sources(export, prepared.header)  # refuses a file missing a column the entry needs
    batches = _Batches(con, f"{table}_raw", len(prepared.header), prepared.order)
    tap = _LineTap(text_lines(prepared.text_path, prepared.text_compressed))
    reader = csv.reader(tap, delimiter=prepared.delimiter, strict=True)
    next(reader)  # the header, already checked
    line_no = tap.used
    width = len(prepared.header)
    accounted = 0  # physical lines after the header that rows (or blank lines) account for
    while True:
        start = line_no + 1
        tap.start_record()
        error: str | None = None
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            error = f"malformed CSV: {exc}"
            row = []
        except _OverlongRecord:
            error = f"a quoted value opened on line {start} is still open {MAX_RECORD_LINES} lines later"
            row = []
            reader = csv.reader(tap, delimiter=prepared.delimiter, strict=True)  # a fresh parser state
        if error is None and tap.used > 2 and swallows_records(tap.record[1:-1], prepared.delimiter, width):
            error = f"a quoted value opened on line {start} holds lines that are records of their own: "
            error += "a quote left open?"
        if error is None and tap.used > 1 and len(row) != width:
            error = f"a quoted value opened on line {start} spans {tap.used} lines and leaves the row with "
            error += f"{len(row)} values (the header has {width}): a quote left open?"
        if error is not None:
            # Quarantine the first line alone and read on from the next: the lines a broken quote took
            # with it are rows of their own.
            if tap.used > 1 and "end of data" in error:
                error = f"a quoted value opened on line {start} is never closed"
            tap.reread_after_first()
            line_no += 1
            accounted += 1
            batches.add([], start, 0, _undecodable_error(prepared, start, 1) or error)
            continue
        line_no += tap.used
        accounted += tap.used
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # a blank line (DuckDB's reader skips them too); ",,," is a row, as it is there
        values: list[str | None] = list(row)
        error = _undecodable_error(prepared, start, tap.used)
        if error is None and len(row) != width:
            error = f"row has {len(row)} values; the header has {width}"
        batches.add(values, start, tap.used - 1, error)
    batches.flush()
    if accounted + 1 != prepared.physical_lines and prepared.physical_lines > 1:
        raise FileError(
            export.path, 1 + accounted, "(file)",
            f"rows account for {accounted + 1} of {prepared.physical_lines} lines; refused rather than loaded short",
        )  # fmt: skip
    _project(con, prepared, prepared.header, table)
    return batches.rows


def _json_value(value: object) -> tuple[str | None, str | None]:
    """(the text to load, or why the value cannot be one field's value)."""
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, int | float):
        return json.dumps(value), None
    kind = "a list" if isinstance(value, list) else "an object"
    return None, f"expected a single value, got {kind} ({json.dumps(value)[:60]})"


def _no_repeated_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ValueError(f"key {repeated[0]!r} appears more than once, so which value is meant is unknown")
    return dict(pairs)


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not a JSON value")


def read_jsonl_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    assert prepared.text_path is not None
    export = prepared.export
    mapping = export.mapping
    columns = source_columns(export)
    # A problem with a value is reported against the contract field it feeds (or the column, if none).
    fed = {(mapping.source_for(f.name) if mapping else f.name): f.name for f in export.record_type.fields}
    batches = _Batches(con, f"{table}_raw", len(columns), prepared.order)
    seen: set[str] = set()
    for number, line in enumerate(text_lines(prepared.text_path, prepared.text_compressed), start=1):
        if not line.strip():
            continue
        error = _undecodable_error(prepared, number, 1)
        try:
            obj = json.loads(line, object_pairs_hook=_no_repeated_keys, parse_constant=_no_constants)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            obj, error = {}, error or f"not a JSON object: {exc}"
        except RecursionError:
            obj, error = {}, error or "JSON nested too deeply to be a record"
        seen.update(k for k, v in obj.items() if v is not None)
        values: list[str | None] = []
        problems: list[str] = []
        for column in columns:
            value, problem = _json_value(obj.get(column))
            values.append(value)
            if problem:
                problems.append(f"{fed.get(column, column)}{_US}{problem}")
        if error is None and problems:
            error = _RS.join(problems)  # field-level problems: validate reports each against its field
        batches.add(values, number, 0, error)
    batches.flush()
    if batches.rows:
        made = {*mapping.constants, *mapping.derive} if mapping else set()
        for name in export.record_type.required_fields:
            source = mapping.source_for(name) if mapping else name
            if source not in seen and name not in made:
                raise FileError(export.path, 1, source, "required field is absent from every row")
    _project(con, prepared, columns, table)
    return batches.rows


def _as_text(path: Path, name: str, column: pa.ChunkedArray | pa.Array) -> list[str | None]:
    """A Parquet column's values as text; a column of lists or structs is not one value per row."""
    try:
        return column.cast(pa.string()).to_pylist()  # type: ignore[no-any-return]
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        raise FileError(path, 1, name, f"holds {column.type} values; the contract wants one value a row") from None


def read_parquet_rows(con: duckdb.DuckDBPyConnection, prepared: PreparedFile, table: str) -> int:
    export = prepared.export
    with open_bytes(export.path, export.compressed) as fh:
        try:
            parquet = pq.ParquetFile(fh)
            names = parquet.schema_arrow.names
            field_sources(export, names)  # refuses a file missing a column the entry needs
            columns = [c for c in source_columns(export) if c in names]
            batches = _Batches(con, f"{table}_raw", len(columns), prepared.order)
            row = 0
            for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=columns):
                cols = [_as_text(export.path, columns[i], batch.column(i)) for i in range(len(columns))]
                for i in range(batch.num_rows):
                    row += 1  # Parquet has no lines: "line" is the row number, counted from 1.
                    batches.add([c[i] for c in cols], row, 0, None)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileError(export.path, 1, "(file)", f"not a readable Parquet file: {exc}") from None
    batches.flush()
    _project(con, prepared, columns, table)
    return batches.rows
