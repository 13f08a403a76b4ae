"""Records management pages: the MoPI review queue and decisions (retention:review), and subject access
(subject_access:disclose). Business rules live in records/ and workflow/record_reviews.py."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake
from safeguarding.records import queue as review_queue
from safeguarding.records import subject_access as sar
from safeguarding.records.schedule import load_schedule
from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.data.boards import data_as_of
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.forms import required_date
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import record_reviews
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)


def _moment(snap: Snapshot) -> date:
    return data_as_of(snap).date()


def _no_schedule(request: Request, viewer: Viewer) -> Response:
    return render(request, "records/no_reviews.html", viewer, status_code=503)


@router.get("/records/reviews")
def queue_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.REVIEW_RECORDS, "record_reviews"))],
    group: str = "",
    child: str = "",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if not snap.has("record_reviews"):
        return _no_schedule(request, viewer)
    decisions = record_reviews.latest(app_state(request).factory)
    schedule = load_schedule()
    found = review_queue.build(snap.con, decisions, _moment(snap), group=group or None, child_only=child == "1")
    return render(
        request, "records/queue.html", viewer, queue=found, groups=schedule.groups, group=group, child=child,
        schedule_source=schedule.source,
    )  # fmt: skip


def _item(request: Request, snap: Snapshot, key: str) -> review_queue.Item:
    record_type, _, rest = key.partition(":")
    source_system, _, record_ref = rest.partition(":")
    item = review_queue.find(snap.con, record_type, source_system, record_ref,
                             record_reviews.latest(app_state(request).factory))  # fmt: skip
    if item is None:
        raise HTTPException(status_code=404)
    return item


def _record_page(
    request: Request, viewer: Viewer, snap: Snapshot, item: review_queue.Item, error: str | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    history = record_reviews.history(app_state(request).factory, item.record_type, item.source_system, item.record_ref)
    moment = _moment(snap)
    return render(
        request, "records/record.html", viewer, status_code=status_code, item=item, history=history, moment=moment,
        disposable=item.earliest_disposal is not None and item.earliest_disposal <= moment, error=error,
    )  # fmt: skip


@router.get("/records/reviews/record")
def record_page(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.REVIEW_RECORDS, "record", audit_view=False))],
    key: str = "",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if not snap.has("record_reviews"):
        return _no_schedule(request, viewer)
    item = _item(request, snap, key)
    audit.record(app_state(request).factory, username=viewer.username, action="view", object_type="record",
                 object_id=item.key, detail={"path": request.url.path})  # fmt: skip
    return _record_page(request, viewer, snap, item)


@router.post("/records/reviews/record")
def decide(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.REVIEW_RECORDS, "record"))],
    key: Annotated[str, Form(max_length=300)] = "",
    decision: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    next_review_on: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if not snap.has("record_reviews"):
        return _no_schedule(request, viewer)
    item = _item(request, snap, key)
    try:
        when = required_date(next_review_on, "next_review_on") if decision == "retain" else None
        record_reviews.decide(
            app_state(request).factory, item.due(), decision=decision, reason=reason, next_review_on=when,
            today=_moment(snap), actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _record_page(request, viewer, snap, item, str(exc), 400)
    return RedirectResponse("/records/reviews", status_code=303)


# -- subject access -------------------------------------------------------------------------------------------


@router.get("/records/subject-access")
def subject_access_form(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.SUBJECT_ACCESS, "subject_access"))],
) -> Response:
    return render(request, "records/subject_access.html", viewer, bundle=None, form={})


@router.post("/records/subject-access")
def subject_access(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.SUBJECT_ACCESS, "subject_access"))],
    person_id: Annotated[str, Form(max_length=200)] = "",
    request_ref: Annotated[str, Form(max_length=100)] = "",
    recipient: Annotated[str, Form(max_length=200)] = "",
    action: Annotated[str, Form(max_length=10)] = "preview",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    form = {"person_id": person_id.strip(), "request_ref": request_ref.strip(), "recipient": recipient.strip()}
    error = None
    if not form["person_id"]:
        error = "Field 'person_id': give the person's id (as on their page)."
    elif not form["request_ref"]:
        error = "Field 'request_ref': give the subject access request's reference."
    elif not form["recipient"]:
        error = "Field 'recipient': say who the bundle is for (the data subject, or their representative)."
    if error:
        return render(request, "records/subject_access.html", viewer, bundle=None, form=form, error=error,
                      status_code=400)  # fmt: skip
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    state = app_state(request)
    # The lake is read here, read-only: a subject access answer must hold every record, and the snapshot
    # holds only what the assessment uses (docs/security.md "Subject access").
    lake = DuckDBEngine(Lake(state.settings.lake_dir)).connect()
    try:
        bundle = sar.build(form["person_id"], snap.con, lake, state.factory)
    except sar.SubjectAccessError as exc:
        return render(request, "records/subject_access.html", viewer, bundle=None, form=form,
                      error=f"Field 'person_id': {exc}.", status_code=404)  # fmt: skip
    finally:
        lake.close()
    detail = {"request": form["request_ref"], "recipient": form["recipient"], "rows": bundle.rows, "via": "portal"}
    if action != "download":
        audit.record(state.factory, username=viewer.username, action="subject_access.view", object_type="person",
                     object_id=bundle.person_id, detail=detail)  # fmt: skip
        return render(request, "records/subject_access.html", viewer, bundle=bundle, form=form)
    files = sar.files(bundle, form["request_ref"], form["recipient"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    audit.record(state.factory, username=viewer.username, action="disclosure.subject_access", object_type="person",
                 object_id=bundle.person_id, detail={**detail, "files": len(files)})  # fmt: skip
    name = f"subject-access-{bundle.person_id}.zip"
    return Response(buffer.getvalue(), media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip
