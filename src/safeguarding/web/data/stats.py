"""Counts and weekly trends for the home page: aggregates only, never a named person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from safeguarding.web.data.reader import Snapshot

LONDON = ZoneInfo("Europe/London")

WEEKS = 12


@dataclass(frozen=True)
class Series:
    """One line or bar series: a value per week."""

    name: str
    values: list[int]


@dataclass(frozen=True)
class Trends:
    weeks: list[date]  # the Monday starting each week
    alerts_by_category: list[Series]
    missing_per_week: Series


@dataclass(frozen=True)
class Counts:
    alerts: int
    children_with_alerts: int
    missing_episodes: int
    children_missing: int
    persons: int


def counts(snap: Snapshot) -> Counts:
    (row,) = snap.rows(
        """SELECT (SELECT count(*) FROM alerts), (SELECT count(DISTINCT person_id) FROM alerts),
                  (SELECT count(*) FROM missing_episodes), (SELECT count(DISTINCT person_id) FROM missing_episodes),
                  (SELECT count(*) FROM persons)"""
    )
    return Counts(*(int(v) for v in row))


def _weeks(snap: Snapshot) -> list[date]:
    # The weeks up to the snapshot's moment, not today's: a snapshot of last year's exports still shows a trend.
    end = snap.moment.astimezone(LONDON).date()
    monday = end - timedelta(days=end.weekday())
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)]


def trends(snap: Snapshot) -> Trends:
    weeks = _weeks(snap)
    index = {w: i for i, w in enumerate(weeks)}
    first = weeks[0]
    by_category: dict[str, list[int]] = {}
    for week, category, n in snap.rows(
        """SELECT CAST(date_trunc('week', timezone('Europe/London', raised_at)) AS DATE), category, count(*)
           FROM alerts WHERE raised_at >= ? GROUP BY ALL""",
        [first],
    ):
        if week in index:
            by_category.setdefault(str(category), [0] * WEEKS)[index[week]] = int(n)
    missing = [0] * WEEKS
    for week, n in snap.rows(
        """SELECT CAST(date_trunc('week', timezone('Europe/London', reported_at)) AS DATE), count(*)
           FROM missing_episodes WHERE reported_at >= ? GROUP BY ALL""",
        [first],
    ):
        if week in index:
            missing[index[week]] = int(n)
    return Trends(
        weeks=weeks,
        alerts_by_category=[Series(k, v) for k, v in sorted(by_category.items())],
        missing_per_week=Series("missing episodes", missing),
    )
