"""The review queue: records whose review date has come, at the data's moment (not the machine's clock).

A record's review date is the schedule's (the snapshot's record_reviews) until a reviewer retains it,
when the decision's next review date takes over. A record with a disposal decided and not yet
carried out leaves the queue for the list of disposals waiting for the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from safeguarding.workflow.record_reviews import Due, RecordReviewDecision

_COLUMNS = (
    "record_type", "source_system", "record_ref", "record_date", "seriousness", "outcome", "group_id", "group_title",
    "child_involved", "review_on", "earliest_disposal", "disposal_note", "person_ids",
)  # fmt: skip


@dataclass
class Item:
    record_type: str
    source_system: str
    record_ref: str
    record_date: date | None
    seriousness: str | None
    outcome: str | None
    group_id: str
    group_title: str
    child_involved: bool
    scheduled_review_on: date
    earliest_disposal: date | None
    disposal_note: str
    person_ids: list[str]
    review_on: date  # in force: the last retain decision's next date, else the schedule's
    last: RecordReviewDecision | None = None

    @property
    def key(self) -> str:
        return f"{self.record_type}:{self.source_system}:{self.record_ref}"

    @property
    def can_dispose(self) -> bool:
        return self.earliest_disposal is not None

    def due(self) -> Due:
        return Due(self.record_type, self.source_system, self.record_ref, self.group_id, self.earliest_disposal,
                   self.disposal_note)  # fmt: skip


def _item(row: tuple[Any, ...], decisions: dict[str, RecordReviewDecision]) -> Item:
    r = dict(zip(_COLUMNS, row, strict=True))
    item = Item(
        r["record_type"], r["source_system"], r["record_ref"], r["record_date"], r["seriousness"], r["outcome"],
        r["group_id"], r["group_title"], bool(r["child_involved"]), r["review_on"], r["earliest_disposal"],
        r["disposal_note"] or "", [p for p in (r["person_ids"] or "").split(",") if p], r["review_on"],
    )  # fmt: skip
    item.last = decisions.get(item.key)
    if item.last is not None and item.last.decision == "retain" and item.last.next_review_on is not None:
        item.review_on = item.last.next_review_on
    return item


def _fetch(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[tuple[Any, ...]]:
    cursor = con.cursor()
    try:
        return list(
            cursor.execute(f"SELECT {', '.join(_COLUMNS)} FROM record_reviews WHERE {where}", params).fetchall()
        )
    finally:
        cursor.close()


@dataclass
class Queue:
    moment: date
    due: list[Item]
    pending_disposal: list[Item]
    total_due: int


def build(
    con: duckdb.DuckDBPyConnection,
    decisions: dict[str, RecordReviewDecision],
    moment: date,
    *,
    group: str | None = None,
    child_only: bool = False,
    limit: int = 200,
) -> Queue:
    """Records due for review at ``moment`` (oldest review date first, at most ``limit``), and disposals waiting."""
    decided = sorted(decisions)
    key = "record_type || ':' || source_system || ':' || record_ref"
    rows = _fetch(con, f"review_on <= ? OR {key} IN (SELECT unnest(?))", [moment, decided])
    items = [_item(row, decisions) for row in rows]
    pending = [
        i for i in items if i.last is not None and i.last.decision == "dispose" and i.last.carried_out_at is None
    ]
    due = [
        i for i in items
        if i.review_on <= moment and not (i.last is not None and i.last.decision == "dispose")
        and (group is None or i.group_id == group) and (not child_only or i.child_involved)
    ]  # fmt: skip
    due.sort(key=lambda i: (i.review_on, i.record_type, i.record_ref))
    return Queue(moment, due[:limit], pending, len(due))


def find(con: duckdb.DuckDBPyConnection, record_type: str, source_system: str, record_ref: str,
         decisions: dict[str, RecordReviewDecision]) -> Item | None:  # fmt: skip
    """One record's review row, or None if the snapshot does not hold it (erased, or never reviewed)."""
    rows = _fetch(
        con, "record_type = ? AND source_system = ? AND record_ref = ?", [record_type, source_system, record_ref]
    )
    return _item(rows[0], decisions) if rows else None
