"""`safeguarding resolve`: the force's linkage method on any CSV or Parquet table of people.

This is how the method is measured on other people's data (Splink's fake_1000, FEBRL): the file's
columns are mapped onto the standard person fields, the same features and comparisons are built,
a model is trained for that file alone, and every input row gets a person id.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from safeguarding.linkage.features import PERSON_FIELDS, build_features
from safeguarding.linkage.resolve import resolve_features
from safeguarding.linkage.stable_ids import assign_stable_ids

# None: the threshold that maximises expected F1 under the file's own model (linkage/threshold.py).
DEFAULT_THRESHOLD: float | None = None
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%m-%Y", "%Y/%m/%d", "%d.%m.%Y")


class ResolveError(ValueError):
    """Input or options that cannot be used; the message names the file and column."""


@dataclass(frozen=True)
class ResolveSummary:
    records: int
    persons: int
    comparisons: int
    notes: list[str]


def parse_columns(spec: str) -> dict[str, str]:
    """``first_name=given_name,surname=surname,...`` -> {person field: input column}."""
    mapping: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        field, sep, column = part.partition("=")
        field, column = field.strip(), column.strip()
        if not sep or not column:
            raise ResolveError(f"--columns: {part!r} is not FIELD=COLUMN")
        if field not in PERSON_FIELDS:
            raise ResolveError(f"--columns: unknown person field {field!r} (fields: {', '.join(PERSON_FIELDS)})")
        mapping[field] = column
    if not mapping:
        raise ResolveError("--columns maps no person fields")
    return mapping


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """Load the input as table ``input_rows`` (all text, header names trimmed); return its columns."""
    if not path.exists():
        raise ResolveError(f"{path}: no such file")
    name = path.name.lower().removesuffix(".gz")
    if name.endswith(".parquet"):
        source = f"read_parquet({_quote(str(path))})"
    elif name.endswith((".csv", ".txt", ".tsv")):
        source = f"read_csv({_quote(str(path))}, all_varchar = true, header = true)"
    else:
        raise ResolveError(f"{path}: expected a .csv or .parquet file")
    try:
        columns = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        # Some exports pad values and headers with spaces (FEBRL does): trim both.
        select = ", ".join(f"nullif(trim(CAST({_ident(c)} AS VARCHAR)), '') AS {_ident(c.strip())}" for c in columns)
        con.execute(f"CREATE TABLE input_rows AS SELECT row_number() OVER () AS _row, {select} FROM {source}")
    except duckdb.Error as exc:
        raise ResolveError(f"{path}: cannot be read: {exc}") from None
    return [c.strip() for c in columns]


def person_records_sql(id_column: str, columns: dict[str, str]) -> str:
    """The standard person fields (features.py) from table ``input_rows``, given the column mapping."""
    formats = "[" + ", ".join(_quote(f) for f in DATE_FORMATS) + "]"
    selects = []
    for field in PERSON_FIELDS:
        source = columns.get(field)
        if source is None:
            expr = "NULL::DATE" if field == "dob" else "NULL::VARCHAR"
        elif field == "dob":
            # A date that cannot be read counts as missing, not as an error.
            expr = f"CAST(TRY_STRPTIME({_ident(source)}, {formats}) AS DATE)"
        else:
            expr = _ident(source)
        selects.append(f"{expr} AS {field}")
    return f"SELECT {_ident(id_column)} AS unique_id, {', '.join(selects)} FROM input_rows"


def file_features(path: Path, id_column: str, columns: dict[str, str]) -> tuple[duckdb.DuckDBPyConnection, pa.Table]:
    """Load a file and build its features (for benchmarks that score a file without `resolve`)."""
    con = duckdb.connect()
    _load(con, path)
    con.execute(f"CREATE TEMP VIEW person_records AS {person_records_sql(id_column, columns)}")
    return con, build_features(con)


def resolve_file(
    path: Path,
    id_column: str,
    columns: dict[str, str],
    out: Path,
    source_column: str | None = None,
    threshold: float | None = DEFAULT_THRESHOLD,
    max_comparisons: int = 50_000_000,
) -> ResolveSummary:
    """Deduplicate (or, with a source column, link and deduplicate) the people in ``path``.

    Writes ``out`` with exactly the header ``record_id,person_id`` and one row per input row. The
    source column only names where a row came from: pairs within and across sources are both
    compared, which is what linking sources that each hold duplicates needs.
    """
    con = duckdb.connect()
    present = _load(con, path)
    named = [("--id-column", id_column), *[(f"--columns {f}", c) for f, c in columns.items()]]
    if source_column:
        named.append(("--source-column", source_column))
    for label, column in named:
        if column not in present:
            raise ResolveError(
                f"{path}: {label} names {column!r}, which is not a column (columns: {', '.join(present)})"
            )
    dupes = con.execute(
        f"SELECT {_ident(id_column)}, count(*) FROM input_rows GROUP BY 1 HAVING count(*) > 1 ORDER BY 1 LIMIT 3"
    ).fetchall()
    if dupes:
        examples = ", ".join(repr(d[0]) for d in dupes)
        raise ResolveError(f"{path}: record ids in {id_column!r} must be unique; repeated: {examples}")
    if con.execute(f"SELECT count(*) FROM input_rows WHERE {_ident(id_column)} IS NULL").fetchall()[0][0]:
        raise ResolveError(f"{path}: some rows have no record id in {id_column!r}")
    con.execute(f"CREATE TEMP VIEW person_records AS {person_records_sql(id_column, columns)}")
    features = build_features(con)
    resolution = resolve_features(features, threshold, max_comparisons)
    assignment, _ = assign_stable_ids(sorted(resolution.clusters.items()), {})
    order = [row[0] for row in con.execute(f"SELECT {_ident(id_column)} FROM input_rows ORDER BY _row").fetchall()]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["record_id", "person_id"])
        for record_id in order:
            writer.writerow([record_id, assignment[record_id]])
    tmp.replace(out)
    total = resolution.comparisons[-1]["cumulative"] if resolution.comparisons else 0
    return ResolveSummary(len(order), len(set(assignment.values())), total, resolution.notes)
