"""Reading an export file into a DuckDB table of raw text, one column per contract field.

Every row keeps the physical line it starts on (``_line``), how many further lines it spans
(``_nl``, for quoted values with new lines) and a reason if the row itself is malformed
(``_width_error``). CSV is parsed by DuckDB's reader (fast path); a file DuckDB cannot read
row-for-row (ragged rows, broken quotes, blank lines) is parsed again by Python's csv module in
bounded chunks, which is slower but exact. Files that are not UTF-8 are transcoded from
Windows-1252 to a temporary UTF-8 file first (DuckDB extensions for encodings are unavailable here).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.model import RecordType, ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.ingest.mapping import FileMapping, Mapping

FORMATS = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_NAME_RE = re.compile(r"^(?P<type>[a-z_]+?)(-.*)?$")
CHUNK_ROWS = 50_000
_BLOCK = 1 << 20
MAX_FIELD = 64 << 20  # the largest single value accepted (narratives can be long; not unbounded)
csv.field_size_limit(MAX_FIELD)


class FileError(Exception):
    """A file that cannot be loaded at all; the message names the file, line and field."""

    def __init__(self, path: Path, line: int, field: str, reason: str) -> None:
        super().__init__(f"{path}: line {line}, field {field!r}: {reason}")
        self.path, self.line, self.field, self.reason = path, line, field, reason


@dataclass(frozen=True)
class ExportFile:
    path: Path
    record_type: RecordType
    fmt: str
    compressed: bool
    mapping: FileMapping | None = None


@dataclass
class RawInfo:
    rows: int
    method: str  # "duckdb" or "python" (CSV), "json", "parquet"
    ignored_columns: list[str] = field(default_factory=list)
    text_path: Path | None = None  # UTF-8 text the raw lines can be read back from
    text_compressed: bool = False


def classify(path: Path, mapping: Mapping | None = None, forced_type: str | None = None) -> ExportFile | str:
    """The export a path holds, or the reason it is not one (for the skipped list)."""
    name = path.name
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        return f"not a recognised export format (expected {', '.join(sorted(FORMATS))}, optionally .gz)"
    entry = mapping.for_file(path) if mapping else None
    type_name = forced_type or (entry.record_type if entry else None)
    if type_name is None:
        match = _NAME_RE.match(Path(name).stem)
        type_name = match.group("type") if match else None
    if type_name not in RECORD_TYPES:
        return "file name does not start with a known record type (e.g. missing_episodes-2024-03.csv)"
    return ExportFile(path, RECORD_TYPES[type_name], FORMATS[suffix], compressed, entry)


def _open_bytes(path: Path, compressed: bool) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if compressed else path.open("rb")


def utf8_text(export: ExportFile, workdir: Path) -> tuple[Path, bool, int]:
    """A UTF-8 copy of the file's text (the file itself when it already is UTF-8).

    Returns (path, compressed, physical line count). The file is streamed, never read whole.
    """
    lines, last = 0, b"\n"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with _open_bytes(export.path, export.compressed) as fh:
            for block in iter(lambda: fh.read(_BLOCK), b""):
                if b"\x00" in block:
                    line = lines + block[: block.index(b"\x00")].count(b"\n") + 1
                    raise FileError(export.path, line, "(file)", "contains NUL bytes: binary data or UTF-16 text")
                decoder.decode(block)
                lines += block.count(b"\n")
                last = block[-1:]
            decoder.decode(b"", final=True)
        return export.path, export.compressed, lines + (0 if last == b"\n" else 1)
    except UnicodeDecodeError:
        pass
    except (OSError, EOFError) as exc:
        raise FileError(export.path, lines + 1, "(file)", f"cannot be read: {exc}") from None
    target = workdir / (export.path.name.removesuffix(".gz") + ".utf8")
    lines, last = 0, b"\n"
    with _open_bytes(export.path, export.compressed) as src, target.open("wb") as out:
        for block in iter(lambda: src.read(_BLOCK), b""):
            try:
                out.write(block.decode("cp1252").encode("utf-8"))
            except UnicodeDecodeError as exc:
                line = lines + block[: exc.start].count(b"\n") + 1
                raise FileError(export.path, line, "(file)", "neither UTF-8 nor Windows-1252 text") from None
            lines += block.count(b"\n")
            last = block[-1:]
    return target, False, lines + (0 if last == b"\n" else 1)


def _text_lines(path: Path, compressed: bool) -> Iterator[str]:
    with _open_bytes(path, compressed) as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
        yield from fh


def _header(path: Path, compressed: bool, export: ExportFile, delimiter: str | None) -> tuple[list[str], str]:
    first = next(iter(_text_lines(path, compressed)), "")
    if not first.strip():
        raise FileError(export.path, 1, "(header)", "file is empty or has no header row")
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(first, delimiters=",;|\t").delimiter
        except csv.Error:
            delimiter = ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise FileError(export.path, 1, name, "column appears twice in the header")
        seen.add(name)
    return header, delimiter


def _field_sources(export: ExportFile, header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Contract field -> position in the file; and the file's columns the contract does not use."""
    mapping = export.mapping
    positions: dict[str, int] = {}
    for f in export.record_type.fields:
        source = mapping.source_for(f.name) if mapping else f.name
        if source in header:
            positions[f.name] = header.index(source)
    constants = mapping.constants if mapping else {}
    for name in export.record_type.required_fields:
        if name not in positions and name not in constants:
            source = mapping.source_for(name) if mapping else name
            raise FileError(export.path, 1, source, "required column is missing from the header")
    used = set(positions.values())
    return positions, [h for i, h in enumerate(header) if i not in used]


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _field_expr(export: ExportFile, name: str, column: str | None) -> str:
    """SQL for one contract field from the file's column, with the mapping's constants and codes."""
    mapping = export.mapping
    if mapping and name in mapping.constants:
        return _sql_text(mapping.constants[name])
    if column is None:
        return "NULL::VARCHAR"
    expr = ident(column)
    if mapping and name in mapping.codes:
        cases = " ".join(f"WHEN {_sql_text(k)} THEN {_sql_text(v)}" for k, v in mapping.codes[name].items())
        expr = f"CASE trim({expr}) {cases} ELSE {expr} END"
    return expr


def _read_csv_duckdb(
    con: duckdb.DuckDBPyConnection, export: ExportFile, text: Path, compressed: bool, header: list[str],
    delimiter: str, physical_lines: int, table: str,
) -> int | None:  # fmt: skip
    """Parse with DuckDB; None when the file needs the exact Python parser instead."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    con.execute("DROP TABLE IF EXISTS csv_rows")
    try:
        con.execute(
            f"""CREATE TEMP TABLE csv_rows AS SELECT * FROM read_csv({_sql_text(str(text))}, auto_detect = false,
                  header = false, skip = 1, columns = {columns}, delim = {_sql_text(delimiter)}, quote = '"',
                  escape = '"', strict_mode = true, ignore_errors = true, store_rejects = true,
                  rejects_table = 'csv_rejects', rejects_scan = 'csv_scans', max_line_size = {MAX_FIELD},
                  compression = {_sql_text("gzip" if compressed else "none")})"""
        )
    except duckdb.Error:
        # Input DuckDB's reader cannot even skip over: the exact parser will say which row is wrong.
        for table_name in ("csv_rows", "csv_rejects", "csv_scans"):
            con.execute(f"DROP TABLE IF EXISTS {table_name}")
        return None
    rejects = con.execute("SELECT count(*) FROM csv_rejects").fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS csv_rejects")
    con.execute("DROP TABLE IF EXISTS csv_scans")
    rows = int(con.execute("SELECT count(*) FROM csv_rows").fetchall()[0][0])
    positions, _ = _field_sources(export, header)
    selects = ", ".join(
        f"{_field_expr(export, f.name, f'c{positions[f.name]}' if f.name in positions else None)} AS {ident(f.name)}"
        for f in export.record_type.fields
    )
    if not rejects and 1 + rows == physical_lines:
        # One line per row (the common case): the line number is the row's position, no copy needed.
        con.execute(
            f"""CREATE TEMP VIEW {table} AS
                SELECT {selects}, 2 + rowid AS _line, 0 AS _nl, NULL::VARCHAR AS _width_error FROM csv_rows"""
        )
        return rows
    newline_count = " + ".join(
        f"coalesce(length(c{i}) - length(replace(c{i}, chr(10), '')), 0)" for i in range(len(header))
    )
    newlines = con.execute(f"SELECT coalesce(sum({newline_count}), 0) FROM csv_rows").fetchall()[0][0]
    if rejects or 1 + rows + newlines != physical_lines:
        # Malformed rows or blank lines: DuckDB's row order no longer maps to physical lines.
        con.execute("DROP TABLE csv_rows")
        return None
    # Quoted values with new lines: a row starts after all the lines the rows before it used.
    con.execute(
        f"""CREATE TEMP TABLE {table} AS
            SELECT {selects},
                   2 + rowid + coalesce(sum(_nl) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED PRECEDING
                                                       AND 1 PRECEDING), 0) AS _line,
                   _nl, NULL::VARCHAR AS _width_error
            FROM (SELECT rowid, *, {newline_count} AS _nl FROM csv_rows)"""
    )
    con.execute("DROP TABLE csv_rows")
    return int(rows)


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

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, names: list[str]) -> None:
        self.con, self.table, self.names = con, table, names
        self.columns: dict[str, list[object]] = {n: [] for n in [*names, "_line", "_nl", "_width_error"]}
        self.rows = 0
        self.created = False

    def add(self, values: dict[str, str | None], line: int, nl: int, error: str | None) -> None:
        for name in self.names:
            self.columns[name].append(values.get(name))
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
        if self.created:
            self.con.execute(f"INSERT INTO {self.table} SELECT * FROM batch_in")
        else:
            self.con.execute(f"CREATE TEMP TABLE {self.table} AS SELECT * FROM batch_in")
            self.created = True
        self.con.unregister("batch_in")
        for values in self.columns.values():
            values.clear()


def _read_csv_python(
    con: duckdb.DuckDBPyConnection, export: ExportFile, text: Path, compressed: bool, header: list[str],
    delimiter: str, table: str,
) -> int:  # fmt: skip
    positions, _ = _field_sources(export, header)
    batches = _Batches(con, table, list(export.record_type.field_names))
    tap = _LineTap(_text_lines(text, compressed))
    reader = csv.reader(tap, delimiter=delimiter, strict=True)
    next(reader)  # the header, already checked
    line_no = tap.used
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
        error = None if len(row) == len(header) else f"row has {len(row)} values; the header has {len(header)}"
        batches.add(values, start, tap.used - 1, error)
    batches.flush()
    _apply_mapping(con, export, table)
    return batches.rows


def _apply_mapping(con: duckdb.DuckDBPyConnection, export: ExportFile, table: str) -> None:
    """Constants and code translations from the mapping file, applied in place."""
    if not export.mapping:
        return
    sets = [f"{ident(f.name)} = {_field_expr(export, f.name, f.name)}" for f in export.record_type.fields
            if f.name in export.mapping.constants or f.name in export.mapping.codes]  # fmt: skip
    if sets:
        con.execute(f"UPDATE {table} SET {', '.join(sets)}")


def _read_jsonl(con: duckdb.DuckDBPyConnection, export: ExportFile, text: Path, compressed: bool, table: str) -> int:
    names = list(export.record_type.field_names)
    mapping = export.mapping
    sources = {name: (mapping.source_for(name) if mapping else name) for name in names}
    batches = _Batches(con, table, names)
    seen: set[str] = set()
    for number, line in enumerate(_text_lines(text, compressed), start=1):
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
    _apply_mapping(con, export, table)
    return batches.rows


def _read_parquet(con: duckdb.DuckDBPyConnection, export: ExportFile, table: str) -> int:
    with _open_bytes(export.path, export.compressed) as fh:
        try:
            parquet = pq.ParquetFile(fh)
            header = parquet.schema_arrow.names
            positions, _ = _field_sources(export, header)
            batches = _Batches(con, table, list(export.record_type.field_names))
            row = 0
            for batch in parquet.iter_batches(batch_size=CHUNK_ROWS):
                cols = {name: batch.column(pos).cast(pa.string()).to_pylist() for name, pos in positions.items()}
                for i in range(batch.num_rows):
                    row += 1  # Parquet has no lines: "line" is the row number, counted from 1.
                    batches.add({n: c[i] for n, c in cols.items()}, row, 0, None)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileError(export.path, 1, "(file)", f"not a readable Parquet file: {exc}") from None
    batches.flush()
    _apply_mapping(con, export, table)
    return batches.rows


def read_export(
    con: duckdb.DuckDBPyConnection, export: ExportFile, table: str, workdir: Path, delimiter: str | None = None
) -> RawInfo:
    """Create ``table`` with one VARCHAR column per contract field plus _line, _nl and _width_error."""
    drop_raw(con, table)
    if export.fmt == "parquet":
        return RawInfo(_read_parquet(con, export, table), "parquet")
    text, compressed, physical = utf8_text(export, workdir)
    if export.fmt == "jsonl":
        return RawInfo(_read_jsonl(con, export, text, compressed, table), "json", [], text, compressed)
    if export.mapping and export.mapping.delimiter:
        delimiter = export.mapping.delimiter
    header, delim = _header(text, compressed, export, delimiter)
    _, ignored = _field_sources(export, header)
    rows = _read_csv_duckdb(con, export, text, compressed, header, delim, physical, table)
    method = "duckdb"
    if rows is None:
        rows, method = _read_csv_python(con, export, text, compressed, header, delim, table), "python"
    return RawInfo(rows, method, ignored, text, compressed)


def drop_raw(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Drop what read_export made (a table, or a view over DuckDB's parsed rows)."""
    kinds = con.execute(
        "SELECT 'view' FROM duckdb_views() WHERE view_name = ? UNION ALL "
        "SELECT 'table' FROM duckdb_tables() WHERE table_name = ?",
        [table, table],
    ).fetchall()
    for (kind,) in kinds:
        con.execute(f"DROP {kind.upper()} {table}")
    con.execute("DROP TABLE IF EXISTS csv_rows")


def raw_lines(path: Path, compressed: bool, wanted: dict[int, int]) -> dict[int, str]:
    """The raw text of records starting at the given lines (line -> extra lines it spans)."""
    if not wanted:
        return {}
    out: dict[int, str] = {}
    last = max(wanted)
    collecting: tuple[int, int, list[str]] | None = None
    for number, line in enumerate(_text_lines(path, compressed), start=1):
        if collecting is None and number in wanted:
            collecting = (number, number + wanted[number], [])
        if collecting is not None:
            collecting[2].append(line)
            if number >= collecting[1]:
                out[collecting[0]] = "".join(collecting[2]).rstrip("\r\n")
                collecting = None
        if number >= last and collecting is None:
            break
    return out


def cleanup(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)
