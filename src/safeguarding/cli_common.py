"""What every command-line module needs: the settings the main callback put on the context, and a refusal."""

from __future__ import annotations

import typer

from safeguarding.config import Settings


def context_settings(ctx: typer.Context) -> Settings:
    """The settings the main callback loaded (``safeguarding --data-dir`` and the environment)."""
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)
