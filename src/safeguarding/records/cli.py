"""`safeguarding records queue|dispose` and `safeguarding subject-access`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeguarding.cli_common import context_settings, fail
from safeguarding.config import Settings

if TYPE_CHECKING:
    import duckdb

# Heavy modules are imported inside each command, so that `safeguarding --help` stays fast
# (tests/test_cli_imports.py).

records_app = typer.Typer(help="Records management: MoPI reviews and disposal.", no_args_is_help=True)


_settings = context_settings
_fail = fail


def _snapshot(settings: Settings) -> duckdb.DuckDBPyConnection:
    import duckdb

    from safeguarding.snapshot import store

    try:
        path = store.current(settings.snapshot_dir).path
    except store.SnapshotError as exc:
        raise _fail(f"{exc}; run `safeguarding run` first") from None
    return duckdb.connect(str(path), read_only=True)


def _moment(con: duckdb.DuckDBPyConnection) -> datetime:
    found = con.execute("SELECT value FROM snapshot_meta WHERE key = 'assessed_as_of'").fetchall()
    if not found or not found[0][0]:
        raise _fail("the published snapshot does not say its moment (assessed_as_of); run `safeguarding assess`")
    return datetime.fromisoformat(str(found[0][0]))


@records_app.command("queue")
def queue(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 50,
) -> None:
    """Records due for review at the data's moment, oldest review date first."""
    from safeguarding import db
    from safeguarding.records import queue as review_queue
    from safeguarding.security import audit
    from safeguarding.security.trail import cli_actor
    from safeguarding.workflow import record_reviews

    settings = _settings(ctx)
    con = _snapshot(settings)
    moment = _moment(con)
    with db.migrated_factory(settings.app_database_url) as factory:
        found = review_queue.build(con, record_reviews.latest(factory), moment.date(), limit=limit)
        audit.record(factory, username=cli_actor(), action="retention.queue", object_type="record_reviews",
                     detail={"due": found.total_due})  # fmt: skip
    con.close()
    typer.echo(f"{found.total_due:,} records due for review at {moment:%d %b %Y}; "
               f"{len(found.pending_disposal)} disposals waiting (`safeguarding records dispose`)")  # fmt: skip
    for item in found.due:
        child = " child" if item.child_involved else ""
        typer.echo(f"{item.review_on}  {item.key}  {item.group_id}{child}  {item.group_title}")


@records_app.command("dispose")
def dispose(ctx: typer.Context) -> None:
    """Carry out the disposals decided on the review queue: erase them (docs/security.md "Erasure")."""
    from safeguarding import db
    from safeguarding.lake.erase import Target
    from safeguarding.pipeline import erase_records
    from safeguarding.security.trail import cli_actor
    from safeguarding.workflow import record_reviews

    settings = _settings(ctx)
    with db.migrated_factory(settings.app_database_url) as factory:
        pending = record_reviews.pending_disposals(factory)
    if not pending:
        typer.echo("no disposals waiting")
        return
    targets = [Target(p.record_type, p.source_system, p.record_ref) for p in pending]
    ids = [p.id for p in pending]
    reason = "MoPI review: disposal decided on the review queue (decisions " + ", ".join(map(str, ids)) + ")"
    result = erase_records(settings, targets, reason)
    with db.migrated_factory(settings.app_database_url) as factory:
        record_reviews.mark_carried_out(factory, ids, result.erasure_id, cli_actor())
    typer.echo(f"disposed of {len(targets)} records (erasure {result.erasure_id}): removed "
               f"{sum(result.rows_removed.values()):,} rows; snapshots rebuilt")  # fmt: skip


def subject_access(
    ctx: typer.Context,
    person_id: Annotated[str, typer.Argument(help="The person's id (as on their page).")],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the bundle to.")],
    request: Annotated[str, typer.Option(help="The request's reference, e.g. SAR-2026-0012.")] = "",
    recipient: Annotated[str, typer.Option(help="Who the bundle is for.")] = "the data subject",
) -> None:
    """Write everything held about one person (HTML and CSV), third parties' data marked for redaction."""
    from safeguarding import db
    from safeguarding.lake.engine import DuckDBEngine
    from safeguarding.lake.store import Lake
    from safeguarding.records import subject_access as sar
    from safeguarding.security import audit
    from safeguarding.security.trail import cli_actor

    settings = _settings(ctx)
    snap = _snapshot(settings)
    lake = DuckDBEngine(Lake(settings.lake_dir)).connect()
    try:
        with db.migrated_factory(settings.app_database_url) as factory:
            try:
                bundle = sar.build(person_id, snap, lake, factory)
            except sar.SubjectAccessError as exc:
                raise _fail(str(exc), 1) from None
            written = sar.write(bundle, out, request, recipient)
            audit.record(
                factory, username=cli_actor(), action="disclosure.subject_access", object_type="person",
                object_id=person_id, detail={"request": request, "recipient": recipient, "files": len(written),
                                             "rows": bundle.rows, "via": "cli"},
            )  # fmt: skip
    finally:
        snap.close()
        lake.close()
    typer.echo(f"wrote {len(written)} files ({bundle.rows:,} rows in {len(bundle.sections)} sections) to {out}")
