"""The `safeguarding` command. Names, options and exit codes follow DESIGN.md "The command line and files".

Exit codes: 0 done; 1 refused or failed (the message says why); 2 usage error (one line on stderr).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

# Only light modules at the top: `safeguarding --help` must not pay for DuckDB, Arrow, Splink, SQLAlchemy or
# FastAPI (tests/test_cli_imports.py checks it). Each command imports what it needs when it runs.
from safeguarding import logs
from safeguarding.cli_common import context_settings, fail
from safeguarding.config import ConfigError, Settings, load_settings
from safeguarding.linkage import cli as link_cli
from safeguarding.records import cli as records_cli
from safeguarding.records.schedule import ScheduleError, use_schedule_file
from safeguarding.security.cli import audit_app, db_app, users_app

app = typer.Typer(
    help="Safeguarding: child-protection intelligence from a police force's records.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
quarantine_app = typer.Typer(help="Rows refused at ingest, with file, line, field and reason.", no_args_is_help=True)
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(link_cli.link_app, name="link")
app.command("resolve")(link_cli.resolve)
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(db_app, name="db")
contract_app = typer.Typer(help="The data contract: record types, fields and checks.", no_args_is_help=True)
app.add_typer(contract_app, name="contract")
app.add_typer(records_cli.records_app, name="records")
app.command("subject-access")(records_cli.subject_access)


_settings = context_settings
_fail = fail


def _emit(data: dict[str, Any]) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


@app.callback()
def main_callback(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (default: ./safeguarding.toml if present)."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Data folder (env SAFEGUARDING_DATA_DIR).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details (JSON lines).")] = False,
) -> None:
    from safeguarding.policy.levels import ServiceLevelError, use_levels_file

    logs.configure(verbose)
    try:
        settings = load_settings(config)
        use_levels_file(settings.service_levels_file)
        use_schedule_file(settings.retention_schedule_file)
    except (ConfigError, ServiceLevelError, ScheduleError) as exc:
        raise _fail(str(exc), 2) from None
    ctx.obj = settings.with_overrides(data_dir=data_dir)


class Scale(StrEnum):
    tiny = "tiny"
    county = "county"
    large = "large"


class Format(StrEnum):
    csv = "csv"
    jsonl = "jsonl"
    parquet = "parquet"


@app.command()
def synth(
    out: Annotated[Path, typer.Option("--out", help="Folder to write exports/ and truth/ into.")],
    scale: Annotated[Scale, typer.Option(help="tiny (tests), county (Dorset-like), large (10x county).")] = Scale.tiny,
    years: Annotated[int, typer.Option(min=1, max=20, help="Years of records.")] = 1,
    seed: Annotated[int, typer.Option(help="Random seed: same seed and options, same bytes.")] = 1,
    fmt: Annotated[Format, typer.Option("--format", help="Export file format.")] = Format.csv,
    start: Annotated[str, typer.Option(help="First day of the period, YYYY-MM-DD (fixed default).")] = "2023-01-01",
) -> None:
    """Generate a synthetic force's exports with the planted truth (docs/synthetic-data.md)."""
    from safeguarding.synth.force import SynthOptions, generate

    try:
        start_date = date.fromisoformat(start)
    except ValueError:
        raise typer.BadParameter(f"{start!r} is not a date (YYYY-MM-DD)", param_hint="--start") from None
    if not 1900 <= start_date.year <= 2100:
        raise _fail(f"--start {start} is outside 1900-2100", 2)
    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out} exists and is not a folder", 2)
    options = SynthOptions(scale=scale.value, years=years, seed=seed, start=start_date, fmt=fmt.value)
    try:
        options.check()
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    summary = generate(options, out)
    typer.echo(
        f"wrote {sum(summary['rows'].values()):,} rows to {out / 'exports'} and the truth "
        f"({summary['scenarios']:,} scenarios, {summary['expected']:,} expected flags) to {out / 'truth'}"
    )


@app.command()
def ingest(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="Export files or folders.")],
    max_reject_rate: Annotated[
        float | None, typer.Option(min=0.0, max=1.0, help="Refuse the load above this share of bad rows.")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="YAML file mapping the force's file names, columns and codes.")
    ] = None,
    delimiter: Annotated[str | None, typer.Option(help="CSV delimiter (default: sniffed).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object with the counts.")] = False,
    extract_time: Annotated[
        str | None,
        typer.Option(
            "--extract-time",
            help="When the force's systems were read for these files (ISO 8601 with offset); default: the "
            "export manifest's extract_time, else the latest time any record in the load was known.",
        ),
    ] = None,
) -> None:
    """Validate export files and load them into the lake as one all-or-nothing load."""
    from safeguarding.ingest.errors import FileError
    from safeguarding.ingest.mapping import MappingError, load_mapping
    from safeguarding.lake.extract_time import ExtractTimeError, from_export_manifest, parse_time
    from safeguarding.pipeline import run_ingest

    try:
        loaded_mapping = load_mapping(mapping) if mapping else None
    except MappingError as exc:
        raise _fail(str(exc), 2) from None
    try:
        given = parse_time(extract_time, "--extract-time") if extract_time else from_export_manifest(paths)
    except ExtractTimeError as exc:
        raise _fail(str(exc), 2) from None
    source = "--extract-time" if extract_time else "export manifest"
    try:
        result = run_ingest(_settings(ctx), paths, max_reject_rate, delimiter, loaded_mapping, given, source)
    except FileError as exc:
        raise _fail(f"{exc} (nothing was loaded)") from None
    data = result.to_json()
    data["extract_time"] = _extract_time_of(_settings(ctx), result.load_id) if result.status == "loaded" else None
    if as_json:
        keys = ("load_id", "status", "rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate", "rows_erased",
                "rows_excluded", "files_skipped", "reject_rate", "reasons", "files", "extract_time")  # fmt: skip
        _emit({k: data[k] for k in keys})
    else:
        typer.echo(
            f"{result.status}: load {result.load_id or '-'}; read {result.rows_read:,}, loaded {result.rows_loaded:,}, "
            f"quarantined {result.rows_quarantined:,}, duplicate {result.rows_duplicate:,}"
            + (f", erased earlier {result.rows_erased:,}" if result.rows_erased else "")
        )
        if data["extract_time"]:
            typer.echo(f"extract time {data['extract_time']}")
        for skipped in data["files_skipped"]:
            typer.echo(f"skipped {skipped}")
    if result.status == "refused":
        top = "; ".join(f"{reason} ({n})" for reason, n in list(result.reasons.items())[:5])
        raise _fail(
            f"load refused: {result.reject_rate:.1%} of rows were bad, over the limit of "
            f"{result.max_reject_rate:.1%}. Main reasons: {top}. See `safeguarding quarantine show {result.load_id}`."
        )


def _extract_time_of(settings: Settings, load_id: str | None) -> str | None:
    """The extract time stamped on a committed load's manifest (lake.extract_time)."""
    from safeguarding.lake.store import Lake

    if not load_id:
        return None
    value = Lake(settings.lake_dir).manifest(load_id).get("extract_time")
    return str(value) if value else None


assess_app = typer.Typer(
    help="Run the risk rules, then build and publish the snapshot the portal reads.", invoke_without_command=True
)
app.add_typer(assess_app, name="assess")


@assess_app.callback()
def assess(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Use only records reported by this date (YYYY-MM-DD).")
    ] = None,
) -> None:
    """Run the risk rules, then build and publish the snapshot the portal reads."""
    if ctx.invoked_subcommand is not None:
        return
    from safeguarding.pipeline import StageError, run_assess

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        raise _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)", 2) from None
    try:
        summary = run_assess(_settings(ctx), as_of=day)
    except StageError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _emit(summary.to_json())
    else:
        typer.echo(
            f"published {summary.snapshot}: {summary.persons:,} persons, {summary.indicators:,} indicators, "
            f"{summary.alerts:,} alerts"
        )


@assess_app.command("evaluate")
def assess_evaluate(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option("--truth", help="The synthetic force folder (DIR or DIR/truth).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the measures as JSON.")] = False,
    step_days: Annotated[int, typer.Option("--step-days", min=1, help="Replay step for lead times.")] = 7,
) -> None:
    """Measure the assessment against a synthetic force's planted truth (recall, precision, lead time)."""
    from safeguarding.pipeline import StageError, evaluate_assessment

    try:
        result = evaluate_assessment(_settings(ctx), truth, step_days)
    except (StageError, ValueError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        _emit(result)
        return
    typer.echo(
        f"recall {result['recall']}, precision {result['precision']}, median lead {result['median_lead_days']} days "
        f"({result['children_alerted']} children alerted, {result['children_expected']} planted at risk)"
    )
    for cat, row in result["categories"].items():
        typer.echo(f"  {cat}: recall {row['recall']} ({row['alerted']}/{row['expected']}), "
                   f"median lead {row['median_lead_days']} days")  # fmt: skip
    typer.echo(f"  groups: {result['groups']['recovered']}/{result['groups']['expected']} recovered; "
               f"places: {result['places']['recovered']}/{result['places']['expected']} recovered; "
               f"hotspot PAI {result['places']['pai']} (out of time)")  # fmt: skip


@assess_app.command("rules-doc")
def assess_rules_doc() -> None:
    """Print the rule catalogue (docs/rules.md) generated from the rule files."""
    from safeguarding.assess.rules_catalogue import catalogue_markdown, load_rules

    typer.echo(catalogue_markdown(load_rules()), nl=False)


@app.command()
def run(
    ctx: typer.Context,
    inbox: Annotated[Path | None, typer.Argument(help="Folder of new exports to ingest first.")] = None,
) -> None:
    """Ingest (if INBOX is given), link, assess and publish, in one go."""
    if inbox is not None:
        ctx.invoke(
            ingest, ctx=ctx, paths=[inbox], max_reject_rate=None, mapping=None, delimiter=None, as_json=False,
            extract_time=None,
        )  # fmt: skip
    link_cli._print(link_cli._summary(_settings(ctx), retrain=False), as_json=False)
    ctx.invoke(assess, ctx=ctx, as_json=False, as_of=None)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes (default 1; see docs/deployment.md).")
    ] = None,
) -> None:
    """Serve the portal (migrations run first). Ctrl-C stops it."""
    from safeguarding.web.server import serve as serve_portal

    serve_portal(_settings(ctx).with_overrides(host=host, port=port, workers=workers))


def demo_start(today: date) -> date:
    """The demo force's first day: the year of whole months that ends at the start of this month, so the demo's
    data (and the assessment's moment) is recent rather than fixed in 2023. The generator works in whole months."""
    year, month = (today.year - 1, today.month)
    return date(year, month, 1)


@app.command()
def demo(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default 8000).")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Prepare everything but do not serve.")] = False,
) -> None:
    """Generate a small synthetic force, run the whole pipeline, create an admin and serve the portal."""
    from safeguarding.pipeline import run_assess, run_ingest, run_link
    from safeguarding.security.cli import create_admin_with_one_time_password
    from safeguarding.synth.force import SynthOptions, generate
    from safeguarding.web.server import serve as serve_portal

    settings = _settings(ctx).with_overrides(host=host, port=port)
    # The demo admin signs in with a printed password and no second factor; every page says so.
    os.environ.setdefault("SAFEGUARDING_ADMIN_TOTP", "relaxed")
    force = settings.data_dir / "demo-force"
    if not (force / "truth" / "options.json").exists():
        typer.echo(f"Generating a small synthetic force in {force} ...")
        generate(SynthOptions(scale="tiny", seed=1, start=demo_start(date.today())), force)
    result = run_ingest(settings, [force / "exports"])
    typer.echo(f"Ingest: {result.status}; {result.rows_loaded:,} rows loaded, {result.rows_quarantined:,} quarantined")
    linked = run_link(settings)
    typer.echo(f"Linkage: {linked.mentions.num_rows:,} mentions -> {linked.persons:,} persons")
    summary = run_assess(settings)
    typer.echo(f"Assessment: {summary.alerts:,} alerts; snapshot {summary.snapshot} published")
    password = create_admin_with_one_time_password(settings)
    url = f"http://{settings.host}:{settings.port}"
    typer.echo(
        "\n  SYNTHETIC DATA - demonstration only\n"
        f"  Portal:             {url}\n"
        "  User:               admin\n"
        f"  One-time password:  {password}   (you will be asked to choose a new one)\n"
    )
    if not no_serve:
        typer.echo("Serving; press Ctrl-C to stop.")
        serve_portal(settings)


@app.command()
def loads(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List loads with their counts."""
    from safeguarding.lake.store import Lake

    manifests = Lake(_settings(ctx).lake_dir).manifests()
    if as_json:
        typer.echo(json.dumps(manifests, indent=2))
        return
    for m in manifests:
        typer.echo(
            f"{m['load_id']}  {m['status']:<8} {m['started_at']}  files {len(m['files'])}  read {m['rows_read']:,}  "
            f"loaded {m['rows_loaded']:,}  quarantined {m['rows_quarantined']:,}  duplicate {m['rows_duplicate']:,}"
        )


@quarantine_app.command("list")
def quarantine_list(ctx: typer.Context) -> None:
    """Loads that quarantined rows, with how many."""
    from safeguarding.lake.store import Lake

    for m in Lake(_settings(ctx).lake_dir).manifests():
        if m["rows_quarantined"]:
            typer.echo(f"{m['load_id']}  {m['status']:<8} {m['rows_quarantined']:,} rows quarantined")


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    load_id: Annotated[str, typer.Argument(metavar="LOAD", help="Load id (see `safeguarding loads`).")],
    limit: Annotated[int, typer.Option(help="Show at most this many problems.")] = 100,
    raw: Annotated[bool, typer.Option("--raw", help="Also print each row's raw text (audited).")] = False,
) -> None:
    """The quarantined rows of one load: file, line, field, reason (and raw text with --raw)."""
    import pyarrow.parquet as pq

    from safeguarding.lake.store import Lake
    from safeguarding.security.trail import record_cli

    lake = Lake(_settings(ctx).lake_dir)
    try:
        lake.manifest(load_id)
    except KeyError:
        raise _fail(f"no load {load_id!r}; see `safeguarding loads`") from None
    path = lake.quarantine_file(load_id)
    if not path.exists():
        typer.echo("nothing quarantined in this load")
        return
    # The raw text can hold personal data: showing it is a consultation, so it is audited.
    record_cli(_settings(ctx), "quarantine.view", "load", load_id, {"limit": limit, "raw": raw})
    for row in pq.read_table(path).slice(0, limit).to_pylist():
        typer.echo(f"{row['file']}:{row['line']}  {row['field']}: {row['reason']}")
        if raw:
            typer.echo(f"    {row['raw']}")


@app.command()
def erase(
    ctx: typer.Context,
    records: Annotated[
        list[str],
        typer.Argument(metavar="RECORD...", help="RECORD_TYPE:SOURCE_SYSTEM:REF, e.g. persons:niche:NP0000012"),
    ],
    reason: Annotated[str, typer.Option(help="The retention review or court order this carries out.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase records from the lake and from every snapshot (older snapshots are deleted)."""
    from safeguarding.lake.erase import ErasureError, Target
    from safeguarding.pipeline import erase_records

    try:
        targets = [Target.parse(r) for r in records]
    except ErasureError as exc:
        raise _fail(str(exc), 2) from None
    if not yes and not typer.confirm(f"Erase {len(targets)} record(s) permanently?"):
        raise typer.Abort()
    try:
        result = erase_records(_settings(ctx), targets, reason)
    except ErasureError as exc:
        raise _fail(str(exc), 2) from None
    typer.echo(
        f"erasure {result.erasure_id}: removed {sum(result.rows_removed.values()):,} rows "
        f"({', '.join(f'{k} {v}' for k, v in result.rows_removed.items())}) and "
        f"cleared the raw text of {result.quarantine_rows_cleared} quarantined rows; "
        f"redacted {result.values_redacted} free-text values; snapshots rebuilt"
    )


@app.command()
def backup(
    ctx: typer.Context,
    dest: Annotated[Path, typer.Argument(help="A new (or empty) folder to write the backup into.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Copy everything the data folder needs, with SHA-256 checksums (docs/deployment.md, Backups)."""
    from safeguarding.recovery import backup_cli

    backup_cli.backup(_settings(ctx), dest, as_json)


@app.command()
def restore(
    ctx: typer.Context,
    src: Annotated[Path, typer.Argument(help="A folder written by `safeguarding backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace a data folder or app database that is not empty.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Rebuild an empty data folder from a backup, checking every checksum and the audit chain."""
    from safeguarding.recovery import backup_cli

    backup_cli.restore(_settings(ctx), src, force, as_json)


@contract_app.command("docs")
def contract_docs() -> None:
    """Print the data contract as Markdown (the source of docs/data-contract.md)."""
    from safeguarding.contract.docs import render_markdown

    typer.echo(render_markdown(), nl=False)


def main() -> None:
    """Entry point: usage errors become one line on stderr and exit code 2."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=sys.argv[1:], prog_name="safeguarding", standalone_mode=False)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `safeguarding`: the help is the answer
            typer.echo(exc.format_message())
            sys.exit(0)
        message = exc.format_message().replace("Value error, ", "")
        typer.echo(f"error: {message}", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        # A full disk or a damaged file: one message naming the file and what to do. Anything else is a
        # bug and keeps its traceback.
        from safeguarding.recovery.faults import explain, settings_in_force

        explained = explain(exc, *settings_in_force())
        if explained is None:
            raise
        typer.echo(f"error: {explained}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
