"""A load: files in, every row accounted for, all-or-nothing.

rows_read = rows_loaded + rows_quarantined + rows_duplicate + rows_erased (+ rows_excluded, the rows a
mapping entry's ``where`` leaves to another entry), per file and in total. A file that cannot
be read at all (FileError) stops the whole load before anything is committed; a load whose share of
quarantined rows exceeds the limit is refused whole (its manifest and quarantine are kept so people
can see why, but no rows reach the lake). The load's working tables live in a DuckDB file under the
lake's scratch folder with a memory limit, so memory stays bounded whatever the file size.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from safeguarding.contract.model import ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.ingest.csv_batch import drop_batch, read_batch
from safeguarding.ingest.errors import FileError
from safeguarding.ingest.mapping import Mapping
from safeguarding.ingest.readers import ExportFile, PreparedFile, classify, field_sources, prepare
from safeguarding.ingest.rowwise import read_csv_rows, read_jsonl_rows, read_parquet_rows
from safeguarding.ingest.text import raw_lines
from safeguarding.ingest.validate import create_load_tables, good_table, validate
from safeguarding.lake.erase import apply_erasures
from safeguarding.lake.store import QUARANTINE, Lake
from safeguarding.progress import new_progress, note, track

log = logging.getLogger(__name__)

__all__ = ["FileError", "LoadResult", "discover", "ingest"]

Parser = Literal["auto", "exact"]


@dataclass
class FileCounts:
    path: str
    sha256: str
    record_type: str
    parser: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    columns_ignored: list[str] = field(default_factory=list)
    encoding: str = ""  # how the file's bytes were decoded; "" for Parquet
    rows_excluded: int = 0  # rows the mapping entry's `where` gives to another record type (or to none)
    rows_erased: int = 0  # rows of records erased earlier (lake/erase.py), dropped before the commit


@dataclass
class LoadResult:
    load_id: str | None
    status: str  # loaded | refused | nothing_new
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    rows_excluded: int = 0
    rows_erased: int = 0  # counted in rows_read beside loaded, quarantined and duplicate
    files: list[FileCounts] = field(default_factory=list)
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # "field: reason" -> rows, for the summary
    started_at: str = ""
    finished_at: str = ""
    max_reject_rate: float = 0.0
    error: str | None = None  # why a load was refused when a file could not be read at all

    @property
    def reject_rate(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files_skipped"] = [f"{s['path']}: {s['reason']}" for s in self.files_skipped]
        data["reject_rate"] = round(self.reject_rate, 6)
        return data


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_load_id() -> str:
    return "L" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + secrets.token_hex(2)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def discover(paths: list[Path]) -> list[Path]:
    """Files named directly, and every file under folders named, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.exists():
            found.append(path)
        else:
            raise FileError(path, 0, "(file)", "no such file or folder")
    return found


def ingest(
    paths: list[Path],
    lake: Lake,
    max_reject_rate: float = 0.05,
    mapping: Mapping | None = None,
    delimiter: str | None = None,
    memory_limit: str = "1GB",
    parser: Parser = "auto",
) -> LoadResult:
    """Load the export files under ``paths`` into the lake as one load. Raises FileError.

    ``parser="exact"`` parses every CSV file row by row in Python instead of with DuckDB's reader first;
    both give the same rows (a differential test holds them to it), the exact one more slowly.
    """
    result = LoadResult(load_id=None, status="nothing_new", started_at=_now(), max_reject_rate=max_reject_rate)
    with lake.locked():
        lake.discard_uncommitted()
        already = lake.loaded_file_hashes()
        exports: list[tuple[ExportFile, str]] = []
        named = {p for p in paths if not p.is_dir()}
        for path in discover(paths):
            kind = classify(path, mapping)
            if isinstance(kind, str):
                if path in named:
                    # Named on purpose, so a nightly job must hear that it was not loaded.
                    hint = (
                        "" if mapping else "; name it <record type>-<anything>.<ext> or describe it in a --mapping file"
                    )
                    raise FileError(path, 0, "(file name)", kind + hint)
                result.files_skipped.append({"path": str(path), "reason": kind})
                continue
            digest = _sha256(path)
            if digest in already:
                result.files_skipped.append({"path": str(path), "reason": f"already loaded in {already[digest]}"})
            elif digest in {d for _, d in exports}:
                result.files_skipped.append({"path": str(path), "reason": "same content as another file here"})
            else:
                exports.extend((export, digest) for export in kind)  # one per record type the file feeds
        if not exports:
            result.finished_at = _now()
            return result
        load_id = _new_load_id()
        result.load_id = load_id
        try:
            _run_load(load_id, exports, lake, result, delimiter, memory_limit, parser)
        except FileError as exc:
            # Nothing of this load reaches the lake; its manifest records the refusal and why.
            shutil.rmtree(lake.staging(load_id), ignore_errors=True)
            result.status, result.error, result.finished_at = "refused", str(exc), _now()
            result.files = []
            lake.commit(load_id, result.to_json())
            exc.load_id = load_id
            raise
        finally:
            shutil.rmtree(lake.work(load_id), ignore_errors=True)
        result.rows_erased = apply_erasures(lake, load_id, result.files)
        result.rows_loaded -= result.rows_erased
        result.status = "refused" if result.reject_rate > max_reject_rate else "loaded"
        result.finished_at = _now()
        if result.status == "refused":
            # Keep the quarantine (why it was refused) but no data.
            for child in lake.staging(load_id).iterdir():
                if child.is_dir() and child.name != QUARANTINE:
                    shutil.rmtree(child)
        lake.commit(load_id, result.to_json())
    log.info(
        "load %s %s: read=%d loaded=%d quarantined=%d duplicate=%d",
        result.load_id, result.status, result.rows_read, result.rows_loaded, result.rows_quarantined,
        result.rows_duplicate,
    )  # fmt: skip
    return result


def _connect(workdir: Path, memory_limit: str) -> duckdb.DuckDBPyConnection:
    workdir.mkdir(parents=True, exist_ok=True)
    # In memory up to the limit, spilling to the load's scratch folder beyond it.
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute(f"SET temp_directory = '{workdir / 'spill'}'")
    con.execute("SET preserve_insertion_order = true")
    return con


def _run_load(
    load_id: str, exports: list[tuple[ExportFile, str]], lake: Lake, result: LoadResult, delimiter: str | None,
    memory_limit: str, parser: Parser,
) -> None:  # fmt: skip
    workdir = lake.work(load_id)
    con = _connect(workdir, memory_limit)
    create_load_tables(con)
    prepared = [
        prepare(export, order, digest, workdir, delimiter)
        for order, (export, digest) in enumerate(track(exports, "Checking files"))
    ]
    con.register("files_in", pa.table({"file_order": [p.order for p in prepared],
                                       "path": [str(p.export.path) for p in prepared]}))  # fmt: skip
    con.execute("INSERT INTO load_files SELECT * FROM files_in")
    con.unregister("files_in")
    counts: dict[int, tuple[int, int]] = {}
    legacy = _legacy_types(con, lake, {e.record_type.name for e, _ in exports})
    groups: dict[tuple[object, ...], list[PreparedFile]] = {}
    for p in prepared:
        key = p.shape if p.export.fmt == "csv" else ("single", p.order)
        groups.setdefault(key, []).append(p)
    with new_progress() as progress:
        task = progress.add_task("Parsing and validating", total=len(prepared))
        for group in groups.values():
            counts.update(_parse_group(con, group, parser, legacy))
            progress.advance(task, len(group))
    for p in prepared:
        good, bad = counts.get(p.order, (0, 0))
        excluded = p.rows - good - bad if p.export.mapping and p.export.mapping.where else 0
        if bad and p.text_path is not None:
            _fill_raw_text(con, p)
        _, ignored = field_sources(p.export, p.header) if p.header else ({}, [])
        result.files.append(
            FileCounts(str(p.export.path), p.sha256, p.export.record_type.name, p.parser, good + bad + excluded, good,
                       bad, 0, ignored, p.encoding, excluded)
        )  # fmt: skip
        if p.encoding not in ("", "utf-8"):
            note(f"{p.export.path.name}: read as {p.encoding}"
                 + (f" ({len(p.undecodable)} lines quarantined)" if p.undecodable else ""))  # fmt: skip
    by_file = {c.path: c for c in result.files}
    for type_name in sorted({e.record_type.name for e, _ in exports}):
        _stage_record_type(con, lake, load_id, type_name, by_file)
    _stage_quarantine(con, lake, load_id)
    result.reasons = {
        f"{f}: {r}": int(n)
        for f, r, n in con.execute(
            "SELECT field, reason, count(*) AS n FROM problems GROUP BY ALL ORDER BY n DESC, field, reason"
        ).fetchall()
    }
    con.close()
    for c in result.files:
        result.rows_read += c.rows_read
        result.rows_loaded += c.rows_loaded
        result.rows_quarantined += c.rows_quarantined
        result.rows_duplicate += c.rows_duplicate
        result.rows_excluded += c.rows_excluded


def _parse_group(
    con: duckdb.DuckDBPyConnection, group: list[PreparedFile], parser: Parser, legacy: set[str]
) -> dict[int, tuple[int, int]]:
    """Parse and validate files of one shape; DuckDB's reader first, the exact parser where needed."""
    rt = group[0].export.record_type
    counts: dict[int, tuple[int, int]] = {}
    exact = group
    if group[0].export.fmt == "csv" and parser == "auto" and not group[0].undecodable:
        fallback = read_batch(con, group, "raw_in")
        if fallback is None:  # DuckDB could not read the batch as a whole: one file at a time
            for p in group:
                counts.update(_parse_group(con, [p], parser, legacy))
            return counts
        if len(fallback) < len(group):
            counts.update(validate(con, rt, "raw_in", rt.name in legacy))
        drop_batch(con, "raw_in")
        exact = fallback
    for p in exact:
        reader = {"csv": read_csv_rows, "jsonl": read_jsonl_rows, "parquet": read_parquet_rows}[p.export.fmt]
        p.rows = reader(con, p, "raw_exact")
        p.parser = "python" if p.export.fmt == "csv" else p.export.fmt
        if p.rows:
            counts.update(validate(con, rt, "raw_exact", rt.name in legacy))
        con.execute("DROP TABLE IF EXISTS raw_exact")
    return counts


def _fill_raw_text(con: duckdb.DuckDBPyConnection, p: PreparedFile) -> None:
    """Copy the raw text of this file's quarantined rows into the problems table."""
    assert p.text_path is not None
    wanted = dict(
        con.execute("SELECT DISTINCT line, nl FROM problems WHERE file_order = ? AND raw IS NULL", [p.order]).fetchall()
    )
    found = raw_lines(p.text_path, p.text_compressed, {int(k): int(v) for k, v in wanted.items()})
    con.register("raw_text", pa.table({"line": list(found), "raw": list(found.values())}))
    con.execute(
        """UPDATE problems SET raw = raw_text.raw FROM raw_text
           WHERE problems.file_order = ? AND problems.line = raw_text.line""",
        [p.order],
    )
    con.unregister("raw_text")


def _stage_record_type(
    con: duckdb.DuckDBPyConnection, lake: Lake, load_id: str, type_name: str, by_file: dict[str, FileCounts]
) -> None:
    """Drop exact duplicates (within this load and of rows already in the lake); stage the rest.

    Duplicates are found with one aggregate over the row hashes; only the (usually few) duplicate
    rows are then materialised, so staging is a single streaming copy of the good rows.
    """
    rt = RECORD_TYPES[type_name]
    table = good_table(rt)
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0]:
        return  # the files of this type held no rows
    existing = [str(p) for p in lake.partition_files(type_name)]
    known = (
        "SELECT DISTINCT _row_hash FROM read_parquet(["
        + ", ".join("'" + p.replace("'", "''") + "'" for p in existing)
        + "])"
        if existing
        else "SELECT NULL::VARCHAR AS _row_hash WHERE false"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE duplicates AS
            WITH groups AS (
                SELECT _row_hash, count(*) AS n FROM {table} WHERE _problems = '' GROUP BY _row_hash
            ),
            suspect AS (
                SELECT _row_hash, _row_hash IN ({known}) AS in_lake FROM groups
                WHERE n > 1 OR _row_hash IN ({known})
            )
            SELECT r._file_order, r._line
            FROM (SELECT _row_hash, _file_order, _line,
                         row_number() OVER (PARTITION BY _row_hash ORDER BY _file_order, _line) AS k
                  FROM {table} WHERE _problems = '' AND _row_hash IN (SELECT _row_hash FROM suspect)) r
            JOIN suspect USING (_row_hash)
            WHERE r.k > 1 OR suspect.in_lake"""
    )
    if existing and _has_legacy_hashes(con, existing):
        con.execute(
            f"""INSERT INTO duplicates SELECT _file_order, _line FROM {table}
                WHERE _problems = '' AND _legacy_hash IN ({known})
                  AND (_file_order, _line) NOT IN (SELECT (_file_order, _line) FROM duplicates)"""
        )
    for path, dupes in con.execute(
        "SELECT f.path, count(*) FROM duplicates d JOIN load_files f ON f.file_order = d._file_order GROUP BY ALL"
    ).fetchall():
        by_file[path].rows_duplicate = int(dupes)
        by_file[path].rows_loaded -= int(dupes)
    cols = ", ".join(ident(f.name) for f in rt.fields)
    target = lake.staging(load_id) / type_name / "part-0.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Rows were inserted file by file in line order, and insertion order is preserved: no sort needed.
    con.execute(
        f"""COPY (SELECT {cols}, '{load_id}' AS _load_id,
                         (SELECT path FROM load_files f WHERE f.file_order = t._file_order) AS _source_file,
                         _line, _row_hash
                  FROM {table} t
                  WHERE _problems = ''
                    AND NOT EXISTS (SELECT 1 FROM duplicates d
                                    WHERE d._file_order = t._file_order AND d._line = t._line))
            TO '{target}' (FORMAT parquet)"""
    )
    con.execute("DROP TABLE duplicates")


def _has_legacy_hashes(con: duckdb.DuckDBPyConnection, files: list[str]) -> bool:
    """Whether any of the lake's files were written with the md5 row hash of earlier versions."""
    paths = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in files) + "]"
    return bool(
        con.execute(f"SELECT count(*) FROM read_parquet({paths}) WHERE length(_row_hash) = 32").fetchall()[0][0]
    )


def _legacy_types(con: duckdb.DuckDBPyConnection, lake: Lake, names: set[str]) -> set[str]:
    return {n for n in names if (files := [str(p) for p in lake.partition_files(n)]) and _has_legacy_hashes(con, files)}


def _stage_quarantine(con: duckdb.DuckDBPyConnection, lake: Lake, load_id: str) -> None:
    if not con.execute("SELECT count(*) FROM problems").fetchall()[0][0]:
        return
    target = lake.staging(load_id) / QUARANTINE / "part-0.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""COPY (SELECT f.path AS file, p.record_type, p.line, p.field, p.reason, p.raw
                  FROM problems p JOIN load_files f USING (file_order) ORDER BY p.file_order, p.line, p.field)
            TO '{target}' (FORMAT parquet)"""
    )
