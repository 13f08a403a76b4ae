"""Progress bars for long steps, drawn on stderr so that --json output on stdout stays clean."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

T = TypeVar("T")

console = Console(stderr=True)


def _quiet() -> bool:
    return os.environ.get("SAFEGUARDING_QUIET", "") not in ("", "0")


def new_progress() -> Progress:
    """A rich Progress on stderr (hidden when SAFEGUARDING_QUIET is set)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=_quiet(),
        transient=False,
    )


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar."""
    seq = list(items) if total is None else items
    count = len(seq) if isinstance(seq, list) else total
    with new_progress() as progress:
        task = progress.add_task(description, total=count)
        for item in seq:
            yield item
            progress.advance(task)


def note(message: str) -> None:
    """A one-line progress note on stderr (hidden when SAFEGUARDING_QUIET is set)."""
    if not _quiet():
        console.print(message)


def warn(message: str) -> None:
    """A one-line warning on stderr, shown even when SAFEGUARDING_QUIET hides progress."""
    console.print(f"warning: {message}", markup=False, highlight=False, soft_wrap=True)
