"""What an export file is, and how its columns map onto the contract.

Reading happens in two places: csv_batch.py parses CSV files with DuckDB's reader, many files of
the same shape in one parallel pass; rowwise.py parses what DuckDB cannot map row-for-row (ragged
rows, broken quotes, blank lines), JSON Lines and Parquet, exactly and in bounded chunks. Both
produce the same raw table: one VARCHAR column per contract field, plus ``_file_order``, ``_line``
(the physical line a row starts on), ``_nl`` (further lines it spans) and ``_width_error``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
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
        mapping = (self.export.mapping.match, self.export.mapping.part) if self.export.mapping else None
        if self.undecodable:
            return ("exact", self.order)
        return (self.export.record_type.name, tuple(self.header), self.delimiter, self.text_compressed, mapping)


def classify(path: Path, mapping: Mapping | None = None) -> list[ExportFile] | str:
    """The exports a path holds (one per mapping entry that matches it; one from the file's name
    otherwise), or the reason it holds none (for the skipped list)."""
    name = path.name
    compressed = name.endswith(".gz")
    if compressed:
        name = name[:-3]
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        return f"not a recognised export format (expected {', '.join(sorted(FORMATS))}, optionally .gz)"
    entries = mapping.all_for_file(path) if mapping else ()
    if entries:
        return [ExportFile(path, RECORD_TYPES[e.record_type], FORMATS[suffix], compressed, e) for e in entries]
    match = _NAME_RE.match(Path(name).stem)
    type_name = match.group("type") if match else None
    if type_name not in RECORD_TYPES:
        return "file name does not start with a known record type (e.g. missing_episodes-2024-03.csv)"
    return [ExportFile(path, RECORD_TYPES[type_name], FORMATS[suffix], compressed)]


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
    """Contract field -> position in the file; and the file's columns the entry does not use.

    Raises FileError when a required field has no source or a column the mapping reads is absent."""
    mapping = export.mapping
    positions: dict[str, int] = {}
    for f in export.record_type.fields:
        source = mapping.source_for(f.name) if mapping else f.name
        if source in header:
            positions[f.name] = header.index(source)
    made = {*mapping.constants, *mapping.derive} if mapping else set()
    for name in export.record_type.required_fields:
        if name not in positions and name not in made:
            source = mapping.source_for(name) if mapping else name
            raise FileError(export.path, 1, source, "required column is missing from the header")
    referenced = mapping.referenced_columns() if mapping else ()
    for column in referenced:
        if column not in header:
            raise FileError(export.path, 1, column, "the mapping reads this column, but the header has none such")
    used = set(positions.values()) | {header.index(c) for c in referenced}
    return positions, [h for i, h in enumerate(header) if i not in used]


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def source_columns(export: ExportFile) -> list[str]:
    """The columns an export's rows are read into, for readers with no header (JSON Lines, Parquet)."""
    mapping = export.mapping
    names = [mapping.source_for(f.name) if mapping else f.name for f in export.record_type.fields]
    if mapping:
        names.extend(mapping.referenced_columns())
    return list(dict.fromkeys(names))


def projection(
    export: ExportFile, raw_names: list[str], file_key: str, order_by: str, unreadable_rows: bool
) -> tuple[str, str]:
    """SQL turning a raw table (column ``c<i>`` holds the source column ``raw_names[i]``) into the
    contract's fields: (the select list, the condition for rows this export takes).

    One projection for every reader: constants, derived values and code tables are applied here, so a
    mapping means the same whichever parser read the file. ``file_key`` and ``order_by`` tell files apart
    and order rows within one (for the counter of generated references); ``unreadable_rows`` says whether
    the raw table has rows its parser could not read (``_width_error``).
    """
    mapping = export.mapping
    position = {name: i for i, name in enumerate(raw_names)}

    def col(name: str) -> str:
        return f"c{position[name]}" if name in position else "NULL::VARCHAR"

    selects = []
    for f in export.record_type.fields:
        expr = _field_value(export, f.name, col, file_key, order_by)
        if mapping and f.name in mapping.codes:
            table = mapping.codes[f.name]
            cases = " ".join(f"WHEN {sql_text(k)} THEN {sql_text(v)}" for k, v in table.items() if k != "*")
            # "*" is the code for any other value; without it an unlisted value is kept, for the check to refuse.
            other = (
                f"CASE WHEN {clean_text(expr)} IS NULL THEN NULL ELSE {sql_text(table['*'])} END"
                if "*" in table
                else expr
            )
            expr = f"CASE {clean_text(expr)} {cases} ELSE {other} END"
        selects.append(f"{expr} AS {ident(f.name)}")
    condition = "true"
    if mapping and mapping.where:
        w = mapping.where
        value = clean_text(col(w.column))
        listed = ", ".join(sql_text(v) for v in w.values)
        test = {
            "present": f"{value} IS NOT NULL",
            "absent": f"{value} IS NULL",
            "equals": f"{value} IS NOT DISTINCT FROM {listed}",
            "in": f"coalesce({value} IN ({listed}), false)",
            "not_in": f"coalesce({value} NOT IN ({listed}), true)",
        }[w.test]
        condition = test
        if unreadable_rows:
            # A row no parser could read has no values to test: the first entry for the file quarantines it.
            bad = "_width_error IS NOT NULL AND NOT contains(_width_error, chr(31))"
            condition = f"(({bad}) AND {mapping.part} = 0) OR (NOT coalesce({bad}, false) AND {test})"
    return ", ".join(selects), condition


def _field_value(export: ExportFile, name: str, col: Callable[[str], str], file_key: str, order_by: str) -> str:
    mapping = export.mapping
    if mapping and name in mapping.constants:
        return sql_text(mapping.constants[name])
    if not mapping or name not in mapping.derive:
        return col(mapping.source_for(name) if mapping else name)
    d = mapping.derive[name]
    if d.kind == "template":
        # Missing when any column it names is missing: "{Longitude},{Latitude}" of a row with no point is
        # no location, not ",".
        parts, present = [], []
        for literal, column, _, _ in string.Formatter().parse(d.text):
            if literal:
                parts.append(sql_text(literal))
            if column:
                parts.append(clean_text(col(column)))
                present.append(f"{clean_text(col(column))} IS NOT NULL")
        joined = "concat(" + ", ".join(parts or ["''"]) + ")"
        return f"CASE WHEN {' AND '.join(present)} THEN {joined} END" if present else joined
    assert d.column is not None or d.kind == "generated"
    if d.kind == "month":
        value = clean_text(col(str(d.column)))
        field = export.record_type.field(name)
        start = "-01" if field.type == "date" else "-01T00:00:00+00:00"
        # Anything but YYYY-MM is passed on as it is, for the field's own check to quarantine.
        month = f"regexp_full_match({value}, '[0-9]{{4}}-[0-9]{{2}}')"
        return f"CASE WHEN {month} THEN {value} || '{start}' ELSE {value} END"
    if d.kind == "split":
        value = clean_text(col(str(d.column)))
        return f"nullif(trim(split_part({value}, {sql_text(d.separator)}, {d.part})), '')"
    # generated: the row's own reference where it has one, else one made from its values; rows alike in
    # every source column are told apart by their order in the file, so re-reading gives the same refs.
    own = clean_text(col(d.column)) if d.column else "NULL::VARCHAR"
    cleaned = [clean_text(col(c)) for c in d.sources]  # cleaned: the readers differ on '' and NULL
    encoded = ", ".join(f"coalesce(length({c})::VARCHAR || ':' || {c}, '-')" for c in cleaned)
    digest = f"left(sha256(concat({encoded})), 16)"
    counter = f"row_number() OVER (PARTITION BY {file_key}, {digest} ORDER BY {order_by})"
    return f"coalesce({own}, 'G' || {digest} || '-' || {counter})"
