"""Helpers every page route shares: rendering with the viewer, and the published snapshot (or the page
that says there is none), and the record-level question "may this viewer open this child?"."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from safeguarding.security import audit
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


def refused_for_no_reason(request: Request, viewer: Viewer, object_type: str, object_id: str) -> None:
    """Audit a refusal to show a child's record because no reason for access was given (#26 item 11)."""
    audit.record(
        app_state(request).factory, username=viewer.username, action="access.denied", object_type=object_type,
        object_id=object_id, detail={"path": request.url.path, "reason": "no reason for access given"},
    )  # fmt: skip


def reason_gate(
    request: Request, viewer: Viewer, person_id: str, object_type: str = "person", *, action: str | None = None
) -> str | Response:
    """The basis for showing this child, or the reason form (the refusal audited as ``access.denied``).

    ``action`` is where the form posts (the profile's own reason route by default); the page that asked
    is named in ``next`` so the viewer comes back to it.
    """
    basis = access_basis(request, viewer, person_id)
    if basis is not None:
        return basis
    refused_for_no_reason(request, viewer, object_type, person_id)
    return render(
        request, "access_reason.html", viewer, person_id=person_id, error=None,
        action=action, next_path=request.url.path,
    )  # fmt: skip
