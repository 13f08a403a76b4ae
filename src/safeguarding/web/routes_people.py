"""The child profile and what people do from it: give a reason for access, challenge an indicator,
record a merge or split, share with a partner agency, export."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require, safe_next
from safeguarding.web.data import network, people, places
from safeguarding.web.forms import RowId
from safeguarding.web.pages import access_basis, refused_for_no_reason, render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import access, linkage_decisions, reviews, sharing

router = APIRouter(include_in_schema=False)


def _profile(
    request: Request, viewer: Viewer, person_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    page = people.person_page(snap, person_id)
    if page is None:
        raise HTTPException(status_code=404)
    factory = app_state(request).factory
    basis = access_basis(request, viewer, person_id)
    if basis is None:
        # Nothing about the child is shown until the reason is given: not even the name.
        if error is None:
            refused_for_no_reason(request, viewer, "person", person_id)
        return render(request, "access_reason.html", viewer, person_id=person_id, error=error, status_code=status_code)
    audit.record(
        factory, username=viewer.username, action="view", object_type="person", object_id=person_id,
        detail={"path": request.url.path, "basis": basis},
    )  # fmt: skip
    return render(
        request, "person.html", viewer, status_code=status_code, page=page, snapshot=snap, basis=basis,
        reviews=reviews.reviews_for_person(factory, person_id),
        challenges=reviews.challenges_for_person(factory, person_id),
        shares=sharing.shares_for_person(factory, person_id) if viewer.can(Permission.SHARE_CASES) else [],
        decisions=linkage_decisions.decisions_about(factory, [m.key for m in page.mentions]),
        network_size=network.person_network_size(snap, person_id),
        person_places=places.person_places(snap, person_id),
        error=error,
    )  # fmt: skip


@router.get("/people/{person_id}")
def person(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PEOPLE, "person", "person_id", audit_view=False))],
) -> Response:
    return _profile(request, viewer, person_id)


@router.post("/people/{person_id}/reason")
def give_reason(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PEOPLE, "person", "person_id"))],
    reason: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    try:
        access.give_reason(app_state(request).factory, username=viewer.username, person_id=person_id, reason=reason)
    except reviews.WorkflowError as exc:
        return render(
            request, "access_reason.html", viewer, person_id=person_id, error=str(exc), status_code=400,
            next_path=next or None,
        )  # fmt: skip
    # Back to the page that asked, if it is one of this child's pages; the profile otherwise.
    pages = (f"/people/{person_id}", f"/boards/missing/children/{person_id}")
    back = next.split("?", 1)[0]
    target = next if any(back == p or back.startswith(p + "/") for p in pages) else f"/people/{person_id}"
    return RedirectResponse(safe_next(target), status_code=303)


def _require_access(request: Request, viewer: Viewer, person_id: str) -> None:
    if access_basis(request, viewer, person_id) is None:
        refused_for_no_reason(request, viewer, "person", person_id)
        raise HTTPException(status_code=409, detail="give a reason for opening this record first")


@router.post("/people/{person_id}/challenge")
def challenge(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.CHALLENGE_INDICATORS, "person", "person_id"))],
    indicator_id: Annotated[str, Form(max_length=200)] = "",
    rule_id: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=reviews.MAX_REASON + 100)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _require_access(request, viewer, person_id)
    try:
        reviews.challenge(
            app_state(request).factory, person_id=person_id, indicator_id=indicator_id, rule_id=rule_id,
            reason=reason, actor=viewer.username,
        )  # fmt: skip
    except reviews.WorkflowError as exc:
        return _profile(request, viewer, person_id, str(exc), 400)
    return RedirectResponse(f"/people/{person_id}#indicators", status_code=303)


@router.post("/people/{person_id}/link")
def link(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.LINK_PEOPLE, "person", "person_id"))],
    kind: Annotated[str, Form(max_length=10)] = "",
    mention: Annotated[str, Form(max_length=200)] = "",
    other_mention: Annotated[str, Form(max_length=200)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Record a merge (this person with another person's record) or a split (a record off this person)."""
    check_csrf(viewer.csrf_token, csrf_token)
    _require_access(request, viewer, person_id)
    try:
        linkage_decisions.record_decision(
            app_state(request).factory, kind=kind, mention=mention.strip(),
            other_mention=other_mention.strip() or None, reason=reason, actor=viewer.username,
        )  # fmt: skip
    except linkage_decisions.LinkageDecisionError as exc:
        return _profile(request, viewer, person_id, str(exc), 400)
    return RedirectResponse(f"/people/{person_id}?decided=1#identities", status_code=303)


@router.post("/people/{person_id}/share")
def share(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.SHARE_CASES, "person", "person_id"))],
    agency: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _require_access(request, viewer, person_id)
    try:
        sharing.share(
            app_state(request).factory, person_id=person_id, agency=agency, reason=reason, actor=viewer.username
        )
    except reviews.WorkflowError as exc:
        return _profile(request, viewer, person_id, str(exc), 400)
    return RedirectResponse(f"/people/{person_id}#sharing", status_code=303)


@router.post("/people/{person_id}/share/{share_id}/revoke")
def revoke_share(
    request: Request,
    person_id: str,
    share_id: RowId,
    viewer: Annotated[Viewer, Depends(require(Permission.SHARE_CASES, "person", "person_id"))],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _require_access(request, viewer, person_id)
    try:
        # Only a share of this child's whole case: a PPN's share is withdrawn from the PPN's page.
        sharing.revoke(app_state(request).factory, share_id, actor=viewer.username, person_id=person_id, record=None)
    except reviews.WorkflowError as exc:
        return _profile(request, viewer, person_id, str(exc), 400)
    return RedirectResponse(f"/people/{person_id}#sharing", status_code=303)


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


@router.get("/people/{person_id}/export")
def export(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.EXPORT_RECORDS, "person", "person_id", audit_view=False))],
) -> Response:
    """The profile as a JSON file (a disclosure: audited as an export with the reason for access)."""
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    page = people.person_page(snap, person_id)
    if page is None:
        raise HTTPException(status_code=404)
    basis = access_basis(request, viewer, person_id)
    if basis is None:
        return RedirectResponse(f"/people/{person_id}", status_code=303)
    audit.record(
        app_state(request).factory, username=viewer.username, action="export", object_type="person",
        object_id=person_id, detail={"format": "json", "basis": basis},
    )  # fmt: skip
    body = json.dumps(_plain(asdict(page)), indent=2)
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": f'attachment; filename="person-{person_id}.json"'},
    )
