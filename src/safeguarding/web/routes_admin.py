"""Administration: users (reset a password with a one-time code, reset a second factor), loads and
quarantine, and searching the audit log."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import and_, select

from safeguarding.db import transaction
from safeguarding.lake.store import Lake
from safeguarding.security import totp, users
from safeguarding.security.models import AuditEntry
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, check_csrf, require
from safeguarding.web.pages import render
from safeguarding.web.state import app_state

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def user_list(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_USERS, "users"))]
) -> Response:
    return render(request, "admin_users.html", viewer, users=users.list_users(app_state(request).factory), issued=None)


@router.post("/admin/users/{username}/reset")
def reset_password(
    request: Request,
    username: str,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_USERS, "user", "username"))],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Give the user a one-time code (shown once, here) to sign in with and replace at once."""
    check_csrf(viewer.csrf_token, csrf_token)
    factory = app_state(request).factory
    try:
        one_time = users.reset_password(factory, username, actor=viewer.username)
    except users.UserError:
        raise HTTPException(status_code=404) from None
    return render(request, "admin_users.html", viewer, users=users.list_users(factory), issued=(username, one_time))


@router.post("/admin/users/{username}/reset-second-factor")
def reset_second_factor(
    request: Request,
    username: str,
    viewer: Annotated[Viewer, Depends(require(Permission.MANAGE_USERS, "user", "username"))],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(viewer.csrf_token, csrf_token)
    factory = app_state(request).factory
    if users.get_user(factory, username) is None:
        raise HTTPException(status_code=404)
    totp.reset(factory, username, actor=viewer.username)
    return render(request, "admin_users.html", viewer, users=users.list_users(factory), issued=None)


def _quarantine_sample(lake: Lake, load_id: str, limit: int = 100) -> list[dict[str, Any]]:
    import duckdb

    path = lake.quarantine_file(load_id)
    if not path.exists():
        return []
    # The raw text of refused rows is personal data: administrators see where and why, not what.
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT * EXCLUDE (raw) FROM read_parquet(?) LIMIT ?" if _has_raw(con, path) else
            "SELECT * FROM read_parquet(?) LIMIT ?",
            [str(path), limit],
        ).fetchall()  # fmt: skip
        names = [d[0] for d in con.description or []]
    return [dict(zip(names, r, strict=True)) for r in rows]


def _has_raw(con: Any, path: Any) -> bool:
    cols = [r[0] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()]
    return "raw" in cols


@router.get("/admin/loads")
def loads(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_LOADS, "loads"))],
    load_id: str = "",
) -> Response:
    lake = Lake(app_state(request).settings.lake_dir)
    manifests = list(reversed(lake.manifests())) if lake.root.exists() else []
    chosen = next((m for m in manifests if m.get("load_id") == load_id), None)
    sample = _quarantine_sample(lake, load_id) if chosen else []
    return render(request, "admin_loads.html", viewer, manifests=manifests, chosen=chosen, sample=sample)


def _day(text: str, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    instant = datetime.combine(day, time(0), tzinfo=UTC)
    return instant + timedelta(days=1) if end else instant


@router.get("/audit")
def audit_log(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.VIEW_AUDIT_LOG, "audit_log"))],
    username: str = "",
    action: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
    text: str = "",
) -> Response:
    """The latest entries matching every filter given (newest first, at most 500)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(500)
    if username:
        query = query.where(AuditEntry.username == username.strip())
    if action:
        query = query.where(AuditEntry.action.startswith(action.strip()))
    if object_id:
        query = query.where(AuditEntry.object_id == object_id.strip())
    if (start := _day(since)) is not None:
        query = query.where(AuditEntry.at >= start)
    if (stop := _day(until, end=True)) is not None:
        query = query.where(AuditEntry.at < stop)
    # Search terms are personal data (names, dates of birth, postcodes): only a viewer who may read
    # children's records (an auditor) sees them, or can find entries by them (#26, "Also").
    sees_searches = viewer.can(Permission.VIEW_PEOPLE)
    if text:
        matches = AuditEntry.detail.contains(text.strip())
        query = query.where(matches if sees_searches else and_(matches, AuditEntry.action != "search"))
    with transaction(app_state(request).factory) as session:
        entries = list(session.execute(query).scalars())
        if not sees_searches:
            for e in entries:
                if e.action == "search":
                    session.expunge(e)
                    e.detail = SEARCH_WITHHELD
    filters = {"username": username, "action": action, "object_id": object_id, "since": since, "until": until,
               "text": text}  # fmt: skip
    return render(request, "audit.html", viewer, entries=entries, filters=filters)


SEARCH_WITHHELD = "(search terms: shown to auditors only)"
