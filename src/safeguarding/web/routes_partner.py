"""What a partner agency sees: the cases shared with it, and nothing else.

The record-level check is here: a case not shared with the partner's agency is answered exactly as
an unknown one (404), so a partner cannot even learn that a record exists. Partners see the child's
details, missing episodes and the share itself (the sharing officer's own words); never alerts, scores,
thresholds, indicators or intelligence (DOMAIN.md): the page is built from ``people.shared_case_page``,
which does not read those tables at all.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, require
from safeguarding.web.data import people
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import sharing

router = APIRouter(include_in_schema=False)


@router.get("/shared")
def shared_list(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_SHARED_CASES, "shared_cases"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    shares = sharing.shared_with(app_state(request).factory, viewer.agency, viewer.username)
    names = {s.person_id: people.get_person(snap, s.person_id) for s in shares}
    ppns = sharing.records_shared_with(app_state(request).factory, viewer.agency, "ppns")
    return render(request, "shared.html", viewer, shares=shares, names=names, shared_ppns=ppns)


@router.get("/shared/{person_id}")
def shared_case(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_SHARED_CASES, "person", "person_id", audit_view=False))],
) -> Response:
    factory = app_state(request).factory
    share = sharing.is_shared(factory, person_id=person_id, agency=viewer.agency, username=viewer.username)
    if share is None:
        audit.record(
            factory, username=viewer.username, action="access.denied", object_type="person", object_id=person_id,
            detail={"path": request.url.path, "reason": "not shared with this agency"},
        )  # fmt: skip
        raise HTTPException(status_code=404)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    page = people.shared_case_page(snap, person_id)
    if page is None:
        raise HTTPException(status_code=404)
    audit.record(
        factory, username=viewer.username, action="view", object_type="person", object_id=person_id,
        detail={"path": request.url.path, "basis": f"shared with {share.agency}", "share_id": share.id},
    )  # fmt: skip
    return render(request, "shared_case.html", viewer, page=page, share=share)
