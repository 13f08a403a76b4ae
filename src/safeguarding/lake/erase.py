"""Erasure: removing named records from the lake (a retention review or a court order).

Every version of each named record is removed from the lake's partitions, and quarantined rows of
that record type whose raw text contains the record's reference go too. Erasing a person mention
also removes the `record_persons` rows that name it. Each partition is rewritten beside itself and
swapped in with an atomic rename, under the lake's write lock. The erasure is logged by reference
only (record type, source system, reference, reason): never the erased data. Snapshots are rebuilt
by the caller (pipeline.erase_records), which also deletes every older snapshot.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from safeguarding.contract.model import ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.store import QUARANTINE, Lake

ERASURES = "_erasures"


class ErasureError(ValueError):
    """A request that cannot be carried out (unknown record type, malformed reference)."""


@dataclass(frozen=True)
class Target:
    record_type: str
    source_system: str
    ref: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """``record_type:source_system:ref``, e.g. ``persons:niche:NP0000012``."""
        parts = text.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ErasureError(f"{text!r} is not RECORD_TYPE:SOURCE_SYSTEM:REF (e.g. persons:niche:NP0000012)")
        record_type, source_system, ref = parts
        if record_type not in RECORD_TYPES:
            raise ErasureError(f"{text!r}: unknown record type {record_type!r}")
        return cls(record_type, source_system, ref)


@dataclass
class ErasureResult:
    erasure_id: str
    rows_removed: dict[str, int] = field(default_factory=dict)  # record type -> rows (all versions)
    quarantine_rows_removed: int = 0
    files_rewritten: int = 0


def _ref_field(record_type: str) -> str:
    key = RECORD_TYPES[record_type].key
    return next(k for k in key if k != "source_system")


def _rewrite(con: duckdb.DuckDBPyConnection, path: Path, keep: str) -> int:
    """Rewrite one Parquet file keeping rows where ``keep`` holds; return rows removed."""
    src = "'" + str(path).replace("'", "''") + "'"
    before, after = con.execute(f"SELECT count(*), count(*) FILTER (WHERE {keep}) FROM read_parquet({src})").fetchall()[
        0
    ]
    if before == after:
        return 0
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    con.execute(f"COPY (SELECT * FROM read_parquet({src}) WHERE {keep}) TO '{tmp}' (FORMAT parquet)")
    os.replace(tmp, path)
    return int(before) - int(after)


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _values(targets: list[Target]) -> str:
    return ", ".join(f"({_sql(t.source_system)}, {_sql(t.ref)})" for t in targets)


def erase(lake: Lake, targets: list[Target], reason: str, requested_by: str) -> ErasureResult:
    """Remove the targets from every partition and from the quarantine; log the erasure by reference."""
    if not reason.strip():
        raise ErasureError("an erasure needs a reason (the retention review or the order it carries out)")
    result = ErasureResult("E" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + secrets.token_hex(2))
    by_type: dict[str, list[Target]] = {}
    for t in targets:
        by_type.setdefault(t.record_type, []).append(t)
    if "persons" in by_type:
        # The person's appearances on records go with the person.
        by_type.setdefault("record_persons", [])
    con = duckdb.connect()
    with lake.locked():
        for record_type, type_targets in sorted(by_type.items()):
            if record_type == "record_persons":
                people = by_type.get("persons", [])
                conditions = []
                if people:
                    conditions.append(f"(source_system, person_ref) IN ({_values(people)})")
                if type_targets:
                    conditions.append(f"(source_system, record_ref) IN ({_values(type_targets)})")
                keep = "NOT (" + " OR ".join(conditions) + ")"
            else:
                keep = f"(source_system, {ident(_ref_field(record_type))}) NOT IN ({_values(type_targets)})"
            removed = 0
            for path in sorted((lake.root / record_type).glob("load_id=*/*.parquet")):
                n = _rewrite(con, path, keep)
                removed += n
                result.files_rewritten += bool(n)
            result.rows_removed[record_type] = removed
        for path in sorted((lake.root / QUARANTINE).glob("load_id=*/*.parquet")):
            conditions = [
                f"(record_type = {_sql(t.record_type)} AND contains(coalesce(raw, ''), {_sql(t.ref)}))" for t in targets
            ]
            n = _rewrite(con, path, "NOT (" + " OR ".join(conditions) + ")")
            result.quarantine_rows_removed += n
            result.files_rewritten += bool(n)
        log_dir = lake.root / ERASURES
        log_dir.mkdir(parents=True, exist_ok=True)
        entry = {
            "erasure_id": result.erasure_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "requested_by": requested_by,
            "reason": reason,
            "targets": [f"{t.record_type}:{t.source_system}:{t.ref}" for t in targets],
            "rows_removed": result.rows_removed,
            "quarantine_rows_removed": result.quarantine_rows_removed,
        }
        tmp = log_dir / f".{result.erasure_id}.tmp"
        tmp.write_text(json.dumps(entry, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(tmp, log_dir / f"{result.erasure_id}.json")
    con.close()
    return result
