"""Writing the synthetic force as a force's nightly extracts would arrive: one file per type per month.

Files are ``<record type>-<YYYY-MM>.<ext>`` under ``exports/``, named by the month of the extract
they arrived in (the back-file of registered offenders and places arrives in the first month).
Columns are the contract's fields in contract order. Nothing that varies between runs is written:
Parquet has no statistics, and the creator string is pyarrow's, fixed by the lock file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.contract.records import RECORD_TYPES

FORMATS = ("csv", "jsonl", "parquet")
# The field that orders rows inside a month's file (the extract's natural order).
ORDER_FIELD = {
    "persons": "recorded_at", "locations": "recorded_at", "record_persons": "recorded_at", "incidents": "occurred_at",
    "crimes": "recorded_at", "missing_episodes": "reported_at", "custody_detentions": "arrived_at",
    "ppns": "submitted_at", "intelligence_logs": "recorded_at", "online_referrals": "received_at",
    "offenders": "registered_on", "offender_assessments": "assessed_on", "offender_visits": "planned_on",
}  # fmt: skip


def _write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([row.get(k, "") for k in header] for row in rows)


def _write_jsonl(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in header if row.get(k)}, ensure_ascii=False) + "\n")


def _write_parquet(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    table = pa.table({k: pa.array([r.get(k) or None for r in rows], pa.string()) for k in header})
    pq.write_table(table, path, compression="zstd", write_statistics=False)


class ExportWriter:
    """Writes each month's rows as it is made, and keeps only the counts."""

    def __init__(self, folder: Path, fmt: str) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.fmt = fmt
        self._write = {"csv": _write_csv, "jsonl": _write_jsonl, "parquet": _write_parquet}[fmt]
        self.counts: dict[str, int] = {name: 0 for name in RECORD_TYPES}

    def write_month(self, label: str, rows: dict[str, list[dict[str, str]]]) -> None:
        for type_name in RECORD_TYPES:
            type_rows = rows.get(type_name)
            if not type_rows:
                continue
            key = ORDER_FIELD[type_name]
            # A stable sort: ties keep the order they were made in, so output is deterministic.
            type_rows.sort(key=lambda r: r.get(key, ""))
            self._write(
                self.folder / f"{type_name}-{label}.{self.fmt}", list(RECORD_TYPES[type_name].field_names), type_rows
            )
            self.counts[type_name] += len(type_rows)
