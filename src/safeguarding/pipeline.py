"""The stages in order: ingest -> link -> assess (which builds and publishes the snapshot).

Each stage reads the outputs of the stages before it from the data folder, so each can be run on
its own from the command line, and ``run`` simply calls them in turn.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from safeguarding import db
from safeguarding.assess.assessment import assess as assess_records
from safeguarding.config import Settings
from safeguarding.ingest.errors import FileError
from safeguarding.ingest.loader import LoadResult, ingest
from safeguarding.ingest.mapping import Mapping
from safeguarding.lake.engine import get_engine
from safeguarding.lake.erase import ErasureResult, Target, erase
from safeguarding.lake.extract_time import latest_extract_time
from safeguarding.lake.extract_time import stamp as stamp_extract_time
from safeguarding.lake.store import Lake
from safeguarding.linkage.force import LinkResult, link_force
from safeguarding.linkage.overrides import Decision
from safeguarding.progress import new_progress, note
from safeguarding.security.trail import cli_actor, record_cli
from safeguarding.snapshot import store
from safeguarding.snapshot.builder import write_snapshot
from safeguarding.workflow.linkage_decisions import active_decisions

log = logging.getLogger(__name__)


class StageError(RuntimeError):
    """A stage cannot run because an earlier one has not (the message says which)."""


def linkage_dir(settings: Settings) -> Path:
    return settings.data_dir / "stages" / "linkage"


def run_ingest(
    settings: Settings,
    paths: list[Path],
    max_reject_rate: float | None = None,
    delimiter: str | None = None,
    mapping: Mapping | None = None,
    extract_time: datetime | None = None,
    extract_source: str = "--extract-time",
) -> LoadResult:
    """Load exports into the lake; the load (or its refusal) is audited as a collection (s.62).

    A committed load's manifest is then stamped with its extract time: ``extract_time`` when given, else the
    latest time any record in the load was known (lake.extract_time).
    """
    rate = settings.max_reject_rate if max_reject_rate is None else max_reject_rate
    try:
        result = ingest(
            paths,
            Lake(settings.lake_dir),
            max_reject_rate=rate,
            mapping=mapping,
            delimiter=delimiter,
            memory_limit=settings.ingest_memory_limit,
        )
    except FileError as exc:
        record_cli(settings, "ingest.refused", "file", exc.path.name, {"line": exc.line, "field": exc.field})
        raise
    if result.load_id and result.status == "loaded":
        stamp_extract_time(Lake(settings.lake_dir), result.load_id, extract_time, extract_source)
    if result.load_id:
        record_cli(
            settings, "ingest.load", "load", result.load_id,
            {"status": result.status, "rows_read": result.rows_read, "rows_loaded": result.rows_loaded,
             "rows_quarantined": result.rows_quarantined, "rows_duplicate": result.rows_duplicate,
             "files": [{"name": Path(f.path).name, "sha256": f.sha256} for f in result.files]},
        )  # fmt: skip
    return result


def _write_atomic(table: pa.Table, path: Path) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def _linkage_decisions(settings: Settings) -> list[Decision]:
    """Analysts' merge and split decisions in force, from the app database, oldest first."""
    with db.migrated_factory(settings.app_database_url) as factory:
        rows = active_decisions(factory)
    return [Decision(r.kind, r.mention, r.other_mention) for r in rows]


def _report_comparisons(comparisons: list[dict[str, Any]]) -> None:
    for rule in comparisons:
        log.info("blocking rule %r: %d comparisons", rule["rule"], rule["marginal"])
    total = comparisons[-1]["cumulative"] if comparisons else 0
    note(f"Blocking rules make {total:,} comparisons ({len(comparisons)} rules; --json for each)")


def run_link(settings: Settings, retrain: bool = False) -> LinkResult:
    """Resolve the lake's person mentions and save the result for the assess stage.

    Output in stages/linkage/: mentions.parquet (mention -> person id; written last, the stage's
    commit point), link_pairs.parquet (scored pairs with the match weight of each field), run.json
    (model version, comparisons per blocking rule, splits and merges) and changes.jsonl (history).
    """
    engine = get_engine(settings)
    decisions = _linkage_decisions(settings)
    with new_progress() as progress:
        task = progress.add_task("Linking person mentions", total=None)
        con = engine.connect()
        result = link_force(
            con,
            settings.model_dir,
            store.previous_mentions(settings.snapshot_dir),
            decisions,
            settings.link_threshold,
            settings.max_comparisons,
            retrain=retrain,
            report=_report_comparisons,
            memory_limit=settings.link_memory_limit,
        )
        con.close()
        progress.update(task, total=1, completed=1)
    out = linkage_dir(settings)
    out.mkdir(parents=True, exist_ok=True)
    _write_atomic(result.pairs, out / "link_pairs.parquet")
    run = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_version": result.model_version,
        "trained": result.trained,
        "mentions": result.mentions.num_rows,
        "persons": result.persons,
        "comparisons": result.comparisons,
        "decisions_applied": len(decisions) - len(result.skipped_decisions),
        "decisions_skipped": [d.__dict__ for d in result.skipped_decisions],
        "changes": result.changes,
    }
    (out / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    with (out / "changes.jsonl").open("a", encoding="utf-8") as fh:
        for change in result.changes:
            fh.write(json.dumps({"at": run["at"], **change}) + "\n")
    _write_atomic(result.mentions, out / "mentions.parquet")  # last: the stage's commit point
    record_cli(
        settings, "linkage.run", "linkage_model", result.model_version,
        {"mentions": result.mentions.num_rows, "persons": result.persons, "splits_and_merges": len(result.changes),
         "decisions_applied": run["decisions_applied"]},
    )  # fmt: skip
    return result


def erase_records(settings: Settings, targets: list[Target], reason: str) -> ErasureResult:
    """Erase records from the lake, then rebuild the snapshot and delete every older one.

    The linkage stage's output holds personal data too, so linkage runs again before the new
    snapshot is built; afterwards no file in the data folder holds the erased records.
    """
    result = erase(Lake(settings.lake_dir), targets, reason, cli_actor())
    record_cli(
        settings, "erase", "erasure", result.erasure_id,
        {"targets": [f"{t.record_type}:{t.source_system}:{t.ref}" for t in targets], "reason": reason,
         "rows_removed": result.rows_removed, "quarantine_rows_removed": result.quarantine_rows_removed},
    )  # fmt: skip
    if (linkage_dir(settings) / "mentions.parquet").exists():
        run_link(settings)
        run_assess(settings)
        keep = store.current(settings.snapshot_dir).path
        for old in settings.snapshot_dir.glob("snapshot-*.duckdb"):
            if old != keep:
                old.unlink()
    return result


@dataclass
class AssessSummary:
    snapshot: str
    persons: int
    indicators: int
    alerts: int

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def run_assess(settings: Settings, as_of: date | None = None) -> AssessSummary:
    """Evaluate the rules over the resolved records, then build and publish the snapshot.

    ``as_of`` replays the assessment using only records reported by that date (for the evaluation's
    lead-time measure, or to see what was known then); the published snapshot says so in its meta.
    """
    mentions_file = linkage_dir(settings) / "mentions.parquet"
    if not mentions_file.exists():
        raise StageError("no linkage output yet: run `safeguarding link` (or `safeguarding run`) first")
    engine = get_engine(settings)
    con = engine.connect()
    with new_progress() as progress:
        task = progress.add_task("Assessing risk and building the snapshot", total=2)
        moment = None if as_of is not None else latest_extract_time(Lake(settings.lake_dir))
        result = assess_records(con, pq.read_table(mentions_file), as_of, moment)
        progress.advance(task)
        run_info = json.loads((linkage_dir(settings) / "run.json").read_text(encoding="utf-8"))
        meta = {
            "linkage_model_version": str(run_info["model_version"]),
            "rules": ",".join(f"{r.id}@{r.version}" for r in result.rules),
            "loads": ",".join(Lake(settings.lake_dir).committed_load_ids()),
            "assessed_as_of": result.as_of.isoformat() if result.as_of else "",
            "moment_source": "--as-of" if as_of is not None else ("extract_time" if moment else "records"),
        }
        pairs_file = linkage_dir(settings) / "link_pairs.parquet"
        pairs = pq.read_table(pairs_file) if pairs_file.exists() else None
        published = write_snapshot(settings.snapshot_dir, con, result, meta, pairs)
        progress.advance(task)
    persons = con.execute("SELECT count(*) FROM persons_resolved").fetchall()[0][0]
    con.close()
    return AssessSummary(
        snapshot=published.path.name,
        persons=int(persons),
        indicators=result.count("indicators"),
        alerts=result.count("alerts"),
    )


def evaluate_assessment(settings: Settings, truth_dir: Path, step_days: int = 7) -> dict[str, Any]:
    """Measure the assessment on this data folder against a synthetic force's planted truth."""
    from safeguarding.assess.measure import measure
    from safeguarding.assess.truth import load_truth

    mentions_file = linkage_dir(settings) / "mentions.parquet"
    if not mentions_file.exists():
        raise StageError("no linkage output yet: run `safeguarding link` (or `safeguarding run`) first")
    truth = load_truth(truth_dir)
    engine = get_engine(settings)
    return measure(engine.connect, pq.read_table(mentions_file), truth, step_days)
