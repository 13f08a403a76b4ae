"""Snapshot figures for governance pages: before-and-after measures for a problem-solving plan, and the
monthly measures the boards compute (table ``monthly_measures``, written by the boards stage)."""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from safeguarding import policy
from safeguarding.web.data.reader import Snapshot

# The measures the Gold Group's outcomes page expects from the boards (board/measure), in page order.
EXPECTED_MEASURES: dict[str, str] = {
    "missing/rhi_within_72h": "Return home interviews within {policy:missing.rhi_within_hours} hours",
    "missing/repeat_missing_rate": "Repeat missing rate",
    "custody/aa_median_minutes": "Appropriate adult: median minutes to arrive",
    "ppn/mean_quality": "PPN quality (mean score out of 100)",
    "ppn/shared_within_sla": "PPNs shared within the service level",
    "online/actioned_by_deadline": "Online referrals actioned by their deadline",
}
BEFORE_AFTER_MONTHS = 6
LONDON = ZoneInfo("Europe/London")


def _month(day: date, shift: int) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class BeforeAfter:
    """Counts of one measure per month-long period, before and from the plan's start day (``months`` holds each
    period's first day)."""

    name: str
    months: list[date]
    values: list[int]
    start: date

    @property
    def before(self) -> list[int]:
        return [v for m, v in zip(self.months, self.values, strict=True) if m < self.start]

    @property
    def after(self) -> list[int]:
        return [v for m, v in zip(self.months, self.values, strict=True) if m >= self.start]

    @staticmethod
    def _mean(values: list[int]) -> float | None:
        return sum(values) / len(values) if values else None

    @property
    def before_mean(self) -> float | None:
        return self._mean(self.before)

    @property
    def after_mean(self) -> float | None:
        return self._mean(self.after)


def _period_start(started_on: date, shift: int) -> date:
    """The start of the ``shift``-th month-long period from the plan's start day (negative: before it)."""
    index = started_on.year * 12 + started_on.month - 1 + shift
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(started_on.day, calendar.monthrange(year, month)[1]))


def _london(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=LONDON)


def _counts(snap: Snapshot, sql: str, params: list[object], periods: list[date]) -> dict[date, int]:
    """Distinct records per period; ``sql`` gives (at, ref), and ``periods`` holds each period's start and, last,
    the end of the final one."""
    bounds = ", ".join(f"(DATE '{a.isoformat()}', ?, ?)" for a in periods[:-1])
    values: list[object] = []
    for a, b in itertools.pairwise(periods):
        values += [_london(a), _london(b)]
    rows = snap.rows(
        f"SELECT p.period, count(DISTINCT t.ref) FROM ({sql}) t"
        f" JOIN (VALUES {bounds}) AS p(period, from_at, to_at) ON t.at >= p.from_at AND t.at < p.to_at GROUP BY 1",
        [*params, *values],
    )
    return {m: int(n) for m, n in rows}


def before_after(
    snap: Snapshot, *, started_on: date, places: list[str], children: list[str], until: datetime,
    months: int = BEFORE_AFTER_MONTHS,
) -> list[BeforeAfter]:  # fmt: skip
    """Counts per month-long period for ``months`` periods before the plan's start day and up to ``months`` from it:
    missing episodes of the linked children, and child-related events at the linked places (split by kind). Periods
    run from the start day (an event earlier on the start day's month is "before"), only periods that ended by
    ``until`` (the data's moment) count as "after", and each record counts once however many children it names."""
    periods = [_period_start(started_on, k) for k in range(-months, months + 1)]
    periods = [p for p in periods if p <= started_on or _london(p) <= until]
    calendar_ = periods[:-1] if len(periods) > 1 else []
    out: list[BeforeAfter] = []
    if not calendar_:
        return out

    def add(name: str, counts: dict[date, int]) -> None:
        out.append(BeforeAfter(name, calendar_, [counts.get(c, 0) for c in calendar_], started_on))

    if children:
        marks = ", ".join("?" for _ in children)
        add(
            "Missing episodes of the linked children",
            _counts(snap, f"SELECT reported_at AS at, episode_ref AS ref FROM missing_episodes"
                          f" WHERE person_id IN ({marks})", list(children), periods),
        )  # fmt: skip
    if places and snap.has("place_events", "location_ref", "kind", "event_at"):
        marks = ", ".join("?" for _ in places)
        for label, where in (
            ("Children reported missing from the linked places", "kind = 'missing_from'"),
            ("Missing children found at the linked places", "kind = 'found'"),
            ("Other child-related events at the linked places", "kind NOT IN ('missing_from', 'found')"),
        ):
            add(
                label,
                _counts(snap, f"SELECT event_at AS at, record_type || ':' || record_ref AS ref FROM place_events"
                              f" WHERE location_ref IN ({marks}) AND {where}", list(places), periods),
            )  # fmt: skip
    return out


@dataclass(frozen=True)
class MeasureSeries:
    key: str
    label: str
    months: list[date]
    values: list[float | None]
    numerators: list[int | None]
    denominators: list[int | None]

    @property
    def latest(self) -> float | None:
        return next((v for v in reversed(self.values) if v is not None), None)

    @property
    def trend(self) -> str:
        """The latest month against the one before: up, down, level or no trend yet."""
        known = [v for v in self.values if v is not None]
        if len(known) < 2:
            return "not enough months yet"
        if known[-1] > known[-2]:
            return "up"
        return "down" if known[-1] < known[-2] else "level"


def monthly_measures(snap: Snapshot, months: int = 12) -> tuple[list[MeasureSeries], list[str]] | None:
    """The boards' monthly measures for the last ``months`` months with data, and the expected measures
    not (yet) in the snapshot; None when the snapshot has no ``monthly_measures`` table at all."""
    if not snap.has("monthly_measures", "board", "measure", "month", "value"):
        return None
    label_col = "label" if snap.has("monthly_measures", "label") else "NULL"
    num = "numerator" if snap.has("monthly_measures", "numerator") else "NULL"
    den = "denominator" if snap.has("monthly_measures", "denominator") else "NULL"
    rows = snap.rows(
        f"SELECT board, measure, {label_col}, CAST(month AS DATE), value, {num}, {den} FROM monthly_measures"
        " WHERE CAST(month AS DATE) >= (SELECT CAST(max(month) AS DATE) FROM monthly_measures)"
        f" - INTERVAL {int(months) - 1} MONTH ORDER BY board, measure, month"
    )
    calendar = sorted({r[3] for r in rows})
    found: dict[str, dict[date, tuple[float | None, int | None, int | None]]] = {}
    labels: dict[str, str] = {}
    for board, measure, label, month, value, n, d in rows:
        key = measure if "/" in str(measure) else f"{board}/{measure}"
        found.setdefault(key, {})[month] = (value, n, d)
        labels[key] = policy.text(EXPECTED_MEASURES.get(key) or label or key)
    order = [k for k in EXPECTED_MEASURES if k in found] + sorted(k for k in found if k not in EXPECTED_MEASURES)
    series = []
    for key in order:
        by_month = found[key]
        series.append(
            MeasureSeries(
                key, labels[key], calendar,
                [by_month[m][0] if m in by_month else None for m in calendar],
                [by_month[m][1] if m in by_month else None for m in calendar],
                [by_month[m][2] if m in by_month else None for m in calendar],
            )
        )  # fmt: skip
    return series, [k for k in EXPECTED_MEASURES if k not in found]


def plan_subjects(snap: Snapshot, limit: int = 300) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Places of concern and peer groups a plan may be about: (ref, label) each, busiest first."""
    found_places = []
    if snap.has("places", "location_ref", "is_concern"):
        found_places = [
            (str(ref), f"{name or ref} ({events} events, {kids} children)")
            for ref, name, events, kids in snap.rows(
                "SELECT location_ref, place_name, event_count, child_count FROM places WHERE is_concern"
                f" ORDER BY event_count DESC, location_ref LIMIT {int(limit)}"
            )
        ]
    groups = []
    if snap.has("groups", "community_id", "size"):
        groups = [
            (str(ref), f"Group {ref} ({size} people, {children} children)")
            for ref, size, children in snap.rows(
                f"SELECT community_id, size, children FROM groups ORDER BY size DESC, community_id LIMIT {int(limit)}"
            )
        ]
    return found_places, groups


def group_members(snap: Snapshot, community_id: str) -> list[str]:
    """The children in a peer group (for linking them to a plan)."""
    if not snap.has("communities", "community_id", "person_id", "is_child"):
        return []
    return [str(p) for (p,) in snap.rows(
        "SELECT person_id FROM communities WHERE community_id = ? AND is_child ORDER BY person_id", [community_id]
    )]  # fmt: skip


def names(snap: Snapshot, person_ids: list[str]) -> dict[str, str]:
    if not person_ids:
        return {}
    marks = ", ".join("?" for _ in person_ids)
    return {str(p): str(n) for p, n in snap.rows(
        f"SELECT person_id, display_name FROM persons WHERE person_id IN ({marks})", list(person_ids)
    )}  # fmt: skip


# Where a plan's link must exist in the snapshot: (table, column) pairs per link kind.
LINK_TARGETS: dict[str, tuple[tuple[str, str], ...]] = {
    "child": (("persons", "person_id"),),
    "place": (("places", "location_ref"), ("place_events", "location_ref")),
    "incident": (
        ("place_events", "record_ref"),
        ("indicator_evidence", "record_ref"),
        ("missing_episodes", "episode_ref"),
        ("board_ppn", "incident_ref"),
        ("board_child_to_notice", "incident_ref"),
        ("board_custody", "custody_ref"),
    ),
}


def link_exists(snap: Snapshot, kind: str, ref: str) -> bool:
    """Whether a child, place or record of that reference is in the snapshot (a plan links only real ones)."""
    for table, column in LINK_TARGETS.get(kind, ()):
        if snap.has(table, column) and snap.rows(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", [ref.strip()]):
            return True
    return False


def place_names(snap: Snapshot, refs: list[str]) -> dict[str, str]:
    if not refs or not snap.has("places", "location_ref", "place_name"):
        return {}
    marks = ", ".join("?" for _ in refs)
    return {str(r): str(n or r) for r, n in snap.rows(
        f"SELECT location_ref, place_name FROM places WHERE location_ref IN ({marks})", list(refs)
    )}  # fmt: skip


def sparkline(values: list[float | None], width: int = 120, height: int = 24) -> str:
    """SVG polyline points for a small trend line (months with no value are skipped)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - low) / span * (height - 4):.1f}" for i, v in known)
