"""The portal: server-rendered pages (FastAPI, Jinja2, HTMX) over the published snapshot."""

from safeguarding.web.app import create_app
from safeguarding.web.server import serve

__all__ = ["create_app", "serve"]
