"""The audit chain's key: kept outside the app database, so someone who can write to the database alone
cannot recompute the chain after rewriting or inserting entries.

Where the key comes from (first found wins):

1. ``SAFEGUARDING_AUDIT_KEY``: the key itself, as at least 64 hexadecimal digits (32 bytes);
2. ``SAFEGUARDING_AUDIT_KEY_FILE``: a file holding such a key;
3. ``audit.key`` beside a SQLite app database (the data folder by default), or in the data folder of
   the settings that named any other database (``SAFEGUARDING_DATA_DIR`` when none did). It is
   created, 32 random bytes written as hex with owner-only permissions, the first time it is needed.

Keep a copy of the key with the backups: without it the chain cannot be verified.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

from sqlalchemy.engine import URL, make_url

KEY_ENV = "SAFEGUARDING_AUDIT_KEY"
KEY_FILE_ENV = "SAFEGUARDING_AUDIT_KEY_FILE"
KEY_FILE_NAME = "audit.key"
_MIN_HEX = 64

_cache: dict[str, bytes] = {}
_data_dirs: dict[tuple[str, str | None, int | None, str | None], Path] = {}
_lock = threading.Lock()


def _url_id(url: str | URL) -> tuple[str, str | None, int | None, str | None]:
    parsed = make_url(url) if isinstance(url, str) else url
    return (parsed.get_backend_name(), parsed.host, parsed.port, parsed.database)


def register(url: str, data_dir: Path) -> None:
    """Note the data folder of the settings that name the database at ``url`` (where its key lives)."""
    with _lock:
        _data_dirs[_url_id(url)] = data_dir


class AuditKeyError(RuntimeError):
    """The audit key is configured but unusable (the message names where it came from)."""


def _parse(text: str, source: str) -> bytes:
    cleaned = text.strip()
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        raise AuditKeyError(f"{source}: the audit key must be hexadecimal digits only") from None
    if len(cleaned) < _MIN_HEX:
        raise AuditKeyError(f"{source}: the audit key must be at least {_MIN_HEX} hexadecimal digits (32 bytes)")
    return key


def key_path(url: str | URL) -> Path | None:
    """The key file used for the app database at ``url``; None when the key comes from the environment."""
    if os.environ.get(KEY_ENV):
        return None
    if os.environ.get(KEY_FILE_ENV):
        return Path(os.environ[KEY_FILE_ENV])
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database).resolve().parent / KEY_FILE_NAME
    with _lock:
        data_dir = _data_dirs.get(_url_id(parsed))
    if data_dir is None:
        data_dir = Path(os.environ.get("SAFEGUARDING_DATA_DIR", "./safeguarding-data"))
    return data_dir.resolve() / KEY_FILE_NAME


def _read_or_create(path: Path) -> bytes:
    if path.is_file():
        return _parse(path.read_text(encoding="ascii", errors="replace"), str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    text = secrets.token_hex(32)
    # O_EXCL: two processes starting at once cannot both write a key; the loser reads the winner's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _parse(path.read_text(encoding="ascii", errors="replace"), str(path))
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(text + "\n")
    return bytes.fromhex(text)


def key_for(url: str | URL) -> bytes:
    """The audit key for the app database at ``url`` (read once per process and database)."""
    if os.environ.get(KEY_ENV):
        return _parse(os.environ[KEY_ENV], f"environment variable {KEY_ENV}")
    path = key_path(url)
    assert path is not None
    cache_key = str(path.resolve())
    with _lock:
        if cache_key not in _cache:
            _cache[cache_key] = _read_or_create(path)
        return _cache[cache_key]


def forget() -> None:
    """Drop cached keys (tests that replace a key file)."""
    with _lock:
        _cache.clear()
