"""`safeguarding link ...` and `safeguarding resolve`: the command line of person resolution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from safeguarding.config import Settings, load_settings

link_app = typer.Typer(
    help="Person resolution: link the lake's person mentions into persons (Splink on DuckDB).",
    invoke_without_command=True,
)


def _settings(ctx: typer.Context) -> Settings:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, Settings) else load_settings()


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def _summary(settings: Settings, retrain: bool) -> dict[str, Any]:
    from safeguarding.linkage.resolve import LinkageRefused
    from safeguarding.pipeline import run_link

    try:
        result = run_link(settings, retrain=retrain)
    except LinkageRefused as exc:
        raise _fail(str(exc)) from None
    return {
        "mentions": result.mentions.num_rows,
        "persons": result.persons,
        "model_version": result.model_version,
        "trained": result.trained,
        "comparisons": result.comparisons,
        "threshold": result.threshold.__dict__,
        "notes": result.notes,
        "changes": len(result.changes),
        "decisions_skipped": len(result.skipped_decisions),
    }


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for rule in summary["comparisons"]:
        typer.echo(f"  {rule['marginal']:>12,} comparisons  {rule['rule']}")
    for line in summary["notes"]:
        typer.echo(f"note: {line}")
    typer.echo(
        f"{summary['mentions']:,} mentions -> {summary['persons']:,} persons "
        f"(model {summary['model_version']}{', trained now' if summary['trained'] else ''}; "
        f"{summary['changes']} splits/merges since the last snapshot)"
    )


@link_app.callback()
def link(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Resolve every person mention in the lake, reusing the saved model (trained on first use).

    Reports the comparisons each blocking rule makes before scoring, and refuses a run over the cap.
    """
    if ctx.invoked_subcommand is None:
        _print(_summary(_settings(ctx), retrain=False), as_json)


@link_app.command()
def retrain(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False
) -> None:
    """Train the linkage model again on the lake's mentions, save it as a new version, and link."""
    _print(_summary(_settings(ctx), retrain=True), as_json)


@link_app.command()
def evaluate(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option(help="CSV of record_id,true_id (or the synthetic person_truth.csv).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score the last linkage against a truth file: pairwise precision, recall, F1 and B-cubed."""
    import pyarrow.parquet as pq

    from safeguarding.linkage.evaluate import bcubed, pairwise_scores, read_truth
    from safeguarding.pipeline import linkage_dir

    mentions = linkage_dir(_settings(ctx)) / "mentions.parquet"
    if not mentions.exists():
        raise _fail("no linkage output yet: run `safeguarding link` first")
    try:
        true_ids = read_truth(truth)
    except (OSError, ValueError) as exc:
        raise _fail(str(exc), 2) from None
    table = pq.read_table(mentions, columns=["mention_id", "person_id"])
    predicted = dict(zip(table.column(0).to_pylist(), table.column(1).to_pylist(), strict=True))
    pair, cube = pairwise_scores(predicted, true_ids), bcubed(predicted, true_ids)
    result = {
        "records": len(predicted.keys() & true_ids.keys()),
        "pairwise": {"precision": pair.precision, "recall": pair.recall, "f1": pair.f1,
                     "true_pairs": pair.true_pairs, "predicted_pairs": pair.predicted_pairs},
        "bcubed": {"precision": cube.precision, "recall": cube.recall, "f1": cube.f1},
    }  # fmt: skip
    if as_json:
        typer.echo(json.dumps(result, indent=2))
    else:
        typer.echo(
            f"{result['records']:,} records; pairwise precision {pair.precision:.4f} recall {pair.recall:.4f} "
            f"F1 {pair.f1:.4f}; B-cubed precision {cube.precision:.4f} recall {cube.recall:.4f} F1 {cube.f1:.4f}"
        )


def _decide(ctx: typer.Context, kind: str, mention: str, other: str | None, reason: str) -> None:
    from safeguarding import db
    from safeguarding.security.trail import cli_actor
    from safeguarding.workflow.linkage_decisions import LinkageDecisionError, record_decision

    try:
        with db.migrated_factory(_settings(ctx).app_database_url) as factory:
            decision = record_decision(
                factory, kind=kind, mention=mention, other_mention=other, reason=reason, actor=cli_actor()
            )
    except LinkageDecisionError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(f"decision {decision.id} recorded: {kind}; it takes effect on the next `safeguarding link`")


@link_app.command()
def merge(
    ctx: typer.Context,
    mention: Annotated[str, typer.Argument(help="A mention of the first person, SYSTEM:REF.")],
    other: Annotated[str, typer.Argument(help="A mention of the second person, SYSTEM:REF.")],
    reason: Annotated[str, typer.Option(help="Why they are the same person (recorded and audited).")],
) -> None:
    """Record that two persons are one (re-applied on every later run)."""
    _decide(ctx, "merge", mention, other, reason)


@link_app.command()
def split(
    ctx: typer.Context,
    mention: Annotated[str, typer.Argument(help="The mention to split off, SYSTEM:REF.")],
    reason: Annotated[str, typer.Option(help="Why it is not that person (recorded and audited).")],
) -> None:
    """Record that a mention is not the person it was linked to (re-applied on every later run)."""
    _decide(ctx, "split", mention, None, reason)


@link_app.command()
def decisions(ctx: typer.Context) -> None:
    """List the merge and split decisions in force, oldest first."""
    from safeguarding import db
    from safeguarding.workflow.linkage_decisions import active_decisions

    with db.migrated_factory(_settings(ctx).app_database_url) as factory:
        rows = active_decisions(factory)
    for d in rows:
        typer.echo(f"{d.id:>5}  {d.kind:<5}  {d.mention}  {d.other_mention or ''}  by {d.decided_by}: {d.reason}")


def resolve(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet table of people.")],
    id_column: Annotated[str, typer.Option(help="Column with a unique record id.")],
    columns: Annotated[
        str,
        typer.Option(help="Person fields from columns, e.g. first_name=given,surname=family,dob=born,postcode=pc"),
    ],
    out: Annotated[Path, typer.Option(help="Output CSV: record_id,person_id for every input row.")],
    source_column: Annotated[
        str | None, typer.Option(help="Column naming each row's source: link across sources and dedupe within.")
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Match probability at or above which records are joined (default: the one that maximises "
            "expected F1 under the file's model, printed).",
        ),
    ] = None,  # generic.DEFAULT_THRESHOLD
) -> None:
    """Deduplicate (or link) any table of people with the same method `link` uses.

    Fields: first_name, middle_name, surname, full_name, dob, sex, postcode, address, town, phone,
    email, identifier. Dates in ISO, dd/mm/yyyy or yyyymmdd; an unreadable date counts as missing.
    """
    from safeguarding.linkage.generic import ResolveError, parse_columns, resolve_file
    from safeguarding.linkage.resolve import LinkageRefused

    try:
        summary = resolve_file(file, id_column, parse_columns(columns), out, source_column, threshold)
    except ResolveError as exc:
        raise _fail(str(exc), 2) from None
    except LinkageRefused as exc:
        raise _fail(str(exc)) from None
    for line in summary.notes:
        typer.echo(f"note: {line}")
    typer.echo(
        f"{summary.records:,} records -> {summary.persons:,} persons ({summary.comparisons:,} comparisons); wrote {out}"
    )
