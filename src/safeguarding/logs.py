"""Structured logging: one JSON object per line on stderr.

Log messages carry ids and counts, never personal data (names, dates of birth, narratives): the
contract marks personal fields, and code logs record references instead.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(verbose: bool = False) -> None:
    """Send safeguarding's logs to stderr as JSON; quieten chatty libraries."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    for noisy in ("alembic", "uvicorn.access", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Splink warns about comparison levels unseen in small data; useful when tuning, noise otherwise.
    logging.getLogger("splink").setLevel(logging.INFO if verbose else logging.ERROR)
