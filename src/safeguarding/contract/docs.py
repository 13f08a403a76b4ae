"""Render docs/data-contract.md from the record types (a test keeps the file current)."""

from __future__ import annotations

from safeguarding.contract.records import RECORD_TYPES

HEADER = """# Data contract

Generated from `src/safeguarding/contract/records.py` by `safeguarding contract docs`; do not edit by hand.

Every export file is named `<record type>-<anything>.<ext>` (for example `missing_episodes-2024-03.csv`)
and holds one record type. CSV files have a header row. Values `""`, `null`, `n/a` load as empty.
Dates are `YYYY-MM-DD` (or `DD/MM/YYYY`, normalised to ISO at ingest); timestamps are ISO 8601 with
their UTC offset (`2024-03-01T18:30:00+00:00`). A row that breaks a rule is quarantined with the file,
line, field and reason; the rest of the file loads.
"""


def render_markdown() -> str:
    """The whole contract as Markdown."""
    parts = [HEADER]
    for rt in RECORD_TYPES.values():
        parts.append(f"\n## `{rt.name}`\n\n{rt.description}\n\nKey: {', '.join(f'`{k}`' for k in rt.key)}\n")
        parts.append("\n| field | type | required | allowed codes | description |\n|---|---|---|---|---|\n")
        for f in rt.fields:
            codes = ", ".join(f"`{c}`" for c in f.codes)
            parts.append(f"| `{f.name}` | {f.type} | {'yes' if f.required else ''} | {codes} | {f.description} |\n")
        if rt.checks:
            parts.append("\nChecks between fields (each applies when both values are present):\n\n")
            for c in rt.checks:
                parts.append(f"- `{c.id}` on `{c.field}`: {c.message} is refused (`{c.condition}` must hold).\n")
    return "".join(parts)
