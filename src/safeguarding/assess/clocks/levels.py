"""The service levels in force (service_levels.yaml) and the KIRAT-style decision table built from them.

The decision table is written once, as data, and read two ways: ``grade`` for a questionnaire filled in
on the portal, and ``priority_sql`` for the referrals in the lake, so both give the same priority.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

PRIORITIES = ("low", "medium", "high", "very_high")
PRIORITY_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "very_high": "Very high"}


class ServiceLevelError(ValueError):
    """The service-level file is missing something or holds a value of the wrong kind."""


@cache
def load_levels() -> dict[str, Any]:
    """The service levels shipped with the package (a dict of the YAML sections)."""
    text = resources.files("safeguarding.assess.clocks").joinpath("service_levels.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    for section in ("missing", "custody", "ppn", "online", "offenders"):
        if not isinstance(data.get(section), dict):
            raise ServiceLevelError(f"service_levels.yaml: section {section!r} is missing")
    check_decision_table(data["online"])
    return data


def check_decision_table(online: Mapping[str, Any]) -> None:
    """Refuse a decision table that names an unknown answer, priority or group."""
    groups = online.get("groups", {})
    table = online.get("decision_table")
    if not isinstance(table, list) or not table:
        raise ServiceLevelError("service_levels.yaml: online.decision_table must be a non-empty list")
    for n, row in enumerate(table, start=1):
        if row.get("priority") not in PRIORITIES:
            raise ServiceLevelError(f"service_levels.yaml: online.decision_table row {n}: unknown priority")
        for item in [*row.get("all_of", []), *row.get("any_of", [])]:
            if item not in groups and item not in ANSWERS:
                raise ServiceLevelError(f"service_levels.yaml: online.decision_table row {n}: unknown answer {item!r}")
        for group in row.get("or_at_least", {}):
            if group not in groups:
                raise ServiceLevelError(f"service_levels.yaml: online.decision_table row {n}: unknown group {group!r}")
    if set(online.get("deadline_hours", {})) != set(PRIORITIES):
        raise ServiceLevelError("service_levels.yaml: online.deadline_hours needs an entry for every priority")


# The questionnaire's yes/no answers, in its four steps (DOMAIN.md; the online_referrals contract fields).
STEPS: dict[str, dict[str, str]] = {
    "Previous behaviour": {
        "previous_sexual_conviction": "Previous conviction for a sexual offence",
        "previous_contact_offence": "Previous contact sexual offence",
        "previous_sexual_allegation": "Previous sexual allegation without conviction",
        "previous_prison": "Has been in prison",
    },
    "Access to children": {
        "access_own_children": "Own children",
        "access_partner_children": "A partner's children",
        "access_friends_children": "Friends' children",
        "access_neighbours_children": "Neighbours' children",
        "access_through_work": "Through work or volunteering",
    },
    "Current facilitators": {
        "facilitator_grooming": "Grooming",
        "facilitator_incitement": "Incitement",
        "facilitator_producing_images": "Producing indecent images",
        "facilitator_sexual_communication": "Sexual communication with a child",
    },
    "Other factors": {
        "other_convictions": "Other (non-sexual) convictions",
        "other_domestic_abuse": "Domestic abuse history",
        "other_substance_misuse": "Substance misuse",
    },
}
ANSWERS = frozenset(a for step in STEPS.values() for a in step)


def _holds(item: str, answers: Mapping[str, bool], groups: Mapping[str, list[str]]) -> bool:
    if item in groups:
        return any(answers.get(a, False) for a in groups[item])
    return bool(answers.get(item, False))


def grade(answers: Mapping[str, bool], online: Mapping[str, Any] | None = None) -> str:
    """The KIRAT-style priority for yes/no answers (an answer left out counts as no)."""
    online = online or load_levels()["online"]
    groups = online["groups"]
    for row in online["decision_table"]:
        all_of = all(_holds(i, answers, groups) for i in row.get("all_of", []))
        any_items = row.get("any_of", [])
        at_least = row.get("or_at_least", {})
        any_of = not any_items and not at_least
        any_of = any_of or any(_holds(i, answers, groups) for i in any_items)
        any_of = any_of or any(sum(bool(answers.get(a)) for a in groups[g]) >= n for g, n in at_least.items())
        if all_of and any_of:
            return str(row["priority"])
    return "low"


def _sql_item(item: str, groups: Mapping[str, list[str]]) -> str:
    names = groups.get(item, [item])
    return "(" + " OR ".join(f"coalesce({a}, false)" for a in names) + ")"


def priority_sql(online: Mapping[str, Any] | None = None) -> str:
    """The decision table as one SQL CASE expression over the online_referrals answer columns."""
    online = online or load_levels()["online"]
    groups = online["groups"]
    whens = []
    for row in online["decision_table"]:
        parts = [_sql_item(i, groups) for i in row.get("all_of", [])]
        alternatives = [_sql_item(i, groups) for i in row.get("any_of", [])]
        for group, n in row.get("or_at_least", {}).items():
            count = " + ".join(f"CASE WHEN coalesce({a}, false) THEN 1 ELSE 0 END" for a in groups[group])
            alternatives.append(f"({count}) >= {int(n)}")
        if alternatives:
            parts.append("(" + " OR ".join(alternatives) + ")")
        condition = " AND ".join(parts) if parts else "true"
        whens.append(f"WHEN {condition} THEN '{row['priority']}'")
    return "CASE " + " ".join(whens) + " ELSE 'low' END"


def priority_rank(priority: str | None) -> int:
    """0 (low) to 3 (very high); -1 for none."""
    return PRIORITIES.index(priority) if priority in PRIORITIES else -1
