"""Copying a file while hashing it (one read), and hashing a file in place."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from safeguarding.recovery.faults import writing

CHUNK = 1 << 20


def file_sha256(path: Path, advance: Callable[[int], None] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
            if advance:
                advance(len(block))
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path, advance: Callable[[int], None] | None = None) -> tuple[int, str]:
    """Copy ``source`` to ``target`` (folders made, fsynced); returns (size, SHA-256 of what was copied)."""
    digest = hashlib.sha256()
    size = 0
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, writing(target), target.open("wb") as dst:
        while block := src.read(CHUNK):
            dst.write(block)
            digest.update(block)
            size += len(block)
            if advance:
                advance(len(block))
        dst.flush()
        os.fsync(dst.fileno())
    return size, digest.hexdigest()
