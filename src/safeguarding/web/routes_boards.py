"""The operational boards (issue #8): a page per board, the role's own board by default, trend charts,
CSV/XLSX exports (audited as disclosures), and each board's work: missing-child actions and Philomena
profiles, sharing a PPN with a partner agency, grading online referrals, planning offender visits.
Every page and form checks its permission on the server (security/permissions.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from safeguarding.policy.levels import PRIORITY_LABELS, STEPS
from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web import boards_view
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.data import boards, online_queue
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.forms import RowId
from safeguarding.web.pages import access_basis, reason_gate, refused_for_no_reason, render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import missing as missing_work
from safeguarding.workflow import offenders as offender_work
from safeguarding.workflow import online as online_work
from safeguarding.workflow import sharing
from safeguarding.workflow.reviews import WorkflowError

router = APIRouter(include_in_schema=False)
P = Permission


@router.get("/boards")
def boards_home(request: Request, viewer: Annotated[Viewer, Depends(require(P.VIEW_DASHBOARD, "boards"))]) -> Response:
    """Each role lands on its own board; supervisors (and auditors) choose from all of them."""
    own = boards_view.default_board(viewer)
    if own is not None:
        return RedirectResponse(f"/boards/{own}", status_code=303)
    return render(request, "boards_index.html", viewer, boards_visible=boards_view.visible_boards(viewer))


# --- missing children ----------------------------------------------------------------------------------


def _with_plans(request: Request) -> Callable[[dict[str, Any]], None]:
    planned = missing_work.children_with_plans(app_state(request).factory)

    def add(row: dict[str, Any]) -> None:
        row["plan"] = "In place" if row.get("person_id") in planned else "None recorded"

    return add


def _recorded_on_portal(request: Request) -> dict[str, Any]:
    """Episodes whose interview was recorded on the portal (done, or declined with a reason): off "to chase"."""
    done = {"rhi_done", "rhi_declined"}
    refs = sorted({a.episode_ref for a in missing_work.actions(app_state(request).factory) if a.kind in done
                   and a.episode_ref})  # fmt: skip
    return {"recorded_on_portal": refs}


@router.get("/boards/missing")
def missing_board(
    request: Request, viewer: Annotated[Viewer, Depends(require(P.VIEW_MISSING_BOARD, "board"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    sections = boards_view.standard_sections(
        snap, boards.MISSING, viewer, _with_plans(request), _recorded_on_portal(request)
    )
    return boards_view.board_page(request, viewer, snap, boards.MISSING, sections)


@router.get("/boards/missing/export")
def missing_export(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(P.VIEW_MISSING_BOARD, "board", audit_view=False))],
    section: str = "open",
    format: str = "csv",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    return boards_view.export_section(
        request, viewer, snap, boards.MISSING, section, format, _with_plans(request), _recorded_on_portal(request)
    )


def _child_episodes(snap: Snapshot, person_id: str) -> list[dict[str, Any]]:
    if not snap.has("board_missing"):
        return []
    cursor = snap.con.cursor()
    try:
        result = cursor.execute(
            "SELECT * FROM board_missing WHERE person_id = ? ORDER BY reported_at DESC", [person_id]
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, r, strict=True)) for r in result.fetchall()]
    finally:
        cursor.close()


def _child_name(snap: Snapshot, person_id: str) -> str | None:
    found = snap.rows("SELECT display_name FROM persons WHERE person_id = ?", [person_id])
    return str(found[0][0]) if found else None


def _child_page(
    request: Request, viewer: Viewer, person_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    name = _child_name(snap, person_id)
    episodes = _child_episodes(snap, person_id)
    if name is None or not episodes:
        raise HTTPException(status_code=404)
    # The board shows a child's record: a recorded reason first, as the profile asks (#26 item 2).
    basis = reason_gate(request, viewer, person_id)
    if isinstance(basis, Response):
        return basis
    factory = app_state(request).factory
    if request.method == "GET":
        audit.record(
            factory, username=viewer.username, action="view", object_type="person", object_id=person_id,
            detail={"path": request.url.path, "basis": basis},
        )  # fmt: skip
    return render(
        request, "missing_child.html", viewer, status_code=status_code, person_id=person_id, name=name,
        episodes=episodes, actions=missing_work.actions(factory, [person_id]), kinds=missing_work.KINDS,
        profile=missing_work.profile_for(factory, person_id) or missing_work.Profile(),
        updated=missing_work.profile_updated(factory, person_id), fields=PROFILE_LABELS, error=error,
        has_photo=missing_work.has_photo(factory, person_id), max_mb=app_state(request).settings.evidence_max_mb,
        display=boards.display,
    )  # fmt: skip


PROFILE_LABELS = {
    "photo_reference": "Photograph (where it is held, and its date)",
    "description": "Description (height, build, hair, distinguishing marks, clothing)",
    "associates": "Friends and associates (names, addresses, phones)",
    "places": "Places the child goes",
    "phones": "Phone numbers the child uses",
    "social_media": "Social media accounts",
    "other_information": "Anything else (medical needs, past episodes, what has helped)",
    "carer": "Prepared by (carer's name and role)",
}


@router.get("/boards/missing/children/{person_id}")
def missing_child(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(P.VIEW_MISSING_BOARD, "person", "person_id", audit_view=False))],
) -> Response:
    return _child_page(request, viewer, person_id)


def _require_reason(request: Request, viewer: Viewer, person_id: str) -> None:
    """Changes to a child's missing record need the same recorded reason as looking at it (409, audited)."""
    if access_basis(request, viewer, person_id) is None:
        refused_for_no_reason(request, viewer, "person", person_id)
        raise HTTPException(status_code=409, detail="give a reason for opening this record first")


def _parse_local(text: str) -> datetime | None:
    """A datetime-local form value read as Europe/London time; None when blank."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        # Read as London wall-clock time, then kept as an instant (UTC) so later arithmetic is in real hours.
        return datetime.fromisoformat(cleaned).replace(tzinfo=boards.LONDON).astimezone(UTC)
    except ValueError:
        raise WorkflowError("Give the date and time as shown (day, month, year, hours and minutes).") from None


@router.post("/boards/missing/children/{person_id}/action")
def missing_action(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(P.RECORD_MISSING, "person", "person_id"))],
    kind: Annotated[str, Form(max_length=40)] = "",
    episode_ref: Annotated[str, Form(max_length=200)] = "",
    detail: Annotated[str, Form(max_length=missing_work.MAX_TEXT + 100)] = "",
    happened_at: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _require_reason(request, viewer, person_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    returned = {e["episode_ref"]: e.get("found_at") for e in _child_episodes(snap, person_id)}
    if not returned:
        raise HTTPException(status_code=404)
    try:
        if episode_ref and episode_ref not in returned:
            raise WorkflowError("That episode is not this child's.")
        missing_work.record(
            app_state(request).factory, person_id=person_id, episode_ref=episode_ref or None, kind=kind,
            detail=detail, happened_at=_parse_local(happened_at), actor=viewer.username,
            returned_at=returned.get(episode_ref), display=boards.display,
        )  # fmt: skip
    except WorkflowError as exc:
        return _child_page(request, viewer, person_id, str(exc), status_code=400)
    return RedirectResponse(f"/boards/missing/children/{person_id}?recorded=1#actions", status_code=303)


@router.post("/boards/missing/children/{person_id}/philomena")
def philomena_save(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(P.RECORD_MISSING, "person", "person_id"))],
    photo_reference: Annotated[str, Form(max_length=5000)] = "",
    description: Annotated[str, Form(max_length=5000)] = "",
    associates: Annotated[str, Form(max_length=5000)] = "",
    places: Annotated[str, Form(max_length=5000)] = "",
    phones: Annotated[str, Form(max_length=5000)] = "",
    social_media: Annotated[str, Form(max_length=5000)] = "",
    other_information: Annotated[str, Form(max_length=5000)] = "",
    carer: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    _require_reason(request, viewer, person_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if not _child_episodes(snap, person_id):
        raise HTTPException(status_code=404)
    profile = missing_work.Profile(
        photo_reference, description, associates, places, phones, social_media, other_information, carer
    )
    try:
        missing_work.save_profile(
            app_state(request).factory, person_id=person_id, profile=profile, actor=viewer.username
        )
    except WorkflowError as exc:
        return _child_page(request, viewer, person_id, str(exc), status_code=400)
    return RedirectResponse(f"/boards/missing/children/{person_id}?saved=1#philomena", status_code=303)


@router.post("/boards/missing/children/{person_id}/philomena/photo")
async def philomena_photo_upload(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require(P.RECORD_MISSING, "person", "person_id"))],
    photo: UploadFile | None = None,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Upload the child's photograph (JPEG or PNG by content, within evidence_max_mb); a new profile version."""
    check_csrf(viewer.csrf_token, csrf_token)
    _require_reason(request, viewer, person_id)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if not _child_episodes(snap, person_id):
        raise HTTPException(status_code=404)
    state = app_state(request)
    limit = state.settings.evidence_max_mb * 1024 * 1024
    # Read one byte past the limit, so an oversized file is refused without reading all of it.
    content = await photo.read(limit + 1) if photo is not None else b""
    try:
        missing_work.store_photo(
            state.factory, state.settings.data_dir, person_id=person_id, content=content, max_bytes=limit,
            actor=viewer.username,
        )  # fmt: skip
    except WorkflowError as exc:
        return _child_page(request, viewer, person_id, str(exc), status_code=400)
    return RedirectResponse(f"/boards/missing/children/{person_id}?photo=1#philomena", status_code=303)


@router.get("/boards/missing/children/{person_id}/philomena/photo")
def philomena_photo(
    request: Request,
    person_id: str,
    viewer: Annotated[
        Viewer, Depends(require(P.VIEW_MISSING_BOARD, "philomena_profile", "person_id", audit_view=False))
    ],
) -> Response:
    """The child's photograph (JPEG or PNG only, never sniffed, never cached); each view audited with its
    basis. Without a recorded reason for access it is refused (409, audited)."""
    state = app_state(request)
    basis = access_basis(request, viewer, person_id)
    if basis is None:
        refused_for_no_reason(request, viewer, "philomena_profile", person_id)
        raise HTTPException(status_code=409, detail="give a reason for opening this record first")
    try:
        path, media_type = missing_work.open_photo(
            state.factory, state.settings.data_dir, person_id, actor=viewer.username, basis=basis
        )
    except WorkflowError:
        raise HTTPException(status_code=404) from None
    # X-Content-Type-Options: nosniff and Cache-Control: no-store come from web/headers.py (tested here).
    return FileResponse(path, media_type=media_type)


@router.get("/boards/missing/children/{person_id}/philomena")
def philomena_print(
    request: Request,
    person_id: str,
    viewer: Annotated[
        Viewer, Depends(require(P.VIEW_MISSING_BOARD, "philomena_profile", "person_id", audit_view=False))
    ],
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    factory = app_state(request).factory
    profile = missing_work.profile_for(factory, person_id)
    name = _child_name(snap, person_id)
    if profile is None or name is None:
        raise HTTPException(status_code=404)
    basis = reason_gate(request, viewer, person_id, "philomena_profile")
    if isinstance(basis, Response):
        return basis
    audit.record(
        factory, username=viewer.username, action="view", object_type="philomena_profile", object_id=person_id,
        detail={"path": request.url.path, "basis": basis},
    )  # fmt: skip
    episodes = _child_episodes(snap, person_id)
    return render(
        request, "philomena_print.html", viewer, name=name, person_id=person_id, profile=profile,
        fields=PROFILE_LABELS, updated=missing_work.profile_updated(factory, person_id), episodes=episodes[:10],
        has_photo=missing_work.has_photo(factory, person_id),
        display=boards.display,
    )  # fmt: skip


RowHook = Callable[[dict[str, Any]], None]


def _standard_board(
    path: str,
    board: boards.BoardSpec,
    permission: Permission,
    default_section: str,
    hook: Callable[[Request, Snapshot], RowHook] | None = None,
) -> None:
    """Register a board's page and its export: the board's standard sections, read from the snapshot (``hook``
    adds what the app database knows to each row)."""

    def page(request: Request, viewer: Viewer = Depends(require(permission, "board"))) -> Response:
        snap = snapshot_or_page(request, viewer)
        if isinstance(snap, Response):
            return snap
        extra = hook(request, snap) if hook else None
        return boards_view.board_page(
            request, viewer, snap, board, boards_view.standard_sections(snap, board, viewer, extra)
        )

    def export(
        request: Request,
        viewer: Viewer = Depends(require(permission, "board", audit_view=False)),
        section: str = default_section,
        format: str = "csv",
    ) -> Response:
        snap = snapshot_or_page(request, viewer)
        if isinstance(snap, Response):
            return snap
        return boards_view.export_section(
            request, viewer, snap, board, section, format, hook(request, snap) if hook else None
        )

    router.add_api_route(path, page, methods=["GET"], name=f"{board.key}_board")
    router.add_api_route(f"{path}/export", export, methods=["GET"], name=f"{board.key}_export")


# --- custody -------------------------------------------------------------------------------------------


_standard_board("/boards/custody", boards.CUSTODY, P.VIEW_CUSTODY_BOARD, "return")


# --- PPNs ----------------------------------------------------------------------------------------------


_standard_board("/boards/ppns", boards.PPN, P.VIEW_PPN_BOARD, "recent")


def _ppn(snap: Snapshot, ppn_ref: str) -> dict[str, Any] | None:
    if not snap.has("board_ppn"):
        return None
    cursor = snap.con.cursor()
    try:
        result = cursor.execute(
            "SELECT b.*, p.display_name FROM board_ppn b LEFT JOIN persons p USING (person_id) WHERE b.ppn_ref = ?",
            [ppn_ref],
        )
        names = [d[0] for d in result.description]
        found = result.fetchall()
        return dict(zip(names, found[0], strict=True)) if found else None
    finally:
        cursor.close()


def _ppn_page(request: Request, viewer: Viewer, ppn_ref: str, error: str | None = None, status: int = 200) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    ppn = _ppn(snap, ppn_ref)
    if ppn is None:
        raise HTTPException(status_code=404)
    shares = sharing.record_shares(app_state(request).factory, "ppns", ppn_ref)
    return render(
        request, "ppn.html", viewer, status_code=status, ppn=ppn, shares=shares, error=error, display=boards.display
    )


@router.get("/boards/ppns/{ppn_ref}")
def ppn_detail(
    request: Request, ppn_ref: str, viewer: Annotated[Viewer, Depends(require(P.VIEW_PPN_BOARD, "ppn", "ppn_ref"))]
) -> Response:
    return _ppn_page(request, viewer, ppn_ref)


@router.post("/boards/ppns/{ppn_ref}/share")
def ppn_share(
    request: Request,
    ppn_ref: str,
    viewer: Annotated[Viewer, Depends(require(P.SHARE_PPNS, "ppn", "ppn_ref"))],
    agency: Annotated[str, Form(max_length=64)] = "",
    reason: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Share one PPN with a partner agency: its users see this PPN and nothing else (audited as a disclosure)."""
    check_csrf(viewer.csrf_token, csrf_token)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    ppn = _ppn(snap, ppn_ref)
    if ppn is None:
        raise HTTPException(status_code=404)
    try:
        sharing.share(
            app_state(request).factory, person_id=str(ppn["person_id"] or ""), agency=agency, reason=reason,
            actor=viewer.username, record_type="ppns", record_ref=ppn_ref,
        )  # fmt: skip
    except WorkflowError as exc:
        return _ppn_page(request, viewer, ppn_ref, str(exc), 400)
    return RedirectResponse(f"/boards/ppns/{ppn_ref}?shared=1#sharing", status_code=303)


@router.post("/boards/ppns/{ppn_ref}/shares/{share_id}/revoke")
def ppn_revoke(
    request: Request,
    ppn_ref: str,
    share_id: RowId,
    viewer: Annotated[Viewer, Depends(require(P.SHARE_PPNS, "ppn", "ppn_ref"))],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Stop sharing one PPN with an agency: its users lose access at once (audited)."""
    check_csrf(viewer.csrf_token, csrf_token)
    factory = app_state(request).factory
    if share_id not in {s.id for s in sharing.record_shares(factory, "ppns", ppn_ref)}:
        raise HTTPException(status_code=404)
    try:
        sharing.revoke(factory, share_id, actor=viewer.username, person_id=None, record=("ppns", ppn_ref))
    except WorkflowError as exc:
        return _ppn_page(request, viewer, ppn_ref, str(exc), 400)
    return RedirectResponse(f"/boards/ppns/{ppn_ref}?revoked=1#sharing", status_code=303)


@router.get("/shared/ppns/{ppn_ref}")
def shared_ppn(
    request: Request,
    ppn_ref: str,
    viewer: Annotated[Viewer, Depends(require(P.VIEW_SHARED_CASES, "ppn", "ppn_ref", audit_view=False))],
) -> Response:
    """A partner's view of a PPN shared with their agency (404, audited, when it is not)."""
    factory = app_state(request).factory
    share = sharing.records_shared_with(factory, viewer.agency, "ppns").get(ppn_ref)
    if share is None:
        audit.record(
            factory, username=viewer.username, action="access.denied", object_type="ppn", object_id=ppn_ref,
            detail={"path": request.url.path, "reason": "not shared with this agency"},
        )  # fmt: skip
        raise HTTPException(status_code=404)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    ppn = _ppn(snap, ppn_ref)
    if ppn is None:
        raise HTTPException(status_code=404)
    audit.record(
        factory, username=viewer.username, action="view", object_type="ppn", object_id=ppn_ref,
        detail={"path": request.url.path, "basis": f"shared with {share.agency}", "share_id": share.id},
    )  # fmt: skip
    return render(request, "shared_ppn.html", viewer, ppn=ppn, share=share, display=boards.display)


# --- online referrals ----------------------------------------------------------------------------------

ONLINE_COLUMNS = list(boards.ONLINE_COLUMNS)


def _online_rows(request: Request, snap: Snapshot) -> list[dict[str, Any]]:
    factory = app_state(request).factory
    return online_queue.rows(snap, online_work.gradings(factory), online_work.outcomes(factory), snap.moment)


ONLINE_SECTIONS: dict[str, tuple[str, str, Callable[[dict[str, Any]], bool]]] = {
    "queue": ("Queue by deadline", "Referrals not yet actioned, the soonest deadline first.",
              lambda r: not r["status"].startswith("actioned")),
    "overdue": ("Overdue", "Past the deadline for their priority with no action recorded.",
                lambda r: r["status"] == "overdue"),
    "graded_down": ("Graded down", "Referrals whose grade was lowered after entry: check the reason.",
                    lambda r: bool(r.get("graded_down"))),
    "actioned": ("Actioned", "Newest deadline first.", lambda r: r["status"].startswith("actioned")),
}  # fmt: skip


@router.get("/boards/online")
def online_board(
    request: Request, viewer: Annotated[Viewer, Depends(require(P.VIEW_ONLINE_BOARD, "board"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    rows = _online_rows(request, snap)
    sections = []
    for key, (title, intro, keep) in ONLINE_SECTIONS.items():
        chosen = [r for r in rows if keep(r)]
        if key == "actioned":
            chosen.reverse()
        shown = chosen[: boards.SHOWN]
        sections.append(
            boards.Section(
                key,
                title,
                intro,
                [h for _, h in ONLINE_COLUMNS],
                [[boards.display(r.get(k)) for k, _ in ONLINE_COLUMNS] for r in shown],
                [f"/boards/online/grade?referral_ref={r['referral_ref']}" for r in shown],
                len(chosen),
                True,
            )
        )
    return boards_view.board_page(request, viewer, snap, boards.ONLINE, sections)


@router.get("/boards/online/export")
def online_export(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(P.VIEW_ONLINE_BOARD, "board", audit_view=False))],
    section: str = "queue",
    format: str = "csv",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if section not in ONLINE_SECTIONS:
        raise HTTPException(status_code=404)
    title, _intro, keep = ONLINE_SECTIONS[section]
    rows = [r for r in _online_rows(request, snap) if keep(r)]
    return boards_view.export(request, viewer, "online", section, format, ONLINE_COLUMNS, rows, f"Online: {title}")


def _grade_page(
    request: Request,
    viewer: Viewer,
    referral_ref: str,
    error: str | None = None,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    factory = app_state(request).factory
    existing = online_queue.referral(snap, referral_ref) if referral_ref else None
    history = online_work.gradings(factory, referral_ref) if referral_ref else []
    answers: dict[str, bool] = {}
    if history:
        answers = history[-1].answers
    elif existing is not None:
        answers = {a: bool(existing.get(a)) for step in STEPS.values() for a in step}
    outcome = online_work.outcomes(factory).get(referral_ref) if referral_ref else None
    return render(
        request, "online_grade.html", viewer, status_code=status, referral_ref=referral_ref, existing=existing,
        history=history, answers=answers, steps=STEPS, priorities=PRIORITY_LABELS, outcome=outcome,
        outcomes=online_work.OUTCOMES, error=error, form=form or {}, display=boards.display,
    )  # fmt: skip


@router.get("/boards/online/grade")
def online_grade_form(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(P.GRADE_ONLINE, "online_referral"))],
    referral_ref: str = "",
) -> Response:
    return _grade_page(request, viewer, referral_ref.strip())


@router.post("/boards/online/grade")
async def online_grade(
    request: Request, viewer: Annotated[Viewer, Depends(require(P.GRADE_ONLINE, "online_referral"))]
) -> Response:
    form = await request.form()
    check_csrf(viewer.csrf_token, str(form.get("csrf_token", "")))
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    ref = str(form.get("referral_ref", "")).strip()[:64]
    existing = online_queue.referral(snap, ref) if ref else None
    answers = {a: form.get(a) == "yes" for step in STEPS.values() for a in step}
    try:
        received = existing["received_at"] if existing else _parse_local(str(form.get("received_at", ""))[:40])
        if received is None:
            raise WorkflowError("Give the date and time the referral was received.")
        grading = online_work.grade_referral(
            app_state(request).factory, referral_ref=ref, referrer=str(form.get("referrer", "")),
            received_at=received, answers=answers, actor=viewer.username, reason=str(form.get("reason", ""))[:4000],
            previous_priority=existing["priority"] if existing else None,
        )  # fmt: skip
    except WorkflowError as exc:
        return _grade_page(request, viewer, ref, str(exc), 400, dict(form))
    return RedirectResponse(f"/boards/online/grade?referral_ref={grading.referral_ref}&graded=1", status_code=303)


@router.post("/boards/online/{referral_ref}/outcome")
def online_outcome(
    request: Request,
    referral_ref: str,
    viewer: Annotated[Viewer, Depends(require(P.GRADE_ONLINE, "online_referral", "referral_ref"))],
    outcome: Annotated[str, Form(max_length=40)] = "",
    notes: Annotated[str, Form(max_length=4000)] = "",
    actioned_at: Annotated[str, Form(max_length=40)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    factory = app_state(request).factory
    if online_queue.referral(snap, referral_ref) is None and not online_work.gradings(factory, referral_ref):
        raise HTTPException(status_code=404)
    try:
        when = _parse_local(actioned_at)
        if when is None:
            raise WorkflowError("Give the date and time of the action.")
        online_work.record_outcome(
            factory, referral_ref=referral_ref, outcome=outcome, notes=notes, actioned_at=when, actor=viewer.username
        )
    except WorkflowError as exc:
        return _grade_page(request, viewer, referral_ref, str(exc), 400)
    return RedirectResponse(f"/boards/online/grade?referral_ref={referral_ref}&outcome=1", status_code=303)


# --- registered sex offenders --------------------------------------------------------------------------


def _planned_visits(request: Request, snap: Snapshot) -> RowHook:
    """A visit planned on the portal for the snapshot's day or later is the next visit when it comes first, or when
    the lake's next planned visit has already passed undone (that one is listed as overdue)."""
    today = snap.moment.astimezone(boards.LONDON).date()
    plans = offender_work.plans(app_state(request).factory)

    def add(row: dict[str, Any]) -> None:
        ahead = [p.planned_on for p in plans.get(str(row.get("offender_ref")), []) if p.planned_on >= today]
        current = row.get("next_visit_on")
        if ahead and "next_visit_on" in row and (current is None or current < today or ahead[0] < current):
            row["next_visit_on"] = ahead[0]

    return add


_standard_board("/boards/offenders", boards.OFFENDERS, P.VIEW_OFFENDER_BOARD, "caseload", _planned_visits)


def _offender(snap: Snapshot, offender_ref: str) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    if not snap.has("board_rso"):
        return None
    cursor = snap.con.cursor()
    try:
        result = cursor.execute(
            "SELECT b.*, p.display_name FROM board_rso b LEFT JOIN persons p USING (person_id) WHERE offender_ref = ?",
            [offender_ref],
        )
        names = [d[0] for d in result.description]
        found = result.fetchall()
        if not found:
            return None
        alerts: list[dict[str, Any]] = []
        if snap.has("board_rso_alerts"):
            result = cursor.execute(
                "SELECT a.*, coalesce(c.display_name, a.child_id) AS child FROM board_rso_alerts a"
                " LEFT JOIN persons c ON c.person_id = a.child_id WHERE offender_ref = ? ORDER BY event_at DESC",
                [offender_ref],
            )
            alert_names = [d[0] for d in result.description]
            alerts = [dict(zip(alert_names, r, strict=True)) for r in result.fetchall()]
        return dict(zip(names, found[0], strict=True)), alerts
    finally:
        cursor.close()


def _offender_page(
    request: Request, viewer: Viewer, offender_ref: str, error: str | None = None, status: int = 200
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    found = _offender(snap, offender_ref)
    if found is None:
        raise HTTPException(status_code=404)
    offender, alerts = found
    plans = offender_work.plans(app_state(request).factory).get(offender_ref, [])
    return render(
        request, "offender.html", viewer, status_code=status, offender=offender, alerts=alerts, plans=plans,
        error=error, display=boards.display, today=datetime.now(boards.LONDON).date(),
    )  # fmt: skip


@router.get("/boards/offenders/{offender_ref}")
def offender_detail(
    request: Request,
    offender_ref: str,
    viewer: Annotated[Viewer, Depends(require(P.VIEW_OFFENDER_BOARD, "offender", "offender_ref"))],
) -> Response:
    return _offender_page(request, viewer, offender_ref)


@router.post("/boards/offenders/{offender_ref}/visit")
def offender_visit(
    request: Request,
    offender_ref: str,
    viewer: Annotated[Viewer, Depends(require(P.PLAN_VISITS, "offender", "offender_ref"))],
    planned_on: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=4000)] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    if _offender(snap, offender_ref) is None:
        raise HTTPException(status_code=404)
    try:
        try:
            day = date.fromisoformat(planned_on.strip())
        except ValueError:
            raise WorkflowError("Give the visit's date.") from None
        offender_work.plan_visit(
            app_state(request).factory, offender_ref=offender_ref, planned_on=day, note=note, actor=viewer.username,
            today=datetime.now(boards.LONDON).date(),
        )  # fmt: skip
    except WorkflowError as exc:
        return _offender_page(request, viewer, offender_ref, str(exc), 400)
    return RedirectResponse(f"/boards/offenders/{offender_ref}?planned=1#visits", status_code=303)
