"""Reading export files into Arrow tables of raw text, keeping each row's line number and raw text.

Parsing stays in Python (the csv module, streaming) so that every row keeps the exact line it started
on and its raw text for quarantine, and so that Windows-1252 files decode without DuckDB extensions.
Validation is then one set-based pass in DuckDB (see validate.py).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.model import RecordType
from safeguarding.contract.records import RECORD_TYPES

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_NAME_RE = re.compile(r"^(?P<type>[a-z_]+?)(-.*)?$")


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


def classify(path: Path, forced_type: str | None = None) -> ExportFile | str:
    """The export a path holds, or the reason it is not one (for the skipped list)."""
    name = path.name
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        return f"not a recognised export format (expected {', '.join(sorted(FORMATS))}, optionally .gz)"
    type_name = forced_type
    if type_name is None:
        match = _NAME_RE.match(Path(name).stem)
        type_name = match.group("type") if match else None
    if type_name not in RECORD_TYPES:
        return "file name does not start with a known record type (e.g. missing_episodes-2024-03.csv)"
    return ExportFile(path, RECORD_TYPES[type_name], FORMATS[suffix], compressed)


def _open_bytes(export: ExportFile) -> IO[bytes]:
    if export.compressed:
        return cast(IO[bytes], gzip.open(export.path, "rb"))
    return export.path.open("rb")


def _decode(export: ExportFile) -> str:
    """Text of the file: UTF-8 (with or without BOM), else Windows-1252."""
    with _open_bytes(export) as fh:
        data = fh.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise FileError(export.path, line, "(file)", "neither UTF-8 nor Windows-1252 text") from None


class _LineTap:
    """Feeds lines to csv.reader while remembering the raw text of the record being read."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.buffer: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.buffer.append(line)
        return line


def _empty_columns(names: list[str]) -> dict[str, list[str | None]]:
    return {name: [] for name in names}


def _table(columns: dict[str, list[str | None]], lines: list[int], raws: list[str]) -> pa.Table:
    arrays = {name: pa.array(values, type=pa.string()) for name, values in columns.items()}
    arrays["_line"] = pa.array(lines, type=pa.int64())
    arrays["_raw"] = pa.array(raws, type=pa.string())
    return pa.table(arrays)


def _check_header(export: ExportFile, header: list[str]) -> None:
    present = set(header)
    for name in export.record_type.required_fields:
        if name not in present:
            raise FileError(export.path, 1, name, "required column is missing from the header")


def read_csv(export: ExportFile, delimiter: str | None = None) -> pa.Table:
    text = _decode(export)
    if not text.strip():
        raise FileError(export.path, 1, "(header)", "file is empty")
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(first_line, delimiters=",;|\t").delimiter
        except csv.Error:
            delimiter = ","
    tap = _LineTap(iter(io.StringIO(text, newline="")))
    reader = csv.reader(tap, delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except csv.Error as exc:
        raise FileError(export.path, 1, "(header)", f"unreadable header: {exc}") from None
    _check_header(export, header)
    wanted = [f for f in export.record_type.field_names if f in header]
    positions = {name: header.index(name) for name in wanted}
    columns = _empty_columns([*export.record_type.field_names, "_width_error"])
    lines: list[int] = []
    raws: list[str] = []
    tap.buffer.clear()
    line_no = 1
    while True:
        start = line_no + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise FileError(export.path, start, "(row)", f"malformed CSV: {exc}") from None
        raw = "".join(tap.buffer)
        line_no += len(tap.buffer)
        tap.buffer.clear()
        if not row or all(not cell.strip() for cell in row):
            continue
        lines.append(start)
        raws.append(raw.rstrip("\r\n"))
        for name in export.record_type.field_names:
            pos = positions.get(name)
            value = row[pos] if pos is not None and pos < len(row) else None
            columns[name].append(value)
        width_ok = len(row) == len(header)
        columns["_width_error"].append(None if width_ok else f"row has {len(row)} values; the header has {len(header)}")
    return _table(columns, lines, raws)


def read_jsonl(export: ExportFile) -> pa.Table:
    text = _decode(export)
    names = list(export.record_type.field_names)
    columns = _empty_columns([*names, "_width_error"])
    lines: list[int] = []
    raws: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        lines.append(number)
        raws.append(line)
        error: str | None = None
        try:
            obj = json.loads(line)
            if not isinstance(obj, dict):
                raise ValueError("not a JSON object")
        except ValueError as exc:
            obj, error = {}, f"not a JSON object: {exc}"
        for name in names:
            value = obj.get(name)
            columns[name].append(None if value is None else str(value))
        columns["_width_error"].append(error)
    if lines:
        missing = [n for n in export.record_type.required_fields if all(v is None for v in columns[n])]
        if missing:
            raise FileError(export.path, lines[0], missing[0], "required field is absent from every row")
    return _table(columns, lines, raws)


def read_parquet(export: ExportFile) -> pa.Table:
    with _open_bytes(export) as fh:
        try:
            table = pq.read_table(fh)
        except (pa.ArrowInvalid, OSError) as exc:
            raise FileError(export.path, 1, "(file)", f"not a readable Parquet file: {exc}") from None
    _check_header(export, table.column_names)
    n = table.num_rows
    columns: dict[str, list[str | None]] = {}
    for name in export.record_type.field_names:
        if name in table.column_names:
            columns[name] = table.column(name).cast(pa.string()).to_pylist()
        else:
            columns[name] = [None] * n
    columns["_width_error"] = [None] * n
    # Parquet has no lines: "line" is the row number, counted from 1.
    records = table.to_pylist()
    raws = [json.dumps(r, default=str, sort_keys=True) for r in records]
    return _table(columns, list(range(1, n + 1)), raws)


def read_export(export: ExportFile, delimiter: str | None = None) -> pa.Table:
    """The file as an Arrow table: one string column per contract field, plus _line, _raw and
    _width_error (a reason when the row itself is malformed)."""
    if export.fmt == "csv":
        return read_csv(export, delimiter)
    if export.fmt == "jsonl":
        return read_jsonl(export)
    return read_parquet(export)
