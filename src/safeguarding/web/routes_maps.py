"""The network view and the places map (the drawing is done in the browser from the JSON API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, require
from safeguarding.web.data import network, places
from safeguarding.web.pages import render, snapshot_or_page

router = APIRouter(include_in_schema=False)


@router.get("/network")
def network_view(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_NETWORK, "network"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    graph = network.overview_network(snap)
    has_network = graph is not None and bool(graph["edges"])
    return render(request, "network.html", viewer, has_network=has_network, snapshot=snap)


@router.get("/places")
def places_view(
    request: Request, viewer: Annotated[Viewer, Depends(require(Permission.VIEW_PLACES, "places"))]
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    shading = places.lsoa_values(snap)
    return render(
        request, "places.html", viewer, places=places.places_of_concern(snap),
        shading_name=shading[0] if shading else None, snapshot=snap,
    )  # fmt: skip
