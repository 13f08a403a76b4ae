"""The Gold Group: inspection recommendations, their actions, owners, due dates, evidence files and RAG
status; a dashboard of what is overdue and what changed since the last meeting; a report export; and
each recommendation's full change history."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.forms import RowId, parse_date, required_date
from safeguarding.web.pages import render
from safeguarding.web.state import app_state
from safeguarding.workflow import evidence, inspections, recommendations
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): such text is
# written with a leading apostrophe, which spreadsheets show as plain text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _dashboard(request: Request, viewer: Viewer, error: str | None = None, status_code: int = 200) -> Response:
    factory = app_state(request).factory
    recs = recommendations.dashboard(factory)
    meeting = recommendations.last_meeting(factory)
    changed = recommendations.changes(factory, since=meeting.held_at) if meeting else []
    rag_counts = {k: sum(1 for r in recs if r.rag == k) for k in recommendations.RAG}
    return render(
        request, "gold.html", viewer, status_code=status_code, recs=recs, meeting=meeting, changed=changed,
        milestones=inspections.inspections(factory, datetime.now(UTC).date()),
        refs={r.id: r.reference for r in recs}, rag_counts=rag_counts, rag=recommendations.RAG,
        overdue=[(r, a) for r in recs for a in r.overdue_actions], timescales=recommendations.TIMESCALES,
        error=error,
    )  # fmt: skip


@router.get("/gold")
def gold(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_RECOMMENDATIONS, "gold_dashboard"))]
) -> Response:
    return _dashboard(request, viewer)


@router.post("/gold/inspections")
def inspection_milestones(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "inspection"))],
    inspection: Annotated[str, Form(max_length=300)] = "",
    plan_submitted_on: Annotated[str, Form(max_length=20)] = "",
    review_due_on: Annotated[str, Form(max_length=20)] = "",
    review_held_on: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """The action plan's submission and the post-inspection review's due and held dates for one inspection."""
    check_csrf(viewer.csrf_token, csrf_token)
    try:
        inspections.record(
            app_state(request).factory, inspection=inspection,
            plan_submitted_on=parse_date(plan_submitted_on, "plan_submitted_on", required=False),
            review_due_on=parse_date(review_due_on, "review_due_on", required=False),
            review_held_on=parse_date(review_held_on, "review_held_on", required=False), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _dashboard(request, viewer, str(exc), 400)
    return RedirectResponse("/gold#inspections", status_code=303)


@router.post("/gold/recommendations")
def add_recommendation(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "recommendation"))],
    inspection: Annotated[str, Form(max_length=300)] = "",
    published_on: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    timescale: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    try:
        rec_id = recommendations.add_recommendation(
            app_state(request).factory, inspection=inspection, published_on=required_date(published_on, "published_on"),
            reference=reference, text=text, timescale=timescale, actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _dashboard(request, viewer, str(exc), 400)
    return RedirectResponse(f"/gold/recommendations/{rec_id}", status_code=303)


@router.post("/gold/meetings")
def record_meeting(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "gold_meeting"))],
    notes: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    recommendations.record_meeting(
        app_state(request).factory, held_at=datetime.now(UTC), notes=notes, actor=viewer.username
    )
    return RedirectResponse("/gold", status_code=303)


@router.get("/gold/report.csv")
def report(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_RECOMMENDATIONS, "gold_report", audit_view=False))],
) -> Response:
    """Every recommendation and action with owner, due date, RAG and evidence count; audited as an export."""
    factory = app_state(request).factory
    recs = recommendations.dashboard(factory)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["inspection", "reference", "recommendation", "timescale", "due_by", "recommendation_rag",
                     "action", "owner", "due_on", "rag", "overdue", "evidence_files"])  # fmt: skip
    for r in recs:
        rows: list[recommendations.ActionView | None] = list(r.actions) or [None]
        for a in rows:
            writer.writerow([_cell(v) for v in [
                r.inspection, r.reference, r.text, recommendations.TIMESCALES[r.timescale][0], r.due_by.isoformat(),
                r.rag, a.text if a else "", a.owner if a else "", a.due_on.isoformat() if a else "",
                a.rag if a else "", ("yes" if a.overdue else "no") if a else "", len(a.evidence) if a else 0,
            ]])  # fmt: skip
    audit.record(
        factory, username=viewer.username, action="export", object_type="gold_report", object_id=None,
        detail={"path": request.url.path, "recommendations": len(recs)},
    )  # fmt: skip
    stamp = datetime.now(UTC).strftime("%Y%m%d")
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="gold-group-report-{stamp}.csv"'},
    )  # fmt: skip


def _rec_page(
    request: Request, viewer: Viewer, rec_id: int, error: str | None = None, status_code: int = 200
) -> Response:
    factory = app_state(request).factory
    found = [r for r in recommendations.dashboard(factory) if r.id == rec_id]
    if not found:
        raise HTTPException(status_code=404)
    settings = app_state(request).settings
    return render(
        request, "recommendation.html", viewer, status_code=status_code, rec=found[0],
        history=recommendations.changes(factory, recommendation_id=rec_id), rag=recommendations.RAG,
        timescales=recommendations.TIMESCALES, max_mb=settings.evidence_max_mb, error=error,
    )  # fmt: skip


@router.get("/gold/recommendations/{rec_id}")
def recommendation(
    request: Request,
    rec_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_RECOMMENDATIONS, "recommendation", "rec_id"))],
) -> Response:
    return _rec_page(request, viewer, rec_id)


@router.post("/gold/recommendations/{rec_id}/actions")
def add_action(
    request: Request,
    rec_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "recommendation", "rec_id"))],
    text: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    rag: Annotated[str, Form(max_length=10)] = "amber",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    try:
        recommendations.add_action(
            app_state(request).factory, rec_id, text=text, owner=owner, due_on=required_date(due_on, "due_on"),
            rag=rag, actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _rec_page(request, viewer, rec_id, str(exc), 400)
    return RedirectResponse(f"/gold/recommendations/{rec_id}", status_code=303)


def _action_or_404(request: Request, action_id: int) -> recommendations.RecommendationAction:
    action = recommendations.get_action(app_state(request).factory, action_id)
    if action is None:
        raise HTTPException(status_code=404)
    return action


@router.post("/gold/actions/{action_id}")
def update_action(
    request: Request,
    action_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "gold_action", "action_id"))],
    owner: Annotated[str, Form(max_length=200)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    rag: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    action = _action_or_404(request, action_id)
    try:
        recommendations.update_action(
            app_state(request).factory, action_id, owner=owner, due_on=required_date(due_on, "due_on"), rag=rag,
            note=note, actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _rec_page(request, viewer, action.recommendation_id, str(exc), 400)
    return RedirectResponse(f"/gold/recommendations/{action.recommendation_id}", status_code=303)


@router.post("/gold/actions/{action_id}/evidence")
async def upload_evidence(
    request: Request,
    action_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_RECOMMENDATIONS, "gold_action", "action_id"))],
    file: UploadFile | None = None,
    description: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    action = _action_or_404(request, action_id)
    state = app_state(request)
    limit = state.settings.evidence_max_mb * 1024 * 1024
    # Read one byte past the limit, so an oversized file is refused without reading all of it.
    content = await file.read(limit + 1) if file is not None else b""
    try:
        evidence.store(
            state.factory, state.settings.data_dir, action_id, filename=(file.filename if file else "") or "",
            content=content, description=description, max_bytes=limit, actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _rec_page(request, viewer, action.recommendation_id, str(exc), 400)
    return RedirectResponse(f"/gold/recommendations/{action.recommendation_id}", status_code=303)


@router.get("/gold/evidence/{evidence_id}")
def download_evidence(
    request: Request,
    evidence_id: RowId,
    viewer: Annotated[
        Viewer, Depends(require(Permission.VIEW_RECOMMENDATIONS, "gold_evidence", "evidence_id", audit_view=False))
    ],
) -> Response:
    """Always a download (never shown inline), with its checked media type and nosniff."""
    state = app_state(request)
    try:
        stored = evidence.open_for_download(state.factory, state.settings.data_dir, evidence_id, actor=viewer.username)
    except WorkflowError:
        raise HTTPException(status_code=404) from None
    return FileResponse(
        stored.path, media_type=stored.media_type,
        # X-Content-Type-Options: nosniff and Cache-Control: no-store come from web/headers.py.
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(stored.filename)}"},
    )  # fmt: skip
