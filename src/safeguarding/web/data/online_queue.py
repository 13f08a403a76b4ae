"""The online referrals queue: the force's referrals (snapshot ``board_online``) merged with what was done on
the portal (KIRAT-style gradings and outcomes in the app database), sorted by the action deadline.

A portal grading replaces the priority and deadline; a grading lower than the one before it is flagged; an
outcome's action time decides whether the deadline was met. Statuses are worked out now, so an action that
falls due after the snapshot was built shows as overdue.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from safeguarding.web.data.reader import Snapshot
from safeguarding.workflow.online import Grading, Outcome

COLUMNS = (
    "referral_ref", "person_id", "referrer", "received_at", "priority", "deadline_at", "recorded_priority",
    "graded_down", "enforcement_at", "officer",
)  # fmt: skip


def referral(snap: Snapshot, referral_ref: str) -> dict[str, Any] | None:
    """One referral of the force's data with its answers (for the questionnaire), or None."""
    if not snap.has("board_online"):
        return None
    cursor = snap.con.cursor()
    try:
        result = cursor.execute("SELECT * FROM board_online WHERE referral_ref = ?", [referral_ref])
        names = [d[0] for d in result.description]
        found = result.fetchall()
        return dict(zip(names, found[0], strict=True)) if found else None
    finally:
        cursor.close()


def rows(snap: Snapshot, gradings: list[Grading], outcomes: dict[str, Outcome], now: datetime) -> list[dict[str, Any]]:
    """Every referral (force data and portal), each with priority, deadline, status and source."""
    merged: dict[str, dict[str, Any]] = {}
    if snap.has("board_online"):
        for values in snap.rows(f"SELECT {', '.join(COLUMNS)} FROM board_online"):
            row = dict(zip(COLUMNS, values, strict=True))
            row["source"] = "force data"
            merged[row["referral_ref"]] = row
    for g in gradings:  # oldest first: the newest portal grading wins
        row = merged.setdefault(
            g.referral_ref,
            {"referral_ref": g.referral_ref, "person_id": None, "recorded_priority": None, "enforcement_at": None,
             "officer": None, "graded_down": False},
        )  # fmt: skip
        earlier = row.get("priority")
        row.update(
            referrer=row.get("referrer") or g.referrer, received_at=row.get("received_at") or g.received_at,
            priority=g.priority, deadline_at=g.deadline_at, source=f"portal ({g.graded_by})",
        )  # fmt: skip
        row["graded_down"] = (
            bool(row.get("graded_down"))
            or g.graded_down
            or (earlier is not None and _rank(g.priority) < _rank(earlier))
        )
    for ref, outcome in outcomes.items():
        if ref in merged:
            merged[ref]["enforcement_at"] = outcome.actioned_at
            merged[ref]["outcome"] = outcome.outcome
    for row in merged.values():
        done, deadline = row.get("enforcement_at"), row.get("deadline_at")
        if done is not None:
            row["status"] = "actioned_in_time" if deadline is None or done <= deadline else "actioned_late"
        else:
            row["status"] = "overdue" if deadline is not None and now > deadline else "open"
    return sorted(merged.values(), key=lambda r: (r["status"].startswith("actioned"), r["deadline_at"] or now))


def _rank(priority: str) -> int:
    from safeguarding.policy.levels import priority_rank

    return priority_rank(priority)
