"""Multi-agency scrutiny panels: schedule, select cases, invite partner members, record findings and
actions, write the learning summary, and print the panel pack.

Police users with ``panels:manage`` see every panel. A partner's ``panels:view`` reaches only panels
they were invited to (anything else is answered as unknown, 404), and the cases on it only while the
panel's period lasts, through the ordinary per-record sharing check.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import audit, users
from safeguarding.security.permissions import Permission, Role
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.data import cases
from safeguarding.web.forms import RowId, parse_date, required_date
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import panels
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)


def _list(request: Request, viewer: Viewer, error: str | None = None, status_code: int = 200) -> Response:
    factory = app_state(request).factory
    member = None if viewer.can(Permission.MANAGE_PANELS) else viewer.username
    return render(
        request, "panels.html", viewer, status_code=status_code, panels=panels.list_panels(factory, member=member),
        error=error,
    )  # fmt: skip


@router.get("/panels")
def panel_list(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PANELS, "panels"))]
) -> Response:
    return _list(request, viewer)


@router.post("/panels")
def schedule(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PANELS, "panel"))],
    title: Annotated[str, Form(max_length=300)] = "",
    meeting_on: Annotated[str, Form(max_length=20)] = "",
    period_start: Annotated[str, Form(max_length=20)] = "",
    period_end: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    try:
        panel_id = panels.schedule(
            app_state(request).factory, title=title, meeting_on=required_date(meeting_on, "meeting_on"),
            period_start=parse_date(period_start, "period_start", required=False),
            period_end=parse_date(period_end, "period_end", required=False), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _list(request, viewer, str(exc), 400)
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


def _visible(request: Request, viewer: Viewer, panel_id: int) -> panels.PanelView:
    """The panel, if this viewer may see it: managers any, partners only panels they were invited to."""
    factory = app_state(request).factory
    view = panels.get(factory, panel_id)
    if view is not None and (
        viewer.can(Permission.MANAGE_PANELS) or any(m.username == viewer.username for m in view.members)
    ):
        return view
    if view is not None:
        audit.record(
            factory, username=viewer.username, action="access.denied", object_type="panel", object_id=str(panel_id),
            detail={"path": request.url.path, "reason": "not a member of this panel"},
        )  # fmt: skip
    raise HTTPException(status_code=404)


def _panel_page(
    request: Request, viewer: Viewer, panel_id: int, template: str = "panel.html", error: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    view = _visible(request, viewer, panel_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    manager = viewer.can(Permission.MANAGE_PANELS)
    is_open = view.is_open()
    # Partners see the cases only during the panel's period; the shares behind them expire with it.
    show_cases = manager or is_open
    found = cases.list_cases(snap, refs=[(c.case_type, c.case_ref) for c in view.cases]) if show_cases else []
    candidates: list[cases.Case] = []
    partners: list[users.UserInfo] = []
    if manager and template == "panel.html":
        chosen = {(c.case_type, c.case_ref) for c in view.cases}
        candidates = [
            c for c in cases.list_cases(snap, limit=300) if (c.case_type, c.case_ref) not in chosen and c.person_id
        ]
        invited = {m.username for m in view.members}
        partners = [
            u for u in users.list_users(app_state(request).factory)
            if Role.PARTNER.value in u.roles and not u.disabled and u.agency and u.username not in invited
        ]  # fmt: skip
    return render(
        request, template, viewer, status_code=status_code, view=view, panel=view.panel, found=found,
        show_cases=show_cases, is_open=is_open, manager=manager, candidates=candidates, partners=partners,
        kinds=panels.ITEM_KINDS, type_labels=cases.CASE_TYPES, printed_at=datetime.now(UTC), error=error,
    )  # fmt: skip


@router.get("/panels/{panel_id}")
def panel(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PANELS, "panel", "panel_id"))],
) -> Response:
    return _panel_page(request, viewer, panel_id)


@router.get("/panels/{panel_id}/pack")
def pack(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PANELS, "panel", "panel_id", audit_view=False))],
) -> Response:
    """The panel pack as a printable page (the browser's Print / Save as PDF); audited as an export."""
    response = _panel_page(request, viewer, panel_id, "panel_pack.html")
    audit.record(
        app_state(request).factory, username=viewer.username, action="export", object_type="panel",
        object_id=str(panel_id), detail={"path": request.url.path, "what": "panel pack"},
    )  # fmt: skip
    return response


@router.post("/panels/{panel_id}/cases")
def add_case(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PANELS, "panel", "panel_id"))],
    case: Annotated[str, Form(max_length=250)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _visible(request, viewer, panel_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    case_type, _, case_ref = case.partition(":")
    try:
        found = cases.get_case(snap, case_type, case_ref) if case_type in cases.CASE_TYPES else None
        if found is None:
            raise WorkflowError("Field 'case': choose a case from the list.")
        panels.add_case(
            app_state(request).factory, panel_id, case_type=found.case_type, case_ref=found.case_ref,
            person_id=found.person_id, actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _panel_page(request, viewer, panel_id, error=str(exc), status_code=400)
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


@router.post("/panels/{panel_id}/members")
def invite(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PANELS, "panel", "panel_id"))],
    username: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _visible(request, viewer, panel_id)
    factory = app_state(request).factory
    user = users.get_user(factory, username.strip())
    try:
        if user is None or Role.PARTNER.value not in user.roles:
            raise WorkflowError("Field 'username': choose a partner user.")
        panels.invite(factory, panel_id, username=user.username, agency=user.agency, actor=viewer.username)
    except WorkflowError as exc:
        return _panel_page(request, viewer, panel_id, error=str(exc), status_code=400)
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


@router.post("/panels/{panel_id}/items")
def add_item(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PANELS, "panel", "panel_id"))],
    kind: Annotated[str, Form(max_length=10)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _visible(request, viewer, panel_id)
    try:
        panels.add_item(
            app_state(request).factory, panel_id, kind=kind, text=text, owner=owner,
            due_on=parse_date(due_on, "due_on", required=False), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _panel_page(request, viewer, panel_id, error=str(exc), status_code=400)
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)


@router.post("/panels/{panel_id}/summary")
def summary(
    request: Request,
    panel_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PANELS, "panel", "panel_id"))],
    text: Annotated[str, Form(max_length=12000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _visible(request, viewer, panel_id)
    try:
        panels.write_summary(app_state(request).factory, panel_id, summary=text, actor=viewer.username)
    except WorkflowError as exc:
        return _panel_page(request, viewer, panel_id, error=str(exc), status_code=400)
    return RedirectResponse(f"/panels/{panel_id}", status_code=303)
