"""Full disks and damaged files: one message that names the file and says what to do.

Write points in the pipeline wrap their writes in ``writing(path)``, which turns a full disk (or any
other operating-system error) into a ``DataFault`` naming the file. The command line's entry point
passes any other exception through ``explain``, which recognises a full disk or a damaged file in
errors raised deeper down (DuckDB and SQLite name the file in their messages) and words the advice
by where the file lives in the data folder. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DISK_FULL_TEXT = ("no space left on device", "database or disk is full", "disk quota exceeded", "disk is full")
DAMAGED_TEXT = (
    "no magic bytes", "too small to be a parquet file", "corrupt", "malformed", "file is not a database",
    "not a valid duckdb database", "magic bytes not found",
    "couldn't deserialize thrift", "invalid parquet",
)  # fmt: skip
# Environment variable naming a kill point: the process kills itself there (tests of crash safety).
KILL_AT = "SAFEGUARDING_TEST_KILL_AT"


class DataFault(RuntimeError):
    """A file in the data folder cannot be written or read; ``str()`` is the whole message for the user."""

    def __init__(self, path: Path | str, problem: str, advice: str) -> None:
        self.path = Path(path)
        self.problem = problem
        self.advice = advice
        super().__init__(f"{path}: {problem}. {advice}")


def kill_point(name: str) -> None:
    """Die here, as a power cut or kill -9 would, when SAFEGUARDING_TEST_KILL_AT names this point."""
    if os.environ.get(KILL_AT) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def is_disk_full(exc: BaseException) -> bool:
    for err in _chain(exc):
        if isinstance(err, OSError) and err.errno in DISK_FULL_ERRNOS:
            return True
        if any(text in str(err).lower() for text in DISK_FULL_TEXT):
            return True
    return False


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _free_space(path: Path) -> str:
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = shutil.disk_usage(probe).free
    except OSError:
        return "unknown"
    return f"{free / 1_000_000:,.1f} MB"


def disk_full(path: Path | str) -> DataFault:
    """The fault for a write to ``path`` that found the disk full."""
    return DataFault(
        path,
        f"the disk is full ({_free_space(Path(path))} free there)",
        "Free some space (or move the data folder to a larger disk) and run the command again; the next run "
        "removes anything the interrupted step left half-written",
    )


def advice_for(path: Path) -> str:
    """What to do about a damaged file, by where it lives in the data folder."""
    parts = set(path.parts)
    if "lake" in parts:
        return "Restore the data folder from the last backup (`safeguarding restore`)"
    if "snapshots" in parts:
        return "Run `safeguarding assess` (or `safeguarding run`) to build and publish a new snapshot"
    if "stages" in parts:
        return "Run `safeguarding link` to rebuild the linkage stage"
    if "models" in parts:
        return "Run `safeguarding link --retrain` to train a new linkage model"
    if path.suffix in (".sqlite3", ".db") or path.name.startswith("app."):
        return "Restore the app database from the last backup (`safeguarding restore`); do not delete it"
    return "Restore it from the last backup (`safeguarding restore`)"


def damaged(path: Path | str, detail: str) -> DataFault:
    return DataFault(path, f"the file is damaged ({detail})", advice_for(Path(path)))


@contextmanager
def writing(path: Path | str) -> Iterator[None]:
    """Turn an operating-system error while writing ``path`` into a DataFault that names it."""
    try:
        yield
    except DataFault:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise disk_full(path) from exc
        if isinstance(exc, OSError):
            raise DataFault(path, f"cannot be written ({exc.strerror or exc})", _os_advice(exc)) from exc
        raise


def _os_advice(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "Check that the service account may write to the data folder and that its disk is not read-only"
    return "Check the disk (the system log says more), then run the command again"


def read_json(path: Path) -> object:
    """A JSON file of the data folder; DataFault (naming it) when it is damaged."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise damaged(path, f"not valid JSON: {exc}") from None


_QUOTED_PATH = re.compile(r"""["']((?:/|[A-Za-z]:\\)[^"'\n]+)["']""")


def _named_file(exc: BaseException) -> str | None:
    for err in _chain(exc):
        if isinstance(err, OSError) and err.filename:
            return str(err.filename)
        found = _QUOTED_PATH.search(str(err))
        if found:
            return found.group(1)
    return None


def settings_in_force() -> tuple[str | None, str | None]:
    """(SQLite app database file or None, data folder) of the settings in force, for ``explain``."""
    from safeguarding.config import ConfigError, load_settings

    try:
        settings = load_settings()
    except (ConfigError, OSError):
        return None, None
    url = settings.app_database_url
    return (url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None), str(settings.data_dir)


def explain(exc: BaseException, app_database: str | None = None, data_dir: str | None = None) -> str | None:
    """A message for a full disk or a damaged file found anywhere below, or None (a bug: keep the traceback).

    ``app_database`` names the app database for errors SQLite raises without a file name, and
    ``data_dir`` the folder to name when a full disk's error names no file.
    """
    if isinstance(exc, DataFault):
        return str(exc)
    named = _named_file(exc)
    is_sqlite = any(type(err).__module__.startswith(("sqlite3", "sqlalchemy")) for err in _chain(exc))
    where = named or (app_database if is_sqlite else None)
    if is_disk_full(exc):
        return str(disk_full(where or data_dir or "the data folder"))
    text = " ".join(str(err).lower() for err in _chain(exc))
    if where and any(marker in text for marker in DAMAGED_TEXT):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return str(damaged(where, first[:300]))
    return None
