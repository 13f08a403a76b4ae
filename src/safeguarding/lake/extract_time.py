"""Each load's extract time: the moment the force's systems were read for it.

The assessment's moment (DOMAIN.md "One moment") is the latest extract time of the committed loads, so
clocks, ages and "now" lists run to the time the data describes, not to the machine's clock. A load's extract
time comes, in order, from ``--extract-time``, an export manifest among the files (``extract-manifest.json``
or ``.yaml`` with an ``extract_time`` field), or by default from the records themselves: the latest time any
record in the load was known (the latest of its timestamp fields), never later than the load itself ran.

It is stamped into the load manifest (``extract_time`` and ``extract_time_source``) by ``stamp`` after the
load commits; ingest itself does not change. A manifest without the field (a lake from before this) gets
the default worked out from its partitions when it is read.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml

from safeguarding.contract.model import ident
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.store import LOADS, Lake

MANIFEST_NAMES = ("extract-manifest.json", "extract-manifest.yaml", "extract-manifest.yml")


class ExtractTimeError(ValueError):
    """An extract time that cannot be used; the message names where it came from."""


def parse_time(text: str, where: str) -> datetime:
    """An ISO 8601 time with its UTC offset (``Z`` allowed), as an aware datetime."""
    value = str(text).strip()
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        raise ExtractTimeError(f"{where}: {value!r} is not an ISO 8601 time (e.g. 2026-11-27T06:00:00+00:00)") from None
    if moment.tzinfo is None:
        raise ExtractTimeError(f"{where}: {value!r} has no UTC offset (write e.g. 2026-11-27T06:00:00+00:00)")
    return moment.astimezone(UTC)


def from_export_manifest(paths: list[Path]) -> datetime | None:
    """The ``extract_time`` of an export manifest named among ``paths`` (or directly inside a folder named)."""
    for path in paths:
        candidates = [path / name for name in MANIFEST_NAMES] if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.name not in MANIFEST_NAMES or not candidate.is_file():
                continue
            try:
                data = yaml.safe_load(candidate.read_text(encoding="utf-8"))  # JSON is YAML too
            except (OSError, yaml.YAMLError) as exc:
                raise ExtractTimeError(f"{candidate}: cannot read the export manifest: {exc}") from None
            if not isinstance(data, dict) or "extract_time" not in data:
                raise ExtractTimeError(f"{candidate}: field 'extract_time' is missing")
            raw = data["extract_time"]
            if isinstance(raw, datetime):
                raw = raw.isoformat()
            return parse_time(str(raw), f"{candidate}: field 'extract_time'")
    return None


def latest_known_sql(table_of: dict[str, str]) -> str:
    """SQL for the latest timestamp any record holds, over ``table_of`` (record type -> table or source)."""
    parts = []
    for name, source in table_of.items():
        fields = [f.name for f in RECORD_TYPES[name].fields if f.type == "timestamp"]
        if fields:
            cols = ", ".join(ident(f) for f in fields)
            parts.append(f"SELECT max(greatest({cols})) AS t FROM {source}")
    return "SELECT max(t) FROM (" + " UNION ALL ".join(parts) + ")"


def latest_known(lake: Lake, load_id: str) -> datetime | None:
    """The latest time any record of the load was known, from its partitions."""
    sources = {}
    for name in RECORD_TYPES:
        files = sorted((lake.root / name / f"load_id={load_id}").glob("*.parquet"))
        if files:
            listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in files)
            sources[name] = f"read_parquet([{listed}], union_by_name = true)"
    if not sources:
        return None
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        value = con.execute(latest_known_sql(sources)).fetchall()[0][0]
    finally:
        con.close()
    return value.astimezone(UTC) if value is not None else None


def _default(lake: Lake, manifest: dict[str, Any]) -> datetime | None:
    known = latest_known(lake, str(manifest["load_id"]))
    ran = manifest.get("finished_at") or manifest.get("started_at")
    cap = parse_time(str(ran), "load manifest") if ran else None
    if known is not None and cap is not None and known > cap:
        return cap  # a record dated after the load ran cannot have been known when it was extracted
    return known


def stamp(lake: Lake, load_id: str, given: datetime | None = None, source: str = "records") -> datetime | None:
    """Write the load's extract time into its manifest (``given`` or the default) and return it."""
    path = lake.root / LOADS / f"{load_id}.json"
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    moment = given.astimezone(UTC) if given is not None else _default(lake, manifest)
    if moment is None:
        return None
    manifest["extract_time"] = moment.isoformat()
    manifest["extract_time_source"] = source if given is not None else "records"
    tmp = path.with_name(f".{load_id}.json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
    return moment


def extract_time(lake: Lake, manifest: dict[str, Any]) -> datetime | None:
    """A committed load's extract time: the stamped one, or the default for a manifest without it."""
    if manifest.get("extract_time"):
        return parse_time(str(manifest["extract_time"]), f"load {manifest['load_id']}: extract_time")
    return _default(lake, manifest)


def latest_extract_time(lake: Lake) -> datetime | None:
    """The latest extract time of the lake's committed loads (None for an empty lake)."""
    times = [extract_time(lake, m) for m in lake.manifests() if m.get("status") == "loaded"]
    found = [t for t in times if t is not None]
    return max(found) if found else None
