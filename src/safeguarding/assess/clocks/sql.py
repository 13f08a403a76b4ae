"""Small SQL pieces the clock queries share: literals, London time, meaningful text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

LONDON = "Europe/London"


def ts(moment: datetime) -> str:
    """A TIMESTAMPTZ literal for an aware datetime (in UTC)."""
    return f"TIMESTAMPTZ '{moment.astimezone(UTC).isoformat()}'"


def known(column: str, moment: str) -> str:
    """The column's time if it had happened by the moment, else NULL (so a replay sees only the past)."""
    return f"CASE WHEN {column} <= {moment} THEN {column} END"


def local(column: str) -> str:
    """The instant as Europe/London wall-clock time (TIMESTAMP without zone)."""
    return f"({column} AT TIME ZONE '{LONDON}')"


def from_local(expression: str) -> str:
    """A Europe/London wall-clock TIMESTAMP back to an instant."""
    return f"(CAST({expression} AS TIMESTAMP) AT TIME ZONE '{LONDON}')"


def london_month(column: str) -> str:
    """The first day of the column's calendar month in Europe/London."""
    return f"CAST(date_trunc('month', {local(column)}) AS DATE)"


def minutes_between(start: str, end: str) -> str:
    return f"(date_diff('second', {start}, {end}) / 60.0)"


def hhmm_minutes(text: str) -> int:
    """'08:30' -> 510."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def meaningful(column: str, empty: Iterable[str]) -> str:
    """True when a text field holds something meaningful: not blank, not 'n/a'/'unknown'..., not one word."""
    listed = ", ".join(quote(e.lower()) for e in empty)
    return (
        f"({column} IS NOT NULL AND lower(trim({column})) NOT IN ({listed})"
        f" AND regexp_matches(trim({column}), '\\S\\s+\\S'))"
    )
