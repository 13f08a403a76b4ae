"""The stages in order: ingest -> link -> assess (which builds and publishes the snapshot).

Each stage reads the outputs of the stages before it from the data folder, so each can be run on
its own from the command line, and ``run`` simply calls them in turn.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

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
from safeguarding.progress import new_progress, note, warn
from safeguarding.reconcile import committed_run, reconcile
from safeguarding.recovery import checks, linkage_stage
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
    reconcile_audit(settings)
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
        record_cli(
            settings, "ingest.refused", "file", exc.path.name,
            {"line": exc.line, "field": exc.field, "load_id": exc.load_id},
        )  # fmt: skip
        raise
    if result.load_id and result.status == "loaded":
        stamp_extract_time(Lake(settings.lake_dir), result.load_id, extract_time, extract_source)
    if result.load_id:
        record_cli(
            settings, "ingest.load", "load", result.load_id,
            {"status": result.status, "rows_read": result.rows_read, "rows_loaded": result.rows_loaded,
             "rows_quarantined": result.rows_quarantined, "rows_duplicate": result.rows_duplicate,
             "rows_erased": result.rows_erased,
             "files": [{"name": Path(f.path).name, "sha256": f.sha256} for f in result.files]},
        )  # fmt: skip
    return result


def reconcile_audit(settings: Settings) -> None:
    """Write the audit entries that a crash, a full disk or a damaged app database kept from being
    written after their load, link run or erasure committed, and say so (see reconcile.py)."""
    for gap in reconcile(settings, cli_actor()):
        note(f"audit: {gap.describe()}; entry written now")
        log.warning("audit gap closed: %s %s", gap.kind, gap.object_id)


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
    checks.before_link(settings)
    reconcile_audit(settings)
    engine = get_engine(settings)
    decisions = _linkage_decisions(settings)
    linked_loads = Lake(settings.lake_dir).committed_load_ids()  # before linking: a load after it is not linked
    with new_progress() as progress:
        task = progress.add_task("Linking person mentions", total=None)
        con = engine.connect()
        result = link_force(
            con,
            settings.model_dir,
            store.previous_mentions(settings.snapshot_dir, warn=warn),
            decisions,
            settings.link_threshold or None,  # 0: chosen from the model's evidence
            settings.max_comparisons,
            retrain=retrain,
            report=_report_comparisons,
            memory_limit=settings.link_memory_limit,
        )
        con.close()
        progress.update(task, total=1, completed=1)
    run = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "loads": linked_loads,
        "model_version": result.model_version,
        "trained": result.trained,
        "mentions": result.mentions.num_rows,
        "persons": result.persons,
        "comparisons": result.comparisons,
        "threshold": result.threshold.__dict__,
        "notes": result.notes,
        "decisions_applied": len(decisions) - len(result.skipped_decisions),
        "decisions_skipped": [d.__dict__ for d in result.skipped_decisions],
        "changes": result.changes,
    }
    # Crash-safe: mentions.parquet is still the commit point, and the history gets each run once.
    run = linkage_stage.commit(linkage_dir(settings), mentions=result.mentions, pairs=result.pairs, run=run)
    record_cli(
        settings, "linkage.run", "linkage_model", result.model_version,
        {"mentions": result.mentions.num_rows, "persons": result.persons, "splits_and_merges": len(result.changes),
         "decisions_applied": run["decisions_applied"], "run_id": run["run_id"]},
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
         "rows_removed": result.rows_removed, "quarantine_rows_cleared": result.quarantine_rows_cleared,
         "values_redacted": result.values_redacted},
    )  # fmt: skip
    if (linkage_dir(settings) / "mentions.parquet").exists():
        run_link(settings)
        run_assess(settings)
        keep = store.current(settings.snapshot_dir).path
        for old in settings.snapshot_dir.glob("snapshot-*.duckdb"):
            if old != keep:
                old.unlink()
    return result


def unlinked_loads(settings: Settings) -> list[str]:
    """Committed loads that the linkage stage's output does not include (none when it has never run).

    A link run written before runs listed their loads is taken to include every load committed before it.
    """
    run = committed_run(settings)
    if run is None:
        return []
    committed = Lake(settings.lake_dir).committed_load_ids()
    if "loads" in run:
        linked = set(run["loads"])
        return [load for load in committed if load not in linked]
    at = datetime.fromisoformat(run["at"])
    lake = Lake(settings.lake_dir)
    return [load for load in committed if datetime.fromisoformat(lake.manifest(load)["finished_at"]) > at]


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
    reconcile_audit(settings)
    unlinked = unlinked_loads(settings)
    if unlinked:
        # Assessing now would leave the new records out while the snapshot lists their loads.
        shown = ", ".join(unlinked[:3]) + (f" and {len(unlinked) - 3} more" if len(unlinked) > 3 else "")
        note(f"Linking first: load {shown} arrived after the last link run")
        run_link(settings)
    engine = get_engine(settings)
    con = engine.connect()
    with new_progress() as progress:
        task = progress.add_task("Assessing risk and building the snapshot", total=2)
        moment = None if as_of is not None else latest_extract_time(Lake(settings.lake_dir))
        result = assess_records(con, pq.read_table(mentions_file), as_of, moment)
        progress.advance(task)
        run_info = linkage_stage.check(linkage_dir(settings))
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
