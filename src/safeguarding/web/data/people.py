"""Everything the child profile shows from the snapshot: the person, how each record names them, missing
episodes, alerts and indicators with their evidence, score history, why records were linked, and one
timeline of all of it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from safeguarding.web.data.alerts import AlertRow, Evidence, alerts_for
from safeguarding.web.data.reader import Snapshot


@dataclass(frozen=True)
class Person:
    person_id: str
    display_name: str
    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    is_child: bool | None
    mention_count: int


@dataclass(frozen=True)
class Mention:
    source_system: str
    person_ref: str
    forenames: str | None
    surname: str | None
    date_of_birth: date | None
    sex: str | None
    postcode: str | None

    @property
    def key(self) -> str:
        """The mention as linkage decisions name it: ``system:ref``."""
        return f"{self.source_system}:{self.person_ref}"


@dataclass(frozen=True)
class Episode:
    episode_ref: str
    reported_at: datetime
    found_at: datetime | None
    risk_grade: str | None
    missing_from: str | None
    found_location: str | None


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    rule_id: str
    rule_version: int
    category: str
    title: str
    fired_at: datetime
    weight: float
    explanation: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ScorePoint:
    at: datetime | date
    score: float
    category: str = ""


@dataclass(frozen=True)
class CurrentScore:
    category: str
    score: float
    threshold: float
    indicator_count: int


@dataclass(frozen=True)
class LinkPair:
    """Why two records were put together: the match weight each field contributed."""

    left: str
    right: str
    probability: float | None
    weight: float | None
    fields: list[tuple[str, float]]


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    text: str
    ref: str


@dataclass
class PersonPage:
    person: Person
    mentions: list[Mention]
    episodes: list[Episode]
    alerts: list[AlertRow]
    alert_evidence: dict[str, list[Evidence]]
    indicators: list[Indicator]
    scores: list[ScorePoint] | None  # None: this snapshot has no score history
    current_scores: list[CurrentScore] | None
    link_pairs: list[LinkPair] | None  # None: this snapshot has no pairwise match weights
    timeline: list[TimelineItem] = field(default_factory=list)


def get_person(snap: Snapshot, person_id: str) -> Person | None:
    found = snap.rows(
        """SELECT person_id, display_name, forenames, surname, date_of_birth, sex, is_child, mention_count
           FROM persons WHERE person_id = ?""",
        [person_id],
    )
    return Person(*found[0]) if found else None


def _score_history(snap: Snapshot, person_id: str) -> list[ScorePoint] | None:
    table = "score_history"
    at = snap.pick(table, "event_at", "scored_at", "as_of", "at")
    if not (snap.has(table, "person_id", "score") and at):
        return None
    category = "category" if snap.has(table, "category") else "''"
    rows = snap.rows(
        f'SELECT "{at}", score, {category} FROM {table} WHERE person_id = ? ORDER BY 1 DESC, 3 LIMIT 200', [person_id]
    )
    return [ScorePoint(a, float(s), str(c or "")) for a, s, c in rows if a is not None and s is not None]


def _current_scores(snap: Snapshot, person_id: str) -> list[CurrentScore] | None:
    if not snap.has("scores", "person_id", "category", "score", "threshold", "indicator_count"):
        return None
    rows = snap.rows(
        "SELECT category, score, threshold, indicator_count FROM scores WHERE person_id = ? ORDER BY score DESC",
        [person_id],
    )
    return [CurrentScore(str(c), float(s), float(t), int(n)) for c, s, t, n in rows]


def _field_weights(raw: Any) -> list[tuple[str, float]]:
    if raw is None:
        return []
    data = json.loads(raw) if isinstance(raw, str) else raw
    if isinstance(data, dict):
        items = [(str(k), float(v)) for k, v in data.items() if isinstance(v, int | float)]
    else:
        items = []
    return sorted(items, key=lambda kv: -abs(kv[1]))


def _link_pairs(snap: Snapshot, person_id: str) -> list[LinkPair] | None:
    if not snap.has("link_pairs", "mention_l", "mention_r", "person_id"):
        return None
    prob = snap.pick("link_pairs", "match_probability") or "NULL"
    weight = snap.pick("link_pairs", "match_weight") or "NULL"
    fields = snap.pick("link_pairs", "field_weights") or "NULL"
    rows = snap.rows(
        f"""SELECT mention_l, mention_r, {prob}, {weight}, {fields} FROM link_pairs
            WHERE person_id = ? ORDER BY {weight} DESC NULLS LAST LIMIT 200""",
        [person_id],
    )
    return [
        LinkPair(str(l_), str(r), None if p is None else float(p), None if w is None else float(w), _field_weights(f))
        for l_, r, p, w, f in rows
    ]


def _timeline(page: PersonPage) -> list[TimelineItem]:
    items = [
        TimelineItem(e.reported_at, "missing", f"Reported missing ({e.risk_grade or 'risk not graded'})", e.episode_ref)
        for e in page.episodes
    ]
    items += [
        TimelineItem(
            e.found_at, "found", f"Found{f' at {e.found_location}' if e.found_location else ''}", e.episode_ref
        )
        for e in page.episodes
        if e.found_at is not None
    ]
    items += [TimelineItem(a.raised_at, "alert", a.title, a.alert_id) for a in page.alerts]
    items += [TimelineItem(i.fired_at, "indicator", i.title, i.indicator_id) for i in page.indicators]
    return sorted(items, key=lambda t: (t.at, t.kind), reverse=True)


@dataclass(frozen=True)
class SharedCasePage:
    """What a partner agency is shown of a shared case: who the child is and the missing episodes (the
    shared records themselves). Never alerts, scores, thresholds, indicators or intelligence."""

    person: Person
    episodes: list[Episode]


def shared_case_page(snap: Snapshot, person_id: str) -> SharedCasePage | None:
    """The partner's view of a shared case, or None when the id is unknown."""
    person = get_person(snap, person_id)
    if person is None:
        return None
    episodes = snap.rows(
        """SELECT episode_ref, reported_at, found_at, risk_grade, missing_from, found_location
           FROM missing_episodes WHERE person_id = ? ORDER BY reported_at DESC""",
        [person_id],
    )
    return SharedCasePage(person=person, episodes=[Episode(*e) for e in episodes])


def person_page(snap: Snapshot, person_id: str) -> PersonPage | None:
    """The profile's snapshot data, or None when the id is unknown."""
    person = get_person(snap, person_id)
    if person is None:
        return None
    mentions = snap.rows(
        """SELECT source_system, person_ref, forenames, surname, date_of_birth, sex, postcode
           FROM mentions WHERE person_id = ? ORDER BY surname, forenames, source_system, person_ref""",
        [person_id],
    )
    episodes = snap.rows(
        """SELECT episode_ref, reported_at, found_at, risk_grade, missing_from, found_location
           FROM missing_episodes WHERE person_id = ? ORDER BY reported_at DESC""",
        [person_id],
    )
    alert_evidence: dict[str, list[Evidence]] = {}
    for alert_id, record_type, record_ref in snap.rows(
        """SELECT e.alert_id, e.record_type, e.record_ref FROM alert_evidence e JOIN alerts a USING (alert_id)
           WHERE a.person_id = ? ORDER BY e.record_type, e.record_ref""",
        [person_id],
    ):
        alert_evidence.setdefault(alert_id, []).append(Evidence(record_type, record_ref))
    indicator_evidence: dict[str, list[Evidence]] = {}
    for indicator_id, record_type, record_ref in snap.rows(
        """SELECT e.indicator_id, e.record_type, e.record_ref FROM indicator_evidence e
           JOIN indicators i USING (indicator_id) WHERE i.person_id = ? ORDER BY e.record_type, e.record_ref""",
        [person_id],
    ):
        indicator_evidence.setdefault(indicator_id, []).append(Evidence(record_type, record_ref))
    indicators = [
        Indicator(
            i, rule, version, category, title, fired, float(weight), explanation, tuple(indicator_evidence.get(i, []))
        )
        for i, rule, version, category, title, fired, weight, explanation in snap.rows(
            """SELECT indicator_id, rule_id, rule_version, category, title, fired_at, weight, explanation
               FROM indicators WHERE person_id = ? ORDER BY fired_at DESC""",
            [person_id],
        )
    ]
    page = PersonPage(
        person=person,
        mentions=[Mention(*m) for m in mentions],
        episodes=[Episode(*e) for e in episodes],
        alerts=alerts_for(snap, [person_id]),
        alert_evidence=alert_evidence,
        indicators=indicators,
        scores=_score_history(snap, person_id),
        current_scores=_current_scores(snap, person_id),
        link_pairs=_link_pairs(snap, person_id),
    )
    page.timeline = _timeline(page)
    return page
