"""Problem-solving (SARA) plans for places of concern and peer groups, with before-and-after measures
computed from the snapshot."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.data import governance
from safeguarding.web.forms import RowId, required_date
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import problem_solving
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)


def _list(request: Request, viewer: Viewer, error: str | None = None, status_code: int = 200) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    places, groups = governance.plan_subjects(snap)
    return render(
        request, "problems.html", viewer, status_code=status_code,
        plans=problem_solving.list_plans(app_state(request).factory), places=places, groups=groups,
        stages=problem_solving.STAGES, subjects=problem_solving.SUBJECTS, error=error,
    )  # fmt: skip


@router.get("/problems")
def plan_list(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PROBLEMS, "problem_plans"))]
) -> Response:
    return _list(request, viewer)


@router.post("/problems")
def create(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PROBLEMS, "problem_plan"))],
    title: Annotated[str, Form(max_length=300)] = "",
    subject: Annotated[str, Form(max_length=250)] = "",
    problem: Annotated[str, Form(max_length=5000)] = "",
    started_on: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    subject_type, _, subject_ref = subject.partition(":")
    factory = app_state(request).factory
    try:
        places, groups = governance.plan_subjects(snap, limit=100_000)
        known = {("place", r) for r, _ in places} | {("group", r) for r, _ in groups}
        if (subject_type, subject_ref) not in known:
            raise WorkflowError("Field 'subject': choose a place of concern or a peer group from the list.")
        plan_id = problem_solving.create(
            factory, title=title, subject_type=subject_type, subject_ref=subject_ref, problem=problem,
            started_on=required_date(started_on, "started_on"), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _list(request, viewer, str(exc), 400)
    if subject_type == "group":  # a peer group's children are linked from the start
        for person_id in governance.group_members(snap, subject_ref):
            problem_solving.link(factory, plan_id, kind="child", ref=person_id, actor=viewer.username)
    return RedirectResponse(f"/problems/{plan_id}", status_code=303)


def _plan_page(
    request: Request, viewer: Viewer, plan_id: int, error: str | None = None, status_code: int = 200
) -> Response:
    view = problem_solving.get(app_state(request).factory, plan_id)
    if view is None:
        raise HTTPException(status_code=404)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    children, places = view.refs("child"), view.refs("place")
    measures = governance.before_after(
        snap, started_on=view.plan.started_on, places=places, children=children, until=snap.moment
    )
    return render(
        request, "problem.html", viewer, status_code=status_code, view=view, plan=view.plan, measures=measures,
        child_names=governance.names(snap, children), place_names=governance.place_names(snap, places),
        stages=problem_solving.STAGES, subjects=problem_solving.SUBJECTS, link_kinds=problem_solving.LINK_KINDS,
        error=error,
    )  # fmt: skip


@router.get("/problems/{plan_id}")
def plan(
    request: Request,
    plan_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PROBLEMS, "problem_plan", "plan_id"))],
) -> Response:
    return _plan_page(request, viewer, plan_id)


def _exists(request: Request, plan_id: int) -> None:
    if problem_solving.get(app_state(request).factory, plan_id) is None:
        raise HTTPException(status_code=404)


@router.post("/problems/{plan_id}/links")
def link(
    request: Request,
    plan_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PROBLEMS, "problem_plan", "plan_id"))],
    kind: Annotated[str, Form(max_length=10)] = "",
    ref: Annotated[str, Form(max_length=250)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _exists(request, plan_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    try:
        if kind in problem_solving.LINK_KINDS and ref.strip() and not governance.link_exists(snap, kind, ref):
            raise WorkflowError(
                f"Field 'ref': no {problem_solving.LINK_KINDS[kind].lower()} {ref.strip()!r} is in the intelligence."
            )
        problem_solving.link(app_state(request).factory, plan_id, kind=kind, ref=ref, actor=viewer.username)
    except WorkflowError as exc:
        return _plan_page(request, viewer, plan_id, str(exc), 400)
    return RedirectResponse(f"/problems/{plan_id}", status_code=303)


@router.post("/problems/{plan_id}/stage")
def stage(
    request: Request,
    plan_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PROBLEMS, "problem_plan", "plan_id"))],
    stage: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=5000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _exists(request, plan_id)
    try:
        problem_solving.set_stage(app_state(request).factory, plan_id, stage=stage, note=note, actor=viewer.username)
    except WorkflowError as exc:
        return _plan_page(request, viewer, plan_id, str(exc), 400)
    return RedirectResponse(f"/problems/{plan_id}", status_code=303)


@router.post("/problems/{plan_id}/interventions")
def intervention(
    request: Request,
    plan_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_PROBLEMS, "problem_plan", "plan_id"))],
    text: Annotated[str, Form(max_length=5000)] = "",
    owner: Annotated[str, Form(max_length=200)] = "",
    started_on: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _exists(request, plan_id)
    try:
        problem_solving.add_intervention(
            app_state(request).factory, plan_id, text=text, owner=owner,
            started_on=required_date(started_on, "started_on"), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _plan_page(request, viewer, plan_id, str(exc), 400)
    return RedirectResponse(f"/problems/{plan_id}", status_code=303)
