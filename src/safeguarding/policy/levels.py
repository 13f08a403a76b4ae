"""The service levels in force (service_levels.yaml) and the KIRAT-style decision table built from them.

The decision table is written once, as data, and read two ways: ``grade`` for a questionnaire filled in
on the portal, and ``priority_sql`` for the referrals in the lake, so both give the same priority.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

PRIORITIES = ("low", "medium", "high", "very_high")
PRIORITY_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "very_high": "Very high"}


class ServiceLevelError(ValueError):
    """The service-level file is missing something or holds a value of the wrong kind."""


SECTIONS = ("missing", "custody", "ppn", "online", "offenders")

# The force's own service-level file (the ``service_levels_file`` setting), set once at start-up by
# ``use_levels_file``; None means the package's defaults as shipped.
_levels_file: Path | None = None


def use_levels_file(path: str | Path | None) -> None:
    """Make ``load_levels`` read ``path`` over the package's defaults ("" or None: the defaults only).

    The file is read at once, so a malformed one stops start-up with a message naming the file and key.
    """
    global _levels_file
    before, _levels_file = _levels_file, Path(path) if path else None
    load_levels.cache_clear()
    try:
        load_levels()
    except ServiceLevelError:
        _levels_file = before  # the levels in force stay as they were
        raise


def _defaults() -> dict[str, Any]:
    text = resources.files("safeguarding.policy").joinpath("service_levels.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


_KINDS = {int: "number", float: "number", bool: "true or false", str: "text", dict: "mapping", list: "list"}


def _same_kind(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float)
    if isinstance(default, dict):
        return isinstance(value, dict)
    if isinstance(default, list):
        return isinstance(value, list)
    return isinstance(value, type(default))


def _override(data: dict[str, Any], path: Path) -> dict[str, Any]:
    """``data`` with each key the force's file gives replacing the package's value for that key."""
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ServiceLevelError(f"{name}: cannot read the service-level file ({exc.strerror})") from None
    try:
        given = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ServiceLevelError(f"{name}: not valid YAML ({exc})") from None
    if given is None:
        return data
    if not isinstance(given, dict):
        raise ServiceLevelError(f"{name}: expected sections such as missing: and ppn:, not a {type(given).__name__}")
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for section, values in given.items():
        if section in ("version", "time_zone"):
            if values != data.get(section):
                raise ServiceLevelError(f"{name}: {section} must be {data.get(section)!r}, not {values!r}")
            continue
        if section not in SECTIONS:
            raise ServiceLevelError(f"{name}: unknown section {section!r} (known: {', '.join(SECTIONS)})")
        if not isinstance(values, dict):
            raise ServiceLevelError(f"{name}: {section} must be a mapping of settings")
        for key, value in values.items():
            if key not in data[section]:
                raise ServiceLevelError(f"{name}: unknown key {section}.{key}")
            if not _same_kind(data[section][key], value):
                kind = _KINDS.get(type(data[section][key]), "value of the same kind as the default")
                raise ServiceLevelError(f"{name}: {section}.{key} must be a {kind}, not {value!r}")
            merged[section][key] = value
    return merged


@cache
def load_levels() -> dict[str, Any]:
    """The service levels in force: the package's service_levels.yaml, overridden key by key by the
    force's file when the ``service_levels_file`` setting names one (a dict of the YAML sections)."""
    data = _defaults()
    name = "service_levels.yaml"
    if _levels_file is not None:
        data, name = _override(data, _levels_file), str(_levels_file)
    for section in SECTIONS:
        if not isinstance(data.get(section), dict):
            raise ServiceLevelError(f"{name}: section {section!r} is missing")
    try:
        check_decision_table(data["online"])
    except ServiceLevelError as exc:
        raise ServiceLevelError(str(exc).replace("service_levels.yaml", name, 1)) from None
    return data


def check_decision_table(online: Mapping[str, Any]) -> None:
    """Refuse a decision table that names an unknown answer, priority or group."""
    groups = online.get("groups", {})
    table = online.get("decision_table")
    if not isinstance(table, list) or not table:
        raise ServiceLevelError("service_levels.yaml: online.decision_table must be a non-empty list")
    if not isinstance(groups, dict) or not all(isinstance(g, list) for g in groups.values()):
        raise ServiceLevelError("service_levels.yaml: online.groups must map each group to a list of answers")
    for n, row in enumerate(table, start=1):
        if not isinstance(row, dict):
            raise ServiceLevelError(f"service_levels.yaml: online.decision_table row {n}: not a mapping")
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
