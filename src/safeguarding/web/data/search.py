"""First-contact search: people by (fuzzy) name, date of birth, postcode, phone number and vehicle registration.

Each hit carries what a call handler needs at once: is this a child, how many alerts (and of which
kinds) and missing episodes are on record. Names are compared with Jaro-Winkler similarity in DuckDB
over every spelling the records use, so "Jaden Smyth" finds Jayden Smith. Phone numbers match on any run
of their digits (the last six are enough) and registrations on any part, spaces and case ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from safeguarding.web.data.reader import Snapshot

NAME_THRESHOLD = 0.88
LIMIT = 50


@dataclass(frozen=True)
class Query:
    name: str = ""
    date_of_birth: date | None = None
    postcode: str = ""
    phone: str = ""
    vehicle: str = ""

    @property
    def empty(self) -> bool:
        return not (self.name or self.date_of_birth or self.postcode or self.phone or self.vehicle)

    def terms(self) -> dict[str, str]:
        """The terms given, for the audit log."""
        raw = {
            "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
            "postcode": self.postcode,
            "phone": self.phone,
            "vehicle": self.vehicle,
        }
        return {k: v for k, v in raw.items() if v}


@dataclass(frozen=True)
class Hit:
    person_id: str
    display_name: str
    date_of_birth: date | None
    is_child: bool | None
    postcodes: str
    score: float
    alert_count: int
    alert_categories: str
    missing_count: int
    matched: str = ""  # the phone numbers and vehicles that matched, when those were searched


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    unsupported: list[str]  # terms this snapshot cannot search (no such data in it)


def _squash(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text).upper()


def phone_key(text: str) -> str:
    """A phone number as the snapshot keeps it: digits only, a +44 / 0044 prefix read as the leading 0."""
    digits = re.sub(r"[^0-9]", "", text)
    if text.strip().startswith("+44") or digits.startswith("0044"):
        digits = "0" + digits[(4 if digits.startswith("0044") else 2) :]
    return digits


def search(snap: Snapshot, query: Query) -> SearchResult:
    """People matching every given term, best name match first."""
    conditions: list[str] = []
    unsupported: list[str] = []
    names_cte = ""
    score = "1.0"
    source = "name_people m"
    if query.name:
        # Compare each distinct spelling once (reader.py's name_keys) and each distinct surname once, then
        # join to the people by spelling number.
        names_cte = f"""surnames AS (
            SELECT surname, jaro_winkler_similarity(surname, $name) AS s FROM name_surnames
            WHERE s >= {NAME_THRESHOLD}),
        names AS (
            SELECT k.key_id, greatest(jaro_winkler_similarity(k.full_name, $name), coalesce(sn.s, 0),
                                      CASE WHEN contains(k.full_name, $name) THEN 1.0 ELSE 0 END) AS score
            FROM name_keys k LEFT JOIN surnames sn USING (surname) WHERE score >= {NAME_THRESHOLD}),"""
        source = "name_people m JOIN names n USING (key_id)"
        score = "n.score"
    if query.date_of_birth:
        conditions.append("m.date_of_birth = $dob")
    if query.postcode:
        conditions.append("starts_with(m.postcode_key, $postcode)")
    if query.phone:
        if snap.has("person_phones", "person_id", "phone"):
            conditions.append("m.person_id IN (SELECT person_id FROM person_phones WHERE contains(phone, $phone))")
        else:
            unsupported.append("phone numbers")
    if query.vehicle:
        if snap.has("person_vehicles", "person_id", "vrm"):
            conditions.append("m.person_id IN (SELECT person_id FROM person_vehicles WHERE contains(vrm, $vehicle))")
        else:
            unsupported.append("vehicle registrations")
    if not conditions and not query.name:
        return SearchResult([], unsupported)
    named = {
        "name": " ".join(query.name.lower().split()),
        "dob": query.date_of_birth,
        "postcode": _squash(query.postcode),
        "phone": phone_key(query.phone),
        "vehicle": _squash(query.vehicle),
    }
    # DuckDB refuses named parameters the statement does not use, so pass only those it does.
    text = " ".join(conditions) + names_cte
    used = {k: v for k, v in named.items() if f"${k}" in text}
    sql = f"""
        WITH {names_cte}
        hits AS (
            SELECT m.person_id, max({score}) AS score, string_agg(DISTINCT m.postcode, ', ') AS postcodes
            FROM {source} WHERE {" AND ".join(conditions) or "true"} GROUP BY m.person_id
            ORDER BY score DESC, m.person_id LIMIT {LIMIT}
        ),
        al AS (SELECT person_id, count(*) AS n, string_agg(DISTINCT category, ', ') AS cats
               FROM alerts WHERE person_id IN (SELECT person_id FROM hits) GROUP BY person_id),
        mi AS (SELECT person_id, count(*) AS n FROM missing_episodes
               WHERE person_id IN (SELECT person_id FROM hits) GROUP BY person_id)
        SELECT h.person_id, p.display_name, p.date_of_birth, p.is_child, coalesce(h.postcodes, ''), h.score,
               coalesce(al.n, 0), coalesce(al.cats, ''), coalesce(mi.n, 0)
        FROM hits h JOIN persons p USING (person_id) LEFT JOIN al USING (person_id) LEFT JOIN mi USING (person_id)
        ORDER BY h.score DESC, coalesce(al.n, 0) DESC, p.display_name
    """
    cursor = snap.con.cursor()
    try:
        rows = list(cursor.execute(sql, used).fetchall())
    finally:
        cursor.close()
    hits = [Hit(*r) for r in rows]
    if hits and (used.get("phone") or used.get("vehicle")):
        hits = _with_matches(snap, hits, used)
    return SearchResult(hits, unsupported)


def _with_matches(snap: Snapshot, hits: list[Hit], used: Mapping[str, object]) -> list[Hit]:
    """Say which phone numbers and vehicles matched, for each hit."""
    ids = [h.person_id for h in hits]
    found: dict[str, list[str]] = {}
    if used.get("phone"):
        for person_id, phone in snap.rows(
            "SELECT DISTINCT person_id, phone FROM person_phones WHERE person_id IN (SELECT unnest($ids))"
            " AND contains(phone, $phone) ORDER BY phone",
            {"ids": ids, "phone": used["phone"]},
        ):
            found.setdefault(person_id, []).append(f"phone {phone}")
    if used.get("vehicle"):
        for person_id, vrm, seen in snap.rows(
            "SELECT person_id, vrm, count(DISTINCT record_ref) FROM person_vehicles"
            " WHERE person_id IN (SELECT unnest($ids)) AND contains(vrm, $vehicle) GROUP BY ALL ORDER BY vrm",
            {"ids": ids, "vehicle": used["vehicle"]},
        ):
            found.setdefault(person_id, []).append(f"vehicle {vrm} ({seen} record{'s' if seen != 1 else ''})")
    return [replace(h, matched="; ".join(found.get(h.person_id, []))) for h in hits]
