"""Loading and checking the rule files in assess/rules/."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

CATEGORIES = (
    "sexual_exploitation", "criminal_exploitation", "missing", "domestic_abuse", "online",
    "sex_offender_contact", "custody", "place",
)  # fmt: skip
REQUIRED = ("id", "version", "title", "category", "description", "reads", "weight", "sql")
# Keys that are not parameters of the SQL template.
META_KEYS = {*REQUIRED}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and key."""


@dataclass(frozen=True)
class Rule:
    id: str
    version: int
    title: str
    category: str
    description: str
    reads: tuple[str, ...]
    weight: float
    sql_template: str
    params: dict[str, Any]
    source: str

    @property
    def sql(self) -> str:
        return self.sql_template.format(**self.params)


def parse_rule(text: str, source: str) -> Rule:
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise RuleError(f"{source}: a rule file must be a mapping")
    for key in REQUIRED:
        if key not in data:
            raise RuleError(f"{source}: missing key {key!r}")
    if data["category"] not in CATEGORIES:
        raise RuleError(f"{source}: category {data['category']!r} is not one of {', '.join(CATEGORIES)}")
    params = {k: v for k, v in data.items() if k not in META_KEYS}
    for key, value in params.items():
        if not isinstance(value, int | float | str) or isinstance(value, bool):
            raise RuleError(f"{source}: parameter {key!r} must be a number or text")
    rule = Rule(
        id=str(data["id"]),
        version=int(data["version"]),
        title=str(data["title"]),
        category=str(data["category"]),
        description=" ".join(str(data["description"]).split()),
        reads=tuple(data["reads"]),
        weight=float(data["weight"]),
        sql_template=str(data["sql"]),
        params=params,
        source=source,
    )
    try:
        rule.sql  # noqa: B018 - fail now on a placeholder with no parameter
    except KeyError as exc:
        raise RuleError(f"{source}: the SQL uses {{{exc.args[0]}}} but the file sets no such parameter") from None
    return rule


def load_rules() -> list[Rule]:
    """Every rule shipped in assess/rules/, sorted by id."""
    folder = resources.files("safeguarding.assess.rules")
    rules = [
        parse_rule(entry.read_text(encoding="utf-8"), f"assess/rules/{entry.name}")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    ]
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuleError(f"duplicate rule ids: {', '.join(sorted(duplicates))}")
    return sorted(rules, key=lambda r: r.id)
