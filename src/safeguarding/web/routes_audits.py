"""Case audits: draw a weekly sample from the snapshot, grade each case, feed back to the officer, and
see the trends by inspection area and by team."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import users
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.data import cases
from safeguarding.web.forms import RowId, parse_date, parse_int
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import audits
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)


def _today() -> date:
    """Today in the UK (weeks start on a UK Monday)."""
    return datetime.now(audits.LONDON).date()


def _list_page(
    request: Request, viewer: Viewer, week: date, error: str | None = None, status_code: int = 200
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    factory = app_state(request).factory
    rows = audits.for_week(factory, week)
    found = cases.list_cases(snap, refs=[(r.case_type, r.case_ref) for r in rows])
    by_ref = {(c.case_type, c.case_ref): c for c in found}
    newest = cases.list_cases(snap, limit=1)
    until = newest[0].occurred_at.date() if newest and newest[0].occurred_at else _today()
    return render(
        request, "audits.html", viewer, status_code=status_code, week=week, rows=rows, by_ref=by_ref,
        weeks=audits.weeks(factory), types=cases.available_types(snap), type_labels=cases.CASE_TYPES,
        default_since=until - timedelta(days=27), default_until=until, grades=audits.GRADES, error=error,
    )  # fmt: skip


@router.get("/audits")
def audit_list(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_CASE_AUDITS, "case_audits"))],
    week: str = "",
) -> Response:
    try:
        chosen = parse_date(week, "week", required=False) or audits.week_start(_today())
    except WorkflowError as exc:
        return _list_page(request, viewer, audits.week_start(_today()), str(exc), 400)
    return _list_page(request, viewer, audits.week_start(chosen))


@router.post("/audits/sample")
def draw(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.CONDUCT_CASE_AUDITS, "case_audits"))],
    size: Annotated[str, Form(max_length=10)] = "10",
    method: Annotated[str, Form(max_length=20)] = "stratified",
    since: Annotated[str, Form(max_length=20)] = "",
    until: Annotated[str, Form(max_length=20)] = "",
    types: Annotated[list[str] | None, Form()] = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    week = audits.week_start(_today())
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    try:
        count = parse_int(size, "size", 1, 200)
        start, end = parse_date(since, "since", required=False), parse_date(until, "until", required=False)
        if method not in ("random", "stratified"):
            raise WorkflowError("Field 'method': choose random or stratified.")
        chosen_types = [t for t in (types or cases.available_types(snap)) if t in cases.CASE_TYPES]
        pool = [
            audits.Candidate(c.case_type, c.case_ref, c.person_id)
            for c in cases.list_cases(snap, types=chosen_types, since=start, until=end, limit=100_000)
        ]
        if not pool:
            raise WorkflowError("No cases match: widen the dates or the case types.")
        sample = audits.draw_sample(pool, count, stratified=method == "stratified")
        audits.record_sample(app_state(request).factory, sample, week=week, actor=viewer.username, method=method)
    except WorkflowError as exc:
        return _list_page(request, viewer, week, str(exc), 400)
    return RedirectResponse(f"/audits?week={week.isoformat()}", status_code=303)


@router.get("/audits/trends")
def trends(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_CASE_AUDITS, "case_audit_trends"))]
) -> Response:
    by_area, by_team, voice = audits.trends(app_state(request).factory)
    return render(
        request, "audit_trends.html", viewer, by_area=by_area, by_team=by_team, voice=voice,
        areas={**audits.AREAS, "overall": "The case overall"},
    )  # fmt: skip


def _audit_page(
    request: Request, viewer: Viewer, audit_id: int, error: str | None = None, status_code: int = 200
) -> Response:
    factory = app_state(request).factory
    row = audits.get(factory, audit_id)
    if row is None:
        raise HTTPException(status_code=404)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    officers = [u.username for u in users.list_users(factory) if not u.disabled]
    return render(
        request, "case_audit.html", viewer, status_code=status_code, row=row,
        case=cases.get_case(snap, row.case_type, row.case_ref), areas=audits.AREAS, grades=audits.GRADES,
        voice_places=audits.VOICE_PLACES, officers=officers, type_labels=cases.CASE_TYPES, error=error,
    )  # fmt: skip


@router.get("/audits/{audit_id}")
def audit_page(
    request: Request,
    audit_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_CASE_AUDITS, "case_audit", "audit_id"))],
) -> Response:
    return _audit_page(request, viewer, audit_id)


@router.post("/audits/{audit_id}")
async def complete(
    request: Request,
    audit_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.CONDUCT_CASE_AUDITS, "case_audit", "audit_id"))],
) -> Response:
    form = await request.form()
    check_csrf(viewer.csrf_token, str(form.get("csrf_token", "")))

    def value(name: str) -> str:
        return str(form.get(name, ""))[:5000]

    officer = value("officer").strip()
    factory = app_state(request).factory
    try:
        if officer and users.get_user(factory, officer) is None:
            raise WorkflowError(f"Field 'officer': there is no user called {officer}.")
        audits.complete(
            factory,
            audit_id,
            audits.AuditForm(
                officer=officer,
                team=value("team"),
                grades={k: value(f"grade_{k}") for k in [*audits.AREAS, "overall"]},
                voice_captured=value("voice_captured") == "yes",
                voice_where=[str(v) for v in form.getlist("voice_where")],
                voice_note=value("voice_note"),
                feedback=value("feedback"),
            ),
            actor=viewer.username,
        )
    except WorkflowError as exc:
        if audits.get(factory, audit_id) is None:
            raise HTTPException(status_code=404) from None
        return _audit_page(request, viewer, audit_id, str(exc), 400)
    return RedirectResponse(f"/audits/{audit_id}?done=1", status_code=303)
