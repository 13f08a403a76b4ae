"""What an export file is, and how its columns map onto the contract.

Reading happens in two places: csv_batch.py parses CSV files with DuckDB's reader, many files of
the same shape in one parallel pass; rowwise.py parses what DuckDB cannot map row-for-row (ragged
rows, broken quotes, blank lines), JSON Lines and Parquet, exactly and in bounded chunks. Both
produce the same raw table: one VARCHAR column per contract field, plus ``_file_order``, ``_line``
(the physical line a row starts on), ``_nl`` (further lines it spans) and ``_width_error``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from safeguarding.contract.model import RecordType, clean_text, ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.ingest.errors import FileError
from safeguarding.ingest.mapping import FileMapping, Mapping
from safeguarding.ingest.text import read_header, utf8_text

__all__ = ["ExportFile", "FileError", "PreparedFile", "classify", "prepare"]

FORMATS = {".csv": "csv", ".txt": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_NAME_RE = re.compile(r"^(?P<type>[a-z_]+?)(-.*)?$")


@dataclass(frozen=True)
class ExportFile:
    path: Path
    record_type: RecordType
    fmt: str
    compressed: bool
    mapping: FileMapping | None = None


@dataclass
class PreparedFile:
    """An export checked at file level and ready to parse."""

    export: ExportFile
    order: int  # position in the load; rows carry it as _file_order
    sha256: str
    text_path: Path | None = None  # UTF-8 text (the file itself, or a transcoded copy)
    text_compressed: bool = False
    physical_lines: int = 0
    encoding: str = ""  # how the bytes were decoded (text.utf8_text decides, once per file)
    undecodable: dict[int, str] = field(default_factory=dict)  # line -> why its bytes could not be decoded
    header: list[str] = field(default_factory=list)
    delimiter: str = ","
    parser: str = ""  # filled in by whoever parses it
    rows: int = 0

    @property
    def shape(self) -> tuple[object, ...]:
        """Files of one shape can be parsed by DuckDB in one pass (a file with undecodable lines cannot)."""
        mapping = self.export.mapping.match if self.export.mapping else None
        if self.undecodable:
            return ("exact", self.order)
        return (self.export.record_type.name, tuple(self.header), self.delimiter, self.text_compressed, mapping)


def classify(path: Path, mapping: Mapping | None = None) -> ExportFile | str:
    """The export a path holds, or the reason it is not one (for the skipped list)."""
    name = path.name
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        return f"not a recognised export format (expected {', '.join(sorted(FORMATS))}, optionally .gz)"
    entry = mapping.for_file(path) if mapping else None
    type_name = entry.record_type if entry else None
    if type_name is None:
        match = _NAME_RE.match(Path(name).stem)
        type_name = match.group("type") if match else None
    if type_name not in RECORD_TYPES:
        return "file name does not start with a known record type (e.g. missing_episodes-2024-03.csv)"
    return ExportFile(path, RECORD_TYPES[type_name], FORMATS[suffix], compressed, entry)


def prepare(export: ExportFile, order: int, sha256: str, workdir: Path, delimiter: str | None) -> PreparedFile:
    """Decode (or transcode) the text, count its lines and check its header. Raises FileError."""
    prepared = PreparedFile(export, order, sha256)
    if export.fmt == "parquet":
        return prepared
    text = utf8_text(export.path, export.compressed, workdir / f"text-{order}")
    prepared.text_path, prepared.text_compressed, prepared.physical_lines = text.path, text.compressed, text.lines
    prepared.encoding, prepared.undecodable = text.encoding, text.undecodable
    if 1 in text.undecodable:
        raise FileError(export.path, 1, "(header)", f"the header is not UTF-8 text: {text.undecodable[1]}")
    if export.fmt == "csv":
        if export.mapping and export.mapping.delimiter:
            delimiter = export.mapping.delimiter
        prepared.header, prepared.delimiter = read_header(text.path, text.compressed, export.path, delimiter)
        field_sources(export, prepared.header)  # a required column missing refuses the file now
    return prepared


def field_sources(export: ExportFile, header: list[str]) -> tuple[dict[str, int], list[str]]:
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


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def field_expr(export: ExportFile, name: str, column: str | None) -> str:
    """SQL for one contract field from a raw column, with the mapping's constants and codes."""
    mapping = export.mapping
    if mapping and name in mapping.constants:
        return sql_text(mapping.constants[name])
    if column is None:
        return "NULL::VARCHAR"
    expr = ident(column)
    if mapping and name in mapping.codes:
        cases = " ".join(f"WHEN {sql_text(k)} THEN {sql_text(v)}" for k, v in mapping.codes[name].items())
        expr = f"CASE {clean_text(expr)} {cases} ELSE {expr} END"
    return expr
