"""The intelligence pages: alerts, a child's page, and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.db import transaction
from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.snapshot import store
from safeguarding.web import queries
from safeguarding.web.auth import Viewer, require
from safeguarding.web.state import app_state

router = APIRouter()


def _render(request: Request, template: str, viewer: Viewer, status_code: int = 200, **context: Any) -> Response:
    return app_state(request).templates.TemplateResponse(
        request, template, {"viewer": viewer, **context}, status_code=status_code
    )


def _snapshot(request: Request, viewer: Viewer) -> store.PublishedSnapshot | Response:
    """The published snapshot, or the page that says there is none yet."""
    try:
        return store.current(app_state(request).settings.snapshot_dir)
    except store.SnapshotError:
        return _render(request, "no_snapshot.html", viewer, status_code=503)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/alerts", status_code=303)


@router.get("/alerts")
def alerts(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_ALERTS, "alerts"))],
    category: str = "",
) -> Response:
    snap = _snapshot(request, viewer)
    if isinstance(snap, Response):
        return snap
    rows = queries.list_alerts(snap.path)
    categories = sorted({r.category for r in rows})
    shown = [r for r in rows if r.category == category] if category else rows
    return _render(
        request, "alerts.html", viewer, alerts=shown, categories=categories, category=category, snapshot=snap
    )


@router.get("/people/{person_id}")
def person(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PEOPLE, "person", "person_id"))],
) -> Response:
    snap = _snapshot(request, viewer)
    if isinstance(snap, Response):
        return snap
    page = queries.person_page(snap.path, person_id)
    if page is None:
        raise HTTPException(status_code=404)
    return _render(request, "person.html", viewer, page=page, snapshot=snap)


@router.get("/audit")
def audit_log(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_AUDIT_LOG, "audit_log"))],
) -> Response:
    with transaction(app_state(request).factory) as session:
        entries = audit.recent(session, limit=200)
    return _render(request, "audit.html", viewer, entries=entries)
