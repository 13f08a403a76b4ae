"""The home page: my queue, counts and weekly trends (aggregates only for the gold group)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from safeguarding.security import sessions
from safeguarding.security.permissions import Permission, permissions_for
from safeguarding.web import charts
from safeguarding.web.auth import Viewer, require, signed_in
from safeguarding.web.data import alerts as alert_data
from safeguarding.web.data import stats
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import audits, reviews

router = APIRouter(include_in_schema=False)


@router.get("/")
def landing(login_session: Annotated[sessions.SessionInfo, Depends(signed_in)]) -> Response:
    """Partners land on the cases shared with them; everyone else on the home page."""
    granted = permissions_for(login_session.roles)
    if Permission.VIEW_DASHBOARD not in granted and Permission.VIEW_SHARED_CASES in granted:
        return RedirectResponse("/shared", status_code=303)
    return RedirectResponse("/home", status_code=303)


@router.get("/home")
def home(request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_DASHBOARD, "home"))]) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    trends = stats.trends(snap)
    queue: list[alert_data.AlertRow] = []
    if viewer.can(Permission.VIEW_ALERTS):
        state = reviews.alert_state(app_state(request).factory)
        mine = {a for a, who in state.assigned_to.items() if who == viewer.username and a not in state.reviews}
        queue = alert_data.list_alerts(snap, only=mine, limit=200) if mine else []
    return render(
        request,
        "home.html",
        viewer,
        snapshot=snap,
        counts=stats.counts(snap),
        trends=trends,
        alerts_chart=charts.stacked_bars(trends.weeks, trends.alerts_by_category),
        missing_chart=charts.stacked_bars(trends.weeks, [trends.missing_per_week]),
        queue=queue,
        audit_feedback=audits.feedback_for(app_state(request).factory, viewer.username),
        grades=audits.GRADES,
    )
