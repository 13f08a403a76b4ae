"""Rendering a board page and its exports: shared by every board's routes (routes_boards.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import Response

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web import charts, exports
from safeguarding.web.auth import Viewer
from safeguarding.web.data import boards
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.pages import render
from safeguarding.web.state import app_state

# Which board each role lands on (DOMAIN.md roles); supervisors and auditors get the list of all boards.
ROLE_BOARD = {
    "safeguarding_officer": "missing",
    "custody_officer": "custody",
    "online_investigator": "online",
    "offender_manager": "offenders",
}
BOARD_PERMISSION = {
    "missing": Permission.VIEW_MISSING_BOARD,
    "custody": Permission.VIEW_CUSTODY_BOARD,
    "ppns": Permission.VIEW_PPN_BOARD,
    "online": Permission.VIEW_ONLINE_BOARD,
    "offenders": Permission.VIEW_OFFENDER_BOARD,
}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def visible_boards(viewer: Viewer) -> list[boards.BoardSpec]:
    return [b for key, b in boards.BOARDS.items() if viewer.can(BOARD_PERMISSION[key])]


def default_board(viewer: Viewer) -> str | None:
    """The board a user lands on: their role's own, unless they see several teams' boards (supervisors)."""
    mine = visible_boards(viewer)
    if len(mine) == 1:
        return mine[0].key
    own = {ROLE_BOARD[r] for r in viewer.roles if r in ROLE_BOARD}
    if len(own) == 1 and "supervisor" not in viewer.roles and "auditor" not in viewer.roles:
        return own.pop()
    return None


def trend_charts(snap: Snapshot, board_key: str) -> list[tuple[boards.Trend, charts.Chart]]:
    found = []
    for trend in boards.trends(snap, board_key):
        chart = charts.stacked_bars(trend.months, trend.series(), label_format="%b %y", period_label="Month")
        found.append((trend, chart))
    return found


def board_page(
    request: Request,
    viewer: Viewer,
    snap: Snapshot,
    board: boards.BoardSpec,
    sections: list[boards.Section],
    **extra: Any,
) -> Response:
    as_of = boards.data_as_of(snap)
    return render(
        request, "board.html", viewer, board=board, boards_visible=visible_boards(viewer), snapshot=snap,
        summary=boards.summary(snap, board, as_of), as_of=as_of, levels=boards.levels_shown(board),
        trends=trend_charts(snap, board.key), sections=sections, **extra,
    )  # fmt: skip


def standard_sections(
    snap: Snapshot,
    board: boards.BoardSpec,
    viewer: Viewer,
    extra: Callable[[dict[str, Any]], None] | None = None,
    bound: dict[str, Any] | None = None,
) -> list[boards.Section]:
    return [
        boards.section(snap, spec, snap.moment, extra, bound)
        for spec in board.sections
        if spec.only_if is None or viewer.can(spec.only_if)
    ]


def export(
    request: Request,
    viewer: Viewer,
    board_key: str,
    section_key: str,
    fmt: str,
    columns: list[tuple[str, str]],
    rows: list[dict[str, Any]],
    title: str,
) -> Response:
    """A section as CSV or XLSX; audited as a disclosure (export) with the board, section and row count."""
    if fmt not in FORMATS:
        raise HTTPException(status_code=404)
    audit.record(
        app_state(request).factory, username=viewer.username, action="export", object_type="board",
        object_id=board_key,
        detail={"section": section_key, "format": fmt, "rows": len(rows), "recipient": viewer.username},
    )  # fmt: skip
    headings = [h for _, h in columns]
    values = [[boards.export_value(row.get(k)) for k, _ in columns] for row in rows]
    stamp = datetime.now(boards.LONDON).strftime("%Y-%m-%d")
    name = f"{board_key}-{section_key}-{stamp}.{fmt}"
    note = f"{title}. Exported {stamp} by {viewer.username}. Times are Europe/London."
    if app_state(request).settings.synthetic_banner:
        note = "SYNTHETIC DATA - demonstration only. " + note
    body = exports.to_csv(headings, values) if fmt == "csv" else exports.to_xlsx(section_key, headings, values, note)
    return Response(body, media_type=FORMATS[fmt], headers={"content-disposition": f'attachment; filename="{name}"'})


def export_section(
    request: Request,
    viewer: Viewer,
    snap: Snapshot,
    board: boards.BoardSpec,
    section_key: str,
    fmt: str,
    extra: Callable[[dict[str, Any]], None] | None = None,
    bound: dict[str, Any] | None = None,
) -> Response:
    spec = next((s for s in board.sections if s.key == section_key), None)
    if spec is None or (spec.only_if is not None and not viewer.can(spec.only_if)):
        raise HTTPException(status_code=404)
    found = boards.query(snap, spec, snap.moment, None, bound)
    if found is None:
        raise HTTPException(status_code=404)
    rows, _total = found
    if extra:
        for row in rows:
            extra(row)
    return export(request, viewer, board.key, spec.key, fmt, list(spec.columns), rows, f"{board.title}: {spec.title}")
