"""The `backup` and `restore` commands' work, kept here so cli.py stays a list of commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from safeguarding.config import Settings
from safeguarding.recovery.appdb import AppDatabaseError
from safeguarding.recovery.backup import BackupError, take_backup
from safeguarding.recovery.restore import RestoreError
from safeguarding.recovery.restore import restore as restore_backup
from safeguarding.security.trail import record_cli


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


def backup(settings: Settings, dest: Path, as_json: bool) -> None:
    try:
        summary = take_backup(settings, dest)
    except (BackupError, AppDatabaseError) as exc:
        raise _fail(str(exc)) from None
    # A backup is a copy of every record: a disclosure to the backup store, so it is audited.
    record_cli(settings, "backup", "backup", str(dest.resolve()),
               {"files": summary.files, "bytes": summary.bytes, "snapshot": summary.snapshot})  # fmt: skip
    if as_json:
        typer.echo(json.dumps(summary.to_json(), indent=2))
        return
    typer.echo(
        f"backed up {summary.files:,} files ({summary.bytes / 1_000_000:,.1f} MB, app database on "
        f"{summary.app_database}, {summary.audit_entries:,} audit entries) to {summary.dest} in {summary.seconds} s"
    )


def restore(settings: Settings, src: Path, force: bool, as_json: bool) -> None:
    try:
        summary = restore_backup(settings, src, force)
    except (RestoreError, AppDatabaseError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(summary.to_json(), indent=2))
        return
    typer.echo(
        f"restored {summary.files:,} files ({summary.bytes / 1_000_000:,.1f} MB) into {summary.data_dir}: checksums "
        f"checked in {summary.verify_seconds} s, restored in {summary.restore_seconds} s; audit chain intact "
        f"({summary.audit_entries:,} entries); snapshot {summary.snapshot or '(none)'}"
    )
