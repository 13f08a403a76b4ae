"""One writer at a time in a data-folder area (the lake, the snapshot folder, the linkage stage)."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def folder_lock(folder: Path, name: str = ".lock") -> Iterator[None]:
    """Hold an exclusive lock on ``folder/name`` (made with the folder if missing) while the block runs."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / name).open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
