"""Running the portal under uvicorn."""

from __future__ import annotations

import logging

import uvicorn

from safeguarding.config import Settings
from safeguarding.web.app import create_app

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    """Serve the portal on settings.host:settings.port until interrupted (Ctrl-C stops it cleanly)."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        # Access logs would record URLs (person ids) in plain logs; the audit log records views instead.
        access_log=False,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
    server = uvicorn.Server(config)
    log.info("portal listening on http://%s:%s", settings.host, settings.port)
    # uvicorn installs its own SIGINT/SIGTERM handlers and shuts down gracefully; the exception is
    # the second Ctrl-C, which we turn into a quiet exit rather than a traceback.
    try:
        server.run()
    except KeyboardInterrupt:
        log.info("portal stopped")
