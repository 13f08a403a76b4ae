"""Running the portal under uvicorn: one process, or several worker processes on one socket.

With ``workers`` above 1, uvicorn's own process manager binds the socket once, starts that many
worker processes (each imports the app through ``worker_app``) and restarts any that die. Everything
the workers must agree on lives in the app database (login sessions, lockouts, the audit chain, the
workflow) or on disk (the published snapshot, which each worker reopens when ``CURRENT`` moves), so
no request depends on which worker serves it. Migrations run once in the parent before any worker
starts; a worker's own start-up check then finds the database at the latest revision (on PostgreSQL
that check is also serialised by an advisory lock, see db.upgrade).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from sqlalchemy import make_url

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.web.app import create_app

log = logging.getLogger(__name__)

# The parent hands its resolved settings to the worker processes through this variable (workers are
# fresh interpreters: they do not see the command line or the --config file the parent read).
WORKER_SETTINGS_ENV = "SAFEGUARDING_WORKER_SETTINGS"
# uvicorn's supervisor kills a worker that does not answer its ping within this many seconds. Its
# default (5 s) is shorter than a fresh worker needs to start Python and import the app on a busy
# machine, which would kill every new worker before it serves; a hung worker is still replaced.
WORKER_HEALTHCHECK_SECONDS = 60


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        # Access logs would record URLs (person ids) in plain logs; the audit log records views instead.
        "access_log": False,
        # The portal trusts no forwarded headers: cookies are marked Secure by setting (secure_cookies),
        # and nothing else depends on the client's address or scheme.
        "proxy_headers": False,
        "server_header": False,
        "log_level": "info",
    }


def settings_to_env(settings: Settings) -> str:
    """``settings`` as JSON text for the worker processes."""
    return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in asdict(settings).items()})


def settings_from_env(text: str) -> Settings:
    """The settings ``settings_to_env`` wrote."""
    raw = json.loads(text)
    kinds = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {k: Path(v) if kinds.get(k) in (Path, "Path") else v for k, v in raw.items() if k in kinds}
    return Settings(**values)


def worker_app() -> FastAPI:
    """The app in one worker process (uvicorn calls this factory in each worker)."""
    text = os.environ.get(WORKER_SETTINGS_ENV)
    if not text:
        raise RuntimeError(f"{WORKER_SETTINGS_ENV} is not set: start workers with `safeguarding serve --workers N`")
    return create_app(settings_from_env(text))


def serve(settings: Settings) -> None:
    """Serve the portal on settings.host:settings.port with settings.workers processes until interrupted
    (Ctrl-C or SIGTERM stops it cleanly)."""
    workers = settings.workers
    if workers > 1:
        db.upgrade(settings.app_database_url)
        if make_url(db.normalise_url(settings.app_database_url)).get_backend_name() == "sqlite":
            log.warning(
                "%d workers on a SQLite app database: writes queue on one file lock; use PostgreSQL for a busy portal",
                workers,
            )
        os.environ[WORKER_SETTINGS_ENV] = settings_to_env(settings)
        log.info("portal listening on http://%s:%s with %d workers", settings.host, settings.port, workers)
        try:
            uvicorn.run(
                "safeguarding.web.server:worker_app",
                factory=True,
                workers=workers,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                **_uvicorn_options(settings),
            )
        except KeyboardInterrupt:
            log.info("portal stopped")
        return
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, **_uvicorn_options(settings)))
    log.info("portal listening on http://%s:%s", settings.host, settings.port)
    # uvicorn installs its own SIGINT/SIGTERM handlers and shuts down gracefully; the exception is
    # the second Ctrl-C, which we turn into a quiet exit rather than a traceback.
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("portal stopped")
