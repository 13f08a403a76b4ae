"""Helpers every page route shares: rendering with the viewer, and the published snapshot (or the page
that says there is none), and the record-level question "may this viewer open this child?"."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from safeguarding.snapshot import store
from safeguarding.web.auth import Viewer
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.state import app_state
from safeguarding.workflow import access, reviews


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> Response:
    return app_state(request).templates.TemplateResponse(
        request, template, {"viewer": viewer, **context}, status_code=status_code
    )


def snapshot_or_page(request: Request, viewer: Viewer) -> Snapshot | Response:
    """The snapshot to read, or the page that says there is none yet (or what is wrong with it)."""
    try:
        return app_state(request).snapshots.get()
    except store.SnapshotError as exc:
        problem = None if str(exc).startswith("no snapshot has been published") else str(exc)
        return render(request, "no_snapshot.html", viewer, status_code=503, problem=problem)


def access_basis(request: Request, viewer: Viewer, person_id: str) -> str | None:
    """Why this viewer may open this child now: 'in your queue', the reason they gave, or None (ask)."""
    factory = app_state(request).factory
    if person_id in reviews.queue_people(factory, viewer.username):
        return "in your queue"
    return access.current_reason(factory, username=viewer.username, person_id=person_id)
