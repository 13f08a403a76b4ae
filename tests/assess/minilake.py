"""A tiny in-memory lake for rule tests: every record type's table, empty, and helpers to add rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from safeguarding.assess.assessment import assess_children
from safeguarding.contract.model import SQL_TYPES, ident
from safeguarding.contract.records import RECORD_TYPES

T0 = datetime(2024, 1, 1, 12, tzinfo=UTC)
CHILD_DOB = date(2010, 5, 1)
ADULT_DOB = date(1980, 5, 1)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


class MiniLake:
    """Rows added by record type; ``person`` makes a mention (system 'niche') that resolves to itself."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        for rt in RECORD_TYPES.values():
            cols = ", ".join(f"{ident(f.name)} {SQL_TYPES[f.type]}" for f in rt.fields)
            self.con.execute(f"CREATE TABLE {rt.name} ({cols}, _load_id VARCHAR, _line BIGINT)")
        self.people: list[dict[str, Any]] = []

    def add(self, table: str, /, **values: Any) -> None:
        values.setdefault("source_system", "niche")
        names = ", ".join(ident(k) for k in values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(values.values()))

    def person(self, ref: str, dob: date | None = CHILD_DOB, **values: Any) -> str:
        self.add("persons", person_ref=ref, surname="Test", forenames=ref, date_of_birth=dob, **values)
        self.people.append({"source_system": "niche", "person_ref": ref, "person_id": f"P-{ref}", "dob": dob})
        return f"P-{ref}"

    def on(self, record_type: str, record_ref: str, person_ref: str, role: str) -> None:
        self.add("record_persons", record_type=record_type, record_ref=record_ref, person_ref=person_ref, role=role)

    def missing(self, ref: str, person: str, at: datetime, **values: Any) -> None:
        self.add("missing_episodes", episode_ref=ref, person_ref=person, reported_at=at, **values)
        self.on("missing_episodes", ref, person, "missing_person")

    def mentions(self) -> pa.Table:
        return pa.table(
            {
                "source_system": [p["source_system"] for p in self.people],
                "person_ref": [p["person_ref"] for p in self.people],
                "person_id": [p["person_id"] for p in self.people],
                "forenames": [p["person_ref"] for p in self.people],
                "surname": ["Test"] * len(self.people),
                "sex": ["F"] * len(self.people),
                "postcode": pa.array([None] * len(self.people), pa.string()),
                "date_of_birth": pa.array([p["dob"] for p in self.people], pa.date32()),
            }
        )

    def assess(self, as_of: date | None = None) -> MiniLake:
        assess_children(self.con, self.mentions(), as_of)
        return self

    def fired(self, rule_id: str) -> set[str]:
        rows = self.con.execute("SELECT DISTINCT person_id FROM indicators WHERE rule_id = ?", [rule_id]).fetchall()
        return {str(r[0]) for r in rows}

    def evidence(self, rule_id: str) -> set[str]:
        rows = self.con.execute(
            """SELECT DISTINCT e.record_ref FROM indicators i JOIN indicator_evidence e USING (indicator_id)
               WHERE i.rule_id = ?""",
            [rule_id],
        ).fetchall()
        return {str(r[0]) for r in rows}

    def alerts(self) -> list[dict[str, Any]]:
        rel = self.con.sql("SELECT * FROM alert_staging ORDER BY subject_id, reason")
        rows: list[dict[str, Any]] = rel.to_arrow_table().to_pylist()
        return rows
