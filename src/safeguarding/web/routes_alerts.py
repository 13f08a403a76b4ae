"""The alerts queue (filter, sort, assign) and one alert with its evidence, reviews and review form."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import users
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import PermissionDenied, Viewer, check_csrf, require
from safeguarding.web.data import alerts as alert_data
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import reviews

router = APIRouter(include_in_schema=False)

STATUSES = {"open": "Open (not yet reviewed)", "reviewed": "Reviewed", "all": "All"}
ASSIGNED = {"any": "Anyone or no one", "me": "Assigned to me", "unassigned": "Unassigned"}
SORT_LABELS = {"newest": "Newest first", "oldest": "Oldest first", "category": "Category", "person": "Person"}
PAGE = 200


@router.get("/alerts")
def alerts(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_ALERTS, "alerts"))],
    category: str = "",
    status: str = "open",
    assigned: str = "any",
    sort: str = "newest",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    state = reviews.alert_state(app_state(request).factory)
    # What people have done is in the app database: turn the filters into id sets for the snapshot query.
    only: set[str] | None = None
    exclude: set[str] = set()
    if status == "open":
        exclude |= set(state.reviews)
    elif status == "reviewed":
        only = set(state.reviews)
    if assigned == "me":
        mine = {a for a, who in state.assigned_to.items() if who == viewer.username}
        only = mine if only is None else only & mine
    elif assigned == "unassigned":
        exclude |= {a for a, who in state.assigned_to.items() if who}
    rows = alert_data.list_alerts(snap, category=category, sort=sort, limit=PAGE, only=only, exclude=exclude)
    total = alert_data.count_alerts(snap, category=category, only=only, exclude=exclude)
    return render(
        request,
        "alerts.html",
        viewer,
        alerts=rows,
        total=total,
        state=state,
        categories=alert_data.categories(snap),
        filters={"category": category, "status": status, "assigned": assigned, "sort": sort},
        statuses=STATUSES,
        assigned_options=ASSIGNED,
        sorts=SORT_LABELS,
        snapshot=snap,
    )


def _alert_or_404(
    request: Request, viewer: Viewer, alert_id: str
) -> tuple[alert_data.AlertRow, list[alert_data.Evidence]] | Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    found = alert_data.get_alert(snap, alert_id)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _alert_page(
    request: Request, viewer: Viewer, alert_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    found = _alert_or_404(request, viewer, alert_id)
    if isinstance(found, Response):
        return found
    alert, evidence = found
    factory = app_state(request).factory
    state = reviews.alert_state(factory, [alert_id])
    history = [r for r in reviews.reviews_for_person(factory, alert.person_id or "") if r.alert_id == alert_id]
    colleagues = (
        [u.username for u in users.list_users(factory) if not u.disabled]
        if viewer.can(Permission.ASSIGN_ALERTS)
        else []
    )
    return render(
        request, "alert.html", viewer, status_code=status_code, alert=alert, evidence=evidence,
        assigned_to=state.assigned_to.get(alert_id), history=history, decisions=reviews.DECISIONS,
        colleagues=colleagues, error=error,
    )  # fmt: skip


@router.get("/alerts/{alert_id}")
def alert(
    request: Request,
    alert_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_ALERTS, "alert", "alert_id"))],
) -> Response:
    return _alert_page(request, viewer, alert_id)


@router.post("/alerts/{alert_id}/review")
def review(
    request: Request,
    alert_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.REVIEW_ALERTS, "alert", "alert_id"))],
    decision: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=reviews.MAX_REASON + 100)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    found = _alert_or_404(request, viewer, alert_id)
    if isinstance(found, Response):
        return found
    try:
        reviews.review(
            app_state(request).factory, alert_id=alert_id, person_id=found[0].person_id or "", decision=decision,
            reason=reason, actor=viewer.username,
        )  # fmt: skip
    except reviews.WorkflowError as exc:
        return _alert_page(request, viewer, alert_id, str(exc), status_code=400)
    return RedirectResponse(f"/alerts/{alert_id}?reviewed=1", status_code=303)


@router.post("/alerts/{alert_id}/assign")
def assign(
    request: Request,
    alert_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.REVIEW_ALERTS, "alert", "alert_id"))],
    to: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Take an alert (anyone who reviews); give it to someone else or release it (supervisors)."""
    check_csrf(viewer.csrf_token, csrf_token)
    target = to.strip() or None
    if target != viewer.username and not viewer.can(Permission.ASSIGN_ALERTS):
        raise PermissionDenied()
    factory = app_state(request).factory
    if target is not None and users.get_user(factory, target) is None:
        return _alert_page(request, viewer, alert_id, f"There is no user called {target}.", status_code=400)
    found = _alert_or_404(request, viewer, alert_id)
    if isinstance(found, Response):
        return found
    reviews.assign(factory, alert_id=alert_id, person_id=found[0].person_id or "", to=target, actor=viewer.username)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
