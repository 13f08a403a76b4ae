"""A load: files in, every row accounted for, all-or-nothing.

rows_read = rows_loaded + rows_quarantined + rows_duplicate, per file and in total. A file that cannot
be read at all (FileError) stops the whole load before anything is written; a load whose share of
quarantined rows exceeds the limit is refused whole (its manifest and quarantine are kept so people
can see why, but no rows reach the lake).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import shutil
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.model import ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.ingest.readers import ExportFile, FileError, classify, read_export
from safeguarding.ingest.validate import validate
from safeguarding.lake.store import Lake
from safeguarding.progress import track

log = logging.getLogger(__name__)

__all__ = ["FileError", "LoadResult", "discover", "ingest"]


@dataclass
class FileCounts:
    path: str
    sha256: str
    record_type: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0


@dataclass
class LoadResult:
    load_id: str | None
    status: str  # loaded | refused | nothing_new
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    files: list[FileCounts] = field(default_factory=list)
    files_skipped: list[dict[str, str]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)  # "field: reason" -> rows, for the summary
    started_at: str = ""
    finished_at: str = ""
    max_reject_rate: float = 0.0

    @property
    def reject_rate(self) -> float:
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["files_skipped"] = [f"{s['path']}: {s['reason']}" for s in self.files_skipped]
        data["reject_rate"] = round(self.reject_rate, 6)
        return data


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
    forced_type: str | None = None,
    delimiter: str | None = None,
) -> LoadResult:
    """Load the export files under ``paths`` into the lake as one load. Raises FileError."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    result = LoadResult(load_id=None, status="nothing_new", started_at=started, max_reject_rate=max_reject_rate)
    with lake.locked():
        lake.discard_uncommitted()
        already = lake.loaded_file_hashes()
        exports: list[tuple[ExportFile, str]] = []
        for path in discover(paths):
            kind = classify(path, forced_type)
            if isinstance(kind, str):
                result.files_skipped.append({"path": str(path), "reason": kind})
                continue
            digest = _sha256(path)
            if digest in already:
                result.files_skipped.append({"path": str(path), "reason": f"already loaded in {already[digest]}"})
                continue
            if digest in {d for _, d in exports}:
                result.files_skipped.append({"path": str(path), "reason": "same content as another file here"})
                continue
            exports.append((kind, digest))
        if not exports:
            result.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
            return result
        load_id = _new_load_id()
        result.load_id = load_id
        _run_load(load_id, exports, lake, result, delimiter)
        result.status = "refused" if result.reject_rate > max_reject_rate else "loaded"
        result.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        manifest = result.to_json()
        if result.status == "refused":
            # Keep the quarantine (why it was refused) but no data.
            staged = lake.staging(load_id)
            for child in staged.iterdir() if staged.exists() else []:
                if child.is_dir():
                    shutil.rmtree(child)
        lake.commit(load_id, manifest)
    log.info(
        "load %s %s: read=%d loaded=%d quarantined=%d duplicate=%d",
        result.load_id,
        result.status,
        result.rows_read,
        result.rows_loaded,
        result.rows_quarantined,
        result.rows_duplicate,
    )
    return result


def _run_load(
    load_id: str, exports: list[tuple[ExportFile, str]], lake: Lake, result: LoadResult, delimiter: str | None
) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    staged = lake.staging(load_id)
    staged.mkdir(parents=True, exist_ok=True)
    goods: dict[str, list[pa.Table]] = {}
    quarantined: list[pa.Table] = []
    reasons: Counter[str] = Counter()
    for order, (export, digest) in enumerate(track(exports, "Validating files")):
        counts = FileCounts(str(export.path), digest, export.record_type.name)
        raw = read_export(export, delimiter)
        checked = validate(con, export.record_type, raw)
        counts.rows_read = raw.num_rows
        bad_lines = set(checked.problems.column("_line").to_pylist())
        counts.rows_quarantined = len(bad_lines)
        for f, r in zip(
            checked.problems.column("field").to_pylist(),
            checked.problems.column("reason").to_pylist(),
            strict=True,
        ):
            reasons[f"{f}: {r}"] += 1
        if checked.problems.num_rows:
            q = checked.problems.rename_columns(["line", "field", "reason", "raw"])
            q = q.append_column("file", pa.array([str(export.path)] * q.num_rows, pa.string()))
            q = q.append_column("record_type", pa.array([export.record_type.name] * q.num_rows, pa.string()))
            quarantined.append(q)
        good = checked.good.append_column("_source_file", pa.array([str(export.path)] * checked.good.num_rows))
        good = good.append_column("_file_order", pa.array([order] * good.num_rows, pa.int64()))
        goods.setdefault(export.record_type.name, []).append(good)
        result.files.append(counts)
    by_file = {c.path: c for c in result.files}
    for type_name, tables in goods.items():
        _stage_record_type(con, lake, load_id, type_name, pa.concat_tables(tables), by_file)
    if quarantined:
        target = lake.quarantine_file(load_id)
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables(quarantined), target)
    con.close()
    for c in result.files:
        result.rows_read += c.rows_read
        result.rows_loaded += c.rows_loaded
        result.rows_quarantined += c.rows_quarantined
        result.rows_duplicate += c.rows_duplicate
    result.reasons = dict(reasons.most_common())


def _stage_record_type(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    load_id: str,
    type_name: str,
    incoming: pa.Table,
    by_file: dict[str, FileCounts],
) -> None:
    """Drop exact duplicates (within this load and of rows already in the lake); stage the rest."""
    rt = RECORD_TYPES[type_name]
    existing = [str(p) for p in lake.partition_files(type_name)]
    con.register("incoming", incoming)
    if existing:
        paths = "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in existing) + "]"
        con.execute(f"CREATE OR REPLACE TEMP TABLE known AS SELECT DISTINCT _row_hash FROM read_parquet({paths})")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE known (_row_hash VARCHAR)")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE marked AS
           SELECT *, (row_number() OVER (PARTITION BY _row_hash ORDER BY _file_order, _line) > 1
                      OR _row_hash IN (SELECT _row_hash FROM known)) AS _is_duplicate
           FROM incoming"""
    )
    for path, dupes, total in con.execute(
        "SELECT _source_file, count(*) FILTER (WHERE _is_duplicate), count(*) FROM marked GROUP BY ALL"
    ).fetchall():
        by_file[path].rows_duplicate = int(dupes)
        by_file[path].rows_loaded = int(total) - int(dupes)
    cols = ", ".join(ident(f.name) for f in rt.fields)
    target = lake.staging(load_id) / type_name / "part-0.parquet"
    target.parent.mkdir(parents=True, exist_ok=True)
    con.execute(
        f"""COPY (SELECT {cols}, '{load_id}' AS _load_id, _source_file, _line, _row_hash
                  FROM marked WHERE NOT _is_duplicate ORDER BY _file_order, _line)
            TO '{target}' (FORMAT parquet)"""
    )
    con.unregister("incoming")
    con.execute("DROP TABLE marked")
    con.execute("DROP TABLE known")
