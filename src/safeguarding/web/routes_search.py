"""Search: the first-contact lookup. Every search is audited with its terms (a consultation)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from safeguarding.security import audit
from safeguarding.security.permissions import Permission
from safeguarding.web.auth import Viewer, require
from safeguarding.web.data import search as search_data
from safeguarding.web.pages import render, snapshot_or_page
from safeguarding.web.state import app_state

router = APIRouter(include_in_schema=False)


def parse_query(name: str, dob: str, postcode: str, phone: str, vehicle: str) -> tuple[search_data.Query, str | None]:
    """The query from form fields, or an error message for a date that is not a date."""
    born: date | None = None
    error = None
    if dob.strip():
        try:
            born = date.fromisoformat(dob.strip())
        except ValueError:
            error = "Give the date of birth as YYYY-MM-DD (for example 2010-03-14)."
    if error is None and phone.strip() and len(search_data.phone_key(phone)) < 6:
        error = "Give at least 6 digits of the phone number (the last 6 are enough)."
    if error is None and vehicle.strip() and len(re.sub(r"[^A-Za-z0-9]", "", vehicle)) < 3:
        error = "Give at least 3 letters or digits of the vehicle registration."
    query = search_data.Query(
        name=name.strip()[:100], date_of_birth=born, postcode=postcode.strip()[:10], phone=phone.strip()[:20],
        vehicle=vehicle.strip()[:10],
    )  # fmt: skip
    return query, error


@router.get("/search")
def search(
    request: Request,
    viewer: Annotated[Viewer, Depends(require(Permission.SEARCH_PEOPLE, "search", audit_view=False))],
    name: str = "",
    dob: str = "",
    postcode: str = "",
    phone: str = "",
    vehicle: str = "",
) -> Response:
    snap = snapshot_or_page(request, viewer)
    if isinstance(snap, Response):
        return snap
    query, error = parse_query(name, dob, postcode, phone, vehicle)
    result = None
    if not query.empty and error is None:
        result = search_data.search(snap, query)
        audit.record(
            app_state(request).factory, username=viewer.username, action="search", object_type="person",
            detail={"terms": query.terms(), "hits": len(result.hits)},
        )  # fmt: skip
    return render(
        request, "search.html", viewer, form={"name": name, "dob": dob, "postcode": postcode, "phone": phone,
        "vehicle": vehicle}, result=result, error=error, snapshot=snap,
        status_code=400 if error else 200,
    )  # fmt: skip
