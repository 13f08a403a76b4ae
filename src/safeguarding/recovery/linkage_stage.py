"""The linkage stage's files, written so that a kill or a full disk at any moment leaves the last
complete run, and its history (``changes.jsonl``) holds each committed run's changes exactly once.

Files in ``<data_dir>/stages/linkage/``: ``link_pairs.parquet``, ``run.json``, ``mentions.parquet``
(the commit point: the run it carries in its Parquet metadata is the committed one) and
``changes.jsonl`` (history, one line per split or merge, each with the ``run_id`` of its run).

A run writes every file under a ``.tmp`` name first (a full disk stops it there, before anything is
replaced), then renames them into place, mentions last, and only then appends its history lines.
The next run starts by reconciling: it removes ``.tmp`` leftovers, rewrites ``run.json`` from the
committed mentions file if a kill fell between the renames, and drops any history lines of the
committed run (a kill half-way through appending) before appending them again in full. History lines
of a run that never committed cannot exist, because they are written only after its commit.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding.locks import folder_lock
from safeguarding.recovery.faults import DataFault, damaged, kill_point, writing

RUN_KEY = b"safeguarding.link_run"
MENTIONS = "mentions.parquet"
PAIRS = "link_pairs.parquet"
RUN = "run.json"
HISTORY = "changes.jsonl"
LOCK = ".lock"

log = logging.getLogger(__name__)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("R%Y%m%dT%H%M%S%fZ") + secrets.token_hex(2)


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """One writer of the stage at a time."""
    with folder_lock(out, LOCK):
        yield


def committed_run(out: Path) -> dict[str, Any] | None:
    """The run the committed mentions file carries, or None (no run yet, or one written before run ids)."""
    path = out / MENTIONS
    if not path.exists():
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException) as exc:
        raise damaged(path, str(exc).splitlines()[0]) from None
    raw = metadata.get(RUN_KEY)
    if raw is None:
        return None
    run: dict[str, Any] = json.loads(raw)
    return run


def leftovers(out: Path) -> list[Path]:
    return sorted(out.glob("*.tmp"))


def reconcile(out: Path) -> list[str]:
    """Repair what a kill between the commit's steps left; returns what was done (for the log)."""
    done: list[str] = []
    for tmp in leftovers(out):
        tmp.unlink(missing_ok=True)
        done.append(f"removed {tmp.name}")
    run = committed_run(out)
    if run is None:
        return done
    run_file = out / RUN
    try:
        on_disk = json.loads(run_file.read_text(encoding="utf-8")) if run_file.exists() else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        on_disk = None
    if not isinstance(on_disk, dict) or on_disk.get("run_id") != run["run_id"]:
        _write_text(run_file, json.dumps(run, indent=2))
        done.append(f"rewrote {RUN} from the committed run {run['run_id']}")
    if _history_needs_repair(out / HISTORY, run):
        kept = [e for e in _history_entries(out / HISTORY) if e.get("run_id") != run["run_id"]]
        lines = [json.dumps(e) for e in kept] + [json.dumps(e) for e in _entries(run)]
        _write_text(out / HISTORY, "".join(line + "\n" for line in lines))
        done.append(f"wrote the history of run {run['run_id']} ({len(run.get('changes', []))} changes) once")
    if done:
        log.warning("linkage stage repaired after an interrupted run: %s", "; ".join(done))
    return done


def _entries(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"at": run["at"], "run_id": run["run_id"], **change} for change in run.get("changes", [])]


def _history_entries(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # the torn last line of an append that was cut short
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def _history_needs_repair(path: Path, run: dict[str, Any]) -> bool:
    if not path.exists():
        return bool(run.get("changes"))
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        return True
    mine = [e for e in _history_entries(path) if e.get("run_id") == run["run_id"]]
    return len(mine) != len(run.get("changes", []))


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with writing(tmp):
            tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_parquet(table: pa.Table, path: Path) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    with writing(tmp):
        pq.write_table(table, tmp)
    return tmp


def commit(out: Path, *, mentions: pa.Table, pairs: pa.Table, run: dict[str, Any]) -> dict[str, Any]:
    """Write one run's files and history; returns ``run`` with its ``run_id``."""
    with locked(out):
        reconcile(out)
        run = {**run, "run_id": new_run_id()}
        written: list[tuple[Path, Path]] = []
        try:
            written.append((_write_parquet(pairs, out / PAIRS), out / PAIRS))
            run_tmp = out / (RUN + ".tmp")
            with writing(run_tmp):
                run_tmp.write_text(json.dumps(run, indent=2), encoding="utf-8")
            written.append((run_tmp, out / RUN))
            meta = {**(mentions.schema.metadata or {}), RUN_KEY: json.dumps(run).encode()}
            written.append((_write_parquet(mentions.replace_schema_metadata(meta), out / MENTIONS), out / MENTIONS))
        except BaseException:
            for tmp, _ in written:
                tmp.unlink(missing_ok=True)
            for tmp in leftovers(out):
                tmp.unlink(missing_ok=True)
            raise
        kill_point("link:written")
        for tmp, final in written:  # renames need no space; mentions last, the commit point
            os.replace(tmp, final)
            kill_point(f"link:replaced:{final.name}")
        with writing(out / HISTORY), (out / HISTORY).open("a", encoding="utf-8") as fh:
            for n, entry in enumerate(_entries(run)):
                fh.write(json.dumps(entry) + "\n")
                if n == 0:
                    fh.flush()
                    kill_point("link:history-started")
        return run


def check(out: Path) -> dict[str, Any]:
    """The committed run's ``run.json`` after repairing an interrupted commit; DataFault when unreadable."""
    with locked(out):
        reconcile(out)
    path = out / RUN
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFault(path, "is missing", "Run `safeguarding link` to rebuild the linkage stage") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise damaged(path, f"not valid JSON: {exc}") from None
    for name in (MENTIONS, PAIRS):
        if (out / name).exists():
            try:
                pq.read_schema(out / name)
            except (OSError, pa.ArrowException) as exc:
                raise damaged(out / name, str(exc).splitlines()[0]) from None
    if not isinstance(run, dict):
        raise damaged(path, "not a JSON object")
    return run
