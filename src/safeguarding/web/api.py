"""The JSON API: the same data and the same permission table as the pages, for other systems (bearer
tokens, see ``safeguarding tokens``) and for the portal's own maps and network drawings (session).

Every call is audited. Reading a person needs the same justification as the page: the person is in
the caller's queue, or a ``reason`` is given (recorded) or was given in the last 12 hours.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.snapshot import store
from safeguarding.web.auth import Viewer, require_api
from safeguarding.web.data import alerts as alert_data
from safeguarding.web.data import network, people, places, stats
from safeguarding.web.data import search as search_data
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.pages import access_basis, refused_for_no_reason
from safeguarding.web.routes_search import parse_query
from safeguarding.web.state import app_state
from safeguarding.workflow import access, reviews, sharing

router = APIRouter(prefix="/api/v1", tags=["api"])
Json = dict[str, Any]


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _obj(value: Json) -> Json:
    """``value`` as plain JSON types (dates as ISO text)."""
    plain: Json = _plain(value)
    return plain


def _snap(request: Request) -> Snapshot:
    try:
        return app_state(request).snapshots.get()
    except store.SnapshotError as exc:
        if str(exc).startswith("no snapshot has been published"):
            raise HTTPException(status_code=503, detail="no intelligence has been published yet") from None
        raise HTTPException(status_code=503, detail=f"no usable intelligence snapshot: {exc}") from None


def _justified(request: Request, viewer: Viewer, person_id: str, reason: str) -> str:
    if reason.strip():
        try:
            access.give_reason(app_state(request).factory, username=viewer.username, person_id=person_id, reason=reason)
        except reviews.WorkflowError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
    basis = access_basis(request, viewer, person_id)
    if basis is None:
        refused_for_no_reason(request, viewer, "person", person_id)
        raise HTTPException(status_code=409, detail="this person is not in your queue: give a reason")
    return basis


def _view(request: Request, viewer: Viewer, object_type: str, person_id: str, basis: str) -> None:
    """Audit a read of a child's record with its basis; written only once the basis is known."""
    audit.record(
        app_state(request).factory, username=viewer.username, action="view", object_type=object_type,
        object_id=person_id, detail={"path": request.url.path, "basis": basis, "via": viewer.token_name or "session"},
    )  # fmt: skip


@router.get("/stats")
def api_stats(
    request: Request, viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_DASHBOARD, "stats"))]
) -> Json:
    """Counts and weekly trends (aggregates only)."""
    snap = _snap(request)
    return _obj({"counts": asdict(stats.counts(snap)), "trends": asdict(stats.trends(snap))})


@router.get("/alerts")
def api_alerts(
    request: Request,
    viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_ALERTS, "alerts"))],
    category: str = "",
    sort: str = "newest",
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Json:
    """Alerts with their latest assignment and review."""
    snap = _snap(request)
    rows = alert_data.list_alerts(snap, category=category, sort=sort, limit=limit)
    state = reviews.alert_state(app_state(request).factory, [r.alert_id for r in rows])
    items = [
        {**asdict(r), "assigned_to": state.assigned_to.get(r.alert_id),
         "review": asdict(state.reviews[r.alert_id]) if r.alert_id in state.reviews else None}
        for r in rows
    ]  # fmt: skip
    return _obj({"alerts": items})


@router.get("/search")
def api_search(
    request: Request,
    viewer: Annotated[Viewer, Depends(require_api(Permission.SEARCH_PEOPLE, "search", audit_view=False))],
    name: str = "",
    dob: str = "",
    postcode: str = "",
    phone: str = "",
    vehicle: str = "",
) -> Json:
    """People matching every term given (fuzzy name, date of birth YYYY-MM-DD, postcode prefix)."""
    query, error = parse_query(name, dob, postcode, phone, vehicle)
    if error:
        raise HTTPException(status_code=400, detail=error)
    result = search_data.search(_snap(request), query)
    audit.record(
        app_state(request).factory, username=viewer.username, action="search", object_type="person",
        detail={"terms": query.terms(), "hits": len(result.hits), "via": viewer.token_name or "session"},
    )  # fmt: skip
    return _obj(asdict(result))


@router.get("/people/{person_id}")
def api_person(
    request: Request,
    person_id: str,
    viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_PEOPLE, "person", "person_id", audit_view=False))],
    reason: str = "",
) -> Json:
    """A person's profile; needs ``reason`` unless the person is in the caller's queue."""
    snap = _snap(request)
    page = people.person_page(snap, person_id)
    if page is None:
        raise HTTPException(status_code=404, detail="no such person")
    basis = _justified(request, viewer, person_id, reason)
    audit.record(
        app_state(request).factory, username=viewer.username, action="view", object_type="person",
        object_id=person_id, detail={"path": request.url.path, "basis": basis, "via": viewer.token_name or "session"},
    )  # fmt: skip
    return _obj(asdict(page))


@router.get("/people/{person_id}/network")
def api_person_network(
    request: Request,
    person_id: str,
    viewer: Annotated[
        Viewer, Depends(require_api(Permission.VIEW_NETWORK, "person_network", "person_id", audit_view=False))
    ],
) -> Json:
    """The person and the people one step from them (Cytoscape.js elements)."""
    snap = _snap(request)
    _view(request, viewer, "person_network", person_id, _justified(request, viewer, person_id, ""))
    graph = network.person_network(snap, person_id)
    return {"available": graph is not None, **(graph or {"nodes": [], "edges": []})}


@router.get("/people/{person_id}/places")
def api_person_places(
    request: Request,
    person_id: str,
    viewer: Annotated[
        Viewer, Depends(require_api(Permission.VIEW_PLACES, "person_places", "person_id", audit_view=False))
    ],
) -> Json:
    """Places linked to the person, with coordinates where known."""
    snap = _snap(request)
    _view(request, viewer, "person_places", person_id, _justified(request, viewer, person_id, ""))
    found = places.person_places(snap, person_id)
    return {"available": found is not None, "places": _plain([asdict(p) for p in found or []])}


@router.get("/network")
def api_network(
    request: Request, viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_NETWORK, "network"))]
) -> Json:
    """The strongest links around people with alerts (Cytoscape.js elements)."""
    graph = network.overview_network(_snap(request))
    return {"available": graph is not None, **(graph or {"nodes": [], "edges": []})}


@router.get("/places")
def api_places(
    request: Request, viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_PLACES, "places"))]
) -> Json:
    """Values per LSOA for shading, and places of concern."""
    snap = _snap(request)
    shading = places.lsoa_values(snap)
    found = places.places_of_concern(snap)
    return {
        "lsoa": {"measure": shading[0], "values": shading[1]} if shading else None,
        "places": None if found is None else _plain([asdict(p) for p in found]),
    }


@router.get("/shared")
def api_shared(
    request: Request, viewer: Annotated[Viewer, Depends(require_api(Permission.VIEW_SHARED_CASES, "shared_cases"))]
) -> Json:
    """Cases shared with the caller's agency."""
    return _obj(
        {"shares": [asdict(s) for s in sharing.shared_with(app_state(request).factory, viewer.agency, viewer.username)]}
    )
