"""Audit entries for work done from the command line (DPA 2018 s.62: collection, consultation,
combination, erasure). The actor is the operating-system account, prefixed ``cli:``."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from typing import Any

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import audit


def cli_actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (some containers)
        return "cli:unknown"


def record_cli(
    settings: Settings,
    action: str,
    object_type: str | None = None,
    object_id: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit entry for a command-line action (migrating the app database if needed)."""
    with db.migrated_factory(settings.app_database_url) as factory:
        audit.record(
            factory, username=cli_actor(), action=action, object_type=object_type, object_id=object_id, detail=detail
        )
