"""Loading and checking the rule files in assess/rules/.

A rule file is YAML: its identity (id, version), what it means (title, category, description), what it
reads, its numbers (window_days, threshold, weight, severity) and its SQL. Any other key is a parameter
that the SQL uses as ``{name}``. A parameter written ``policy:<section>.<key>`` is read from the policy
package (policy/service_levels.yaml), so a number the boards also use is defined once. docs/rules.md is
generated from these files (``catalogue_markdown``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from safeguarding import policy

CATEGORIES = (
    "sexual_exploitation", "criminal_exploitation", "missing", "domestic_abuse", "online",
    "sex_offender_contact", "custody", "place",
)  # fmt: skip
# high: gaining the indicator raises an alert by itself; standard: adds its weight to the category score;
# supervisor: shown to supervisors (e.g. victim-blaming language), never counted as risk.
SEVERITIES = ("high", "standard", "supervisor")
REQUIRED = (
    "id", "version", "title", "category", "description", "reads", "window_days", "threshold", "weight",
    "severity", "sql",
)  # fmt: skip
# Keys that are not parameters of the SQL template (window_days and threshold are both).
META_KEYS = {k for k in REQUIRED if k not in ("window_days", "threshold")}


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
    severity: str
    sql_template: str
    params: dict[str, Any]
    source: str

    @property
    def sql(self) -> str:
        return self.sql_template.format(**self.params)

    @property
    def counts_as_risk(self) -> bool:
        return self.severity != "supervisor"


def parse_rule(text: str, source: str) -> Rule:
    """One rule from the text of its file; ``source`` names the file in error messages."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise RuleError(f"{source}: a rule file must be a mapping")
    for key in REQUIRED:
        if key not in data:
            raise RuleError(f"{source}: missing key {key!r}")
    if data["category"] not in CATEGORIES:
        raise RuleError(f"{source}: category {data['category']!r} is not one of {', '.join(CATEGORIES)}")
    if data["severity"] not in SEVERITIES:
        raise RuleError(f"{source}: severity {data['severity']!r} is not one of {', '.join(SEVERITIES)}")
    try:
        params = {k: policy.resolve(v) for k, v in data.items() if k not in META_KEYS}
    except KeyError as exc:
        raise RuleError(f"{source}: {exc.args[0]}") from None
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
        severity=str(data["severity"]),
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
        if entry.name.endswith(".yaml") and not entry.name.startswith("_")
    ]
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuleError(f"duplicate rule ids: {', '.join(sorted(duplicates))}")
    return sorted(rules, key=lambda r: r.id)


def catalogue_markdown(rules: list[Rule]) -> str:
    """docs/rules.md: every rule with its numbers, grouped by category."""
    lines = [
        "# Rule catalogue",
        "",
        "Generated from `src/safeguarding/assess/rules/*.yaml` by `safeguarding assess rules-doc`; do not edit by"
        " hand (a test keeps it current).",
        "",
        "Each rule is evaluated as SQL over the resolved records and fires once per child and occasion, naming the",
        "records that prove it. A *high* rule raises an alert by itself; a *standard* rule adds its weight (decayed",
        "over time) to the child's score in its category; a *supervisor* rule is shown to supervisors and never",
        "counted as risk. Scoring and alert thresholds are in `assess/rules/_scoring.yaml`; the phrase lists in",
        "`assess/rules/_phrases.yaml`.",
        "",
    ]
    for category in CATEGORIES:
        in_cat = [r for r in rules if r.category == category]
        if not in_cat:
            continue
        lines += [f"## {category.replace('_', ' ').capitalize()}", ""]
        for r in in_cat:
            window = f"{r.params['window_days']} days" if r.params["window_days"] else "—"
            lines += [
                f"### `{r.id}` (version {r.version}): {r.title}",
                "",
                r.description,
                "",
                f"- reads: {', '.join(f'`{x}`' for x in r.reads)}",
                f"- window: {window}; threshold: {r.params['threshold']}; weight: {r.weight:g}; severity: {r.severity}",
                "",
            ]
    return "\n".join(lines)
