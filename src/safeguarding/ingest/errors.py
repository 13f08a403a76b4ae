"""The error for a file that cannot be loaded at all."""

from __future__ import annotations

from pathlib import Path


class FileError(Exception):
    """A file that cannot be loaded at all; the message names the file, line and field."""

    def __init__(self, path: Path, line: int, field: str, reason: str) -> None:
        where = f"line {line}, field {field!r}" if line else field  # line 0: the file as a whole, not a line
        super().__init__(f"{path}: {where}: {reason}")
        self.path, self.line, self.field, self.reason = path, line, field, reason
        self.load_id: str | None = None  # the refused load's id, once a load was started
