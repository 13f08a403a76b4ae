"""Reading form values that are not plain text (dates, whole numbers), with messages naming the field."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Path

from safeguarding.workflow.reviews import WorkflowError

# The largest id a database integer column holds (SQLite and PostgreSQL BIGINT): a path id outside
# 1..MAX_ROW_ID is answered 404 before any query (it raised OverflowError, a 500, before #26).
MAX_ROW_ID = 2**63 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def parse_date(value: str, field: str, *, required: bool = True) -> date | None:
    """A YYYY-MM-DD form value; WorkflowError naming ``field`` when it is missing or not a date."""
    cleaned = value.strip()
    if not cleaned:
        if required:
            raise WorkflowError(f"Field '{field}': give a date (YYYY-MM-DD).")
        return None
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise WorkflowError(f"Field '{field}': {cleaned[:20]!r} is not a date (YYYY-MM-DD).") from None


def required_date(value: str, field: str) -> date:
    found = parse_date(value, field)
    assert found is not None
    return found


def parse_int(value: str, field: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise WorkflowError(f"Field '{field}': give a whole number from {low} to {high}.") from None
    if not low <= number <= high:
        raise WorkflowError(f"Field '{field}': give a whole number from {low} to {high}.")
    return number
