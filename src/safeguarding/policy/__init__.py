"""The force's policy, defined once: service levels and the thresholds that rules and boards share.

A leaf package (configuration files plus their loader; it imports nothing from assess, web or workflow),
read by the rules (a rule parameter written ``policy:<section>.<key>``), the clocks, the boards and the
workflow alike, so a number such as the green-PPN escalation window or the repeat-missing definition
exists in one place. ``service_levels.yaml`` holds the defaults; a force's own file (the
``service_levels_file`` setting) overrides them (``levels.use_levels_file``).
"""

from __future__ import annotations

import re
from typing import Any

from safeguarding.policy.levels import ServiceLevelError, load_levels, use_levels_file

PREFIX = "policy:"


def value(path: str) -> Any:
    """The policy value at ``<section>.<key>`` (e.g. ``ppn.green_escalation_days``); KeyError names the path."""
    node: Any = load_levels()
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"the policy has no {path!r} (service_levels.yaml)")
        node = node[part]
    return node


def resolve(raw: Any) -> Any:
    """A rule parameter: ``policy:<path>`` becomes that policy value; anything else is returned as it is."""
    if isinstance(raw, str) and raw.startswith(PREFIX):
        return value(raw[len(PREFIX) :].strip())
    return raw


_PLACEHOLDER = re.compile(r"\{policy:([a-z0-9_.]+)\}")


def text(template: str) -> str:
    """``template`` with each ``{policy:<path>}`` replaced by the value in force, read now (not at import), so
    a title says "48 hours" when the force's setting is 48."""
    return _PLACEHOLDER.sub(lambda m: str(value(m.group(1))), template)


__all__ = ["PREFIX", "ServiceLevelError", "load_levels", "resolve", "text", "use_levels_file", "value"]
