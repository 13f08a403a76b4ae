"""The retention schedule in force (retention.yaml, or the force's own file) and what it says of a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

# The record types that are reviewed, each with the field giving its date and its seriousness (the
# grading a schedule rule can match), from the data contract. Assessments and visits of a registered
# offender go with the registration; persons and places are reviewed through the records they are on.
REVIEWED: dict[str, tuple[str, str, str]] = {
    # record type: (date expression, seriousness field, outcome field)
    "crimes": ("coalesce(committed_at, recorded_at)", "offence_group", "outcome"),
    "incidents": ("coalesce(occurred_at, reported_at)", "category", "NULL"),
    "missing_episodes": ("reported_at", "risk_grade", "NULL"),
    "custody_detentions": ("arrived_at", "NULL", "NULL"),
    "ppns": ("coalesce(incident_at, submitted_at)", "grade", "NULL"),
    "intelligence_logs": ("recorded_at", "intelligence_assessment", "NULL"),
    "online_referrals": ("received_at", "recorded_priority", "NULL"),
    "offenders": ("registered_on", "status", "NULL"),
}


class ScheduleError(ValueError):
    """The retention schedule file is missing something or holds a value of the wrong kind."""


@dataclass(frozen=True)
class Group:
    id: str
    title: str
    review_after_years: int
    keep_until_subject_age: int | None = None


@dataclass(frozen=True)
class Rule:
    group: str
    record_types: frozenset[str] | None = None
    seriousness: frozenset[str] | None = None
    outcomes: frozenset[str] | None = None
    child: bool | None = None

    def matches(self, record_type: str, seriousness: str | None, outcome: str | None, child: bool) -> bool:
        return (
            (self.record_types is None or record_type in self.record_types)
            and (self.seriousness is None or seriousness in self.seriousness)
            and (self.outcomes is None or outcome in self.outcomes)
            and (self.child is None or self.child == child)
        )


@dataclass(frozen=True)
class Schedule:
    source: str
    groups: dict[str, Group]
    rules: tuple[Rule, ...]
    child_review_not_before_age: int | None

    def group_for(self, record_type: str, seriousness: str | None, outcome: str | None, child: bool) -> Group:
        for rule in self.rules:
            if rule.matches(record_type, seriousness, outcome, child):
                return self.groups[rule.group]
        raise ScheduleError(f"{self.source}: no rule matches a {record_type} record (end the rules with a default)")


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a year that has none."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScheduleError(f"{where}: expected a whole number of years, got {value!r}")
    return value


def _names(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ScheduleError(f"{where}: expected a list of names, got {value!r}")
    return frozenset(str(v) for v in value)


def parse(data: Any, source: str) -> Schedule:
    """A schedule from its YAML data; errors name the file and the key."""
    if not isinstance(data, dict):
        raise ScheduleError(f"{source}: expected a mapping with 'groups' and 'rules'")
    groups_in = data.get("groups")
    if not isinstance(groups_in, dict) or not groups_in:
        raise ScheduleError(f"{source}: 'groups' must map group ids to their title and review_after_years")
    groups: dict[str, Group] = {}
    for gid, body in groups_in.items():
        where = f"{source}: groups.{gid}"
        if not isinstance(body, dict) or not isinstance(body.get("title"), str):
            raise ScheduleError(f"{where}: needs a 'title' and 'review_after_years'")
        keep = body.get("keep_until_subject_age")
        groups[str(gid)] = Group(
            str(gid), body["title"], _positive_int(body.get("review_after_years"), f"{where}.review_after_years"),
            None if keep is None else _positive_int(keep, f"{where}.keep_until_subject_age"),
        )  # fmt: skip
    rules_in = data.get("rules")
    if not isinstance(rules_in, list) or not rules_in:
        raise ScheduleError(f"{source}: 'rules' must be a list (first match wins; end with a default)")
    rules: list[Rule] = []
    for i, body in enumerate(rules_in):
        where = f"{source}: rules[{i}]"
        if not isinstance(body, dict) or body.get("group") not in groups:
            raise ScheduleError(f"{where}: 'group' must be one of {', '.join(groups)}")
        unknown = set(body) - {"group", "record_types", "seriousness", "outcomes", "child"}
        if unknown:
            raise ScheduleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        types = _names(body.get("record_types"), f"{where}.record_types")
        if types is not None and not types <= set(REVIEWED):
            bad = ", ".join(sorted(types - set(REVIEWED)))
            raise ScheduleError(f"{where}.record_types: {bad} is not reviewed (reviewed: {', '.join(REVIEWED)})")
        child = body.get("child")
        if child is not None and not isinstance(child, bool):
            raise ScheduleError(f"{where}.child: expected true or false, got {child!r}")
        rules.append(Rule(str(body["group"]), types, _names(body.get("seriousness"), f"{where}.seriousness"),
                          _names(body.get("outcomes"), f"{where}.outcomes"), child))  # fmt: skip
    child_records = data.get("child_records") or {}
    age = child_records.get("review_not_before_age") if isinstance(child_records, dict) else None
    child_age = None if age is None else _positive_int(age, f"{source}: child_records.review_not_before_age")
    schedule = Schedule(source, groups, tuple(rules), child_age)
    last = rules[-1]
    if (last.record_types, last.seriousness, last.outcomes, last.child) != (None, None, None, None):
        raise ScheduleError(f"{source}: rules[{len(rules) - 1}]: the last rule must be a default (a group only)")
    return schedule


_schedule_file: Path | None = None


def use_schedule_file(path: str | Path | None) -> None:
    """Make ``load_schedule`` read ``path`` instead of the package's default ("" or None: the default).
    The file is read at once, so a malformed one stops start-up with a message naming the file and key."""
    global _schedule_file
    before, _schedule_file = _schedule_file, Path(path) if path else None
    load_schedule.cache_clear()
    try:
        load_schedule()
    except ScheduleError:
        _schedule_file = before
        load_schedule.cache_clear()
        raise


@cache
def load_schedule() -> Schedule:
    """The schedule in force."""
    if _schedule_file is None:
        text = resources.files("safeguarding.records").joinpath("retention.yaml").read_text(encoding="utf-8")
        return parse(yaml.safe_load(text), "retention.yaml (default)")
    name = str(_schedule_file)
    try:
        text = _schedule_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"{name}: cannot read the retention schedule ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScheduleError(f"{name}: not valid YAML ({exc})") from None
    return parse(data, name)
