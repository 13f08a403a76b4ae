"""Outcomes for children: the monthly measures the boards compute (from the snapshot's
``monthly_measures`` table) and the case-audit grades (from the app database), each with its trend."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, require
from safeguarding.web.data import governance
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state
from safeguarding.workflow import audits

router = APIRouter(include_in_schema=False)


def _audit_series(factory: sessionmaker[Session]) -> governance.MeasureSeries | None:
    """Share of completed audits graded good overall, per month, as one more measure."""
    by_month = audits.overall_by_month(factory)
    if not by_month:
        return None
    months = sorted(by_month)
    good = [by_month[m]["good"] for m in months]
    totals = [sum(by_month[m].values()) for m in months]
    values: list[float | None] = [g / t for g, t in zip(good, totals, strict=True)]
    numerators: list[int | None] = list(good)
    denominators: list[int | None] = list(totals)
    month_starts = [date.fromisoformat(m + "-01") for m in months]
    label = "Case audits graded good overall"
    return governance.MeasureSeries("audits/overall_good", label, month_starts, values, numerators, denominators)


@router.get("/outcomes")
def outcomes(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_OUTCOMES, "outcomes"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    found = governance.monthly_measures(snap)
    series, missing = found if found is not None else ([], list(governance.EXPECTED_MEASURES))
    audit_series = _audit_series(app_state(request).factory)
    by_month = audits.overall_by_month(app_state(request).factory)
    return render(
        request, "outcomes.html", viewer, series=series, missing=missing, has_table=found is not None,
        expected=governance.EXPECTED_MEASURES, audit_series=audit_series, audit_by_month=by_month,
        grades=audits.GRADES, sparkline=governance.sparkline, snapshot=snap,
    )  # fmt: skip
