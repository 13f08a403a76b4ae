"""Writing the synthetic force as a force's nightly extracts would arrive: one file per type per month."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.records import RECORD_TYPES

if TYPE_CHECKING:
    from safeguarding.synth.force import Records, SynthOptions

# The timestamp that decides which month's extract a record arrives in.
MONTH_FIELD = {"persons": "recorded_at", "missing_episodes": "reported_at"}
FORMATS = ("csv", "jsonl", "parquet")


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})


def _write_jsonl(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in header if row.get(k)}, ensure_ascii=False) + "\n")


def _write_parquet(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    table = pa.table({k: pa.array([r.get(k) or None for r in rows], pa.string()) for k in header})
    # No statistics or creator string that could vary between runs: byte-identical output.
    pq.write_table(table, path, compression="zstd", write_statistics=False)


def write_exports(rows: dict[str, list[dict[str, str]]], folder: Path, fmt: str) -> dict[str, int]:
    """Write ``<type>-<YYYY-MM>.<fmt>`` files; return rows written per type."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = {"csv": _write_csv, "jsonl": _write_jsonl, "parquet": _write_parquet}[fmt]
    counts: dict[str, int] = {}
    for type_name, type_rows in rows.items():
        header = list(RECORD_TYPES[type_name].field_names)
        by_month: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in type_rows:
            by_month[row[MONTH_FIELD[type_name]][:7]].append(row)
        for month in sorted(by_month):
            month_rows = sorted(by_month[month], key=lambda r: r[MONTH_FIELD[type_name]])
            writer(folder / f"{type_name}-{month}.{fmt}", header, month_rows)
        counts[type_name] = len(type_rows)
    return counts


def write_truth(records: Records, folder: Path, options: SynthOptions) -> None:
    """The planted truth: who each mention really is, the scenarios, what should be flagged."""
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(folder / "person_truth.csv", ["source_system", "person_ref", "true_person_id"], records.person_truth)
    _write_csv(
        folder / "people.csv",
        ["true_person_id", "forenames", "surname", "date_of_birth", "sex", "is_child", "scenario"],
        records.people,
    )
    _write_csv(
        folder / "expected.csv",
        ["true_person_id", "category", "indicator", "expected_by", "scenario"],
        records.expected,
    )
    meta: dict[str, Any] = {
        "scale": options.scale,
        "years": options.years,
        "seed": options.seed,
        "start": options.start.isoformat(),
        "format": options.fmt,
    }
    (folder / "options.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
