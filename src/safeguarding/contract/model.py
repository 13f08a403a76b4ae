"""The shape of the data contract: fields, cross-field checks and record types.

Each field knows how to validate and normalise itself as a DuckDB SQL expression over the raw text
column, so a whole file is checked in one set-based pass rather than row by row in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["string", "integer", "decimal", "date", "timestamp", "boolean", "code"]

# Values that mean "nothing recorded" in force exports; they load as NULL.
NULL_TOKENS = ("", "null", "NULL", "n/a", "N/A")

# Duck types of the normalised columns.
SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "code": "VARCHAR",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "boolean": "BOOLEAN",
}

_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
# ISO 8601 with an explicit UTC offset, as DOMAIN.md requires of every timestamp.
_TIMESTAMP_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Field:
    """One column of a record type."""

    name: str
    type: FieldType
    description: str
    required: bool = False
    codes: tuple[str, ...] = ()
    personal: bool = False  # personal data: never written to logs

    def raw(self) -> str:
        """The raw text of this field with null tokens turned into NULL."""
        tokens = ", ".join(_quote(t) for t in NULL_TOKENS)
        return f"CASE WHEN trim({ident(self.name)}) IN ({tokens}) THEN NULL ELSE trim({ident(self.name)}) END"

    def normalised(self) -> str:
        """SQL giving the typed, normalised value (NULL when absent or invalid)."""
        raw = self.raw()
        if self.type == "date":
            # ISO first; UK exports also write day/month/year. Both normalise to ISO.
            return f"COALESCE(TRY_STRPTIME({raw}, '%Y-%m-%d'), TRY_STRPTIME({raw}, '%d/%m/%Y'))::DATE"
        if self.type == "timestamp":
            return f"CASE WHEN regexp_full_match({raw}, '{_TIMESTAMP_RE}') THEN TRY_CAST({raw} AS TIMESTAMPTZ) END"
        if self.type == "integer":
            return f"TRY_CAST({raw} AS BIGINT)"
        if self.type == "decimal":
            return f"TRY_CAST({raw} AS DOUBLE)"
        if self.type == "boolean":
            trues = ", ".join(_quote(t) for t in _TRUE)
            falses = ", ".join(_quote(t) for t in _FALSE)
            return f"CASE WHEN lower({raw}) IN ({trues}) THEN TRUE WHEN lower({raw}) IN ({falses}) THEN FALSE END"
        return raw

    def problem(self) -> str:
        """SQL giving a reason the raw value is unusable, or NULL when it is fine."""
        raw = self.raw()
        checks: list[str] = []
        if self.required:
            checks.append(f"WHEN {raw} IS NULL THEN 'required value is missing'")
        if self.type == "code" and self.codes:
            allowed = ", ".join(_quote(c) for c in self.codes)
            checks.append(
                f"WHEN {raw} IS NOT NULL AND {raw} NOT IN ({allowed}) "
                f"THEN 'not an allowed code (allowed: {', '.join(self.codes)})'"
            )
        elif self.type != "string" and self.type != "code":
            expected = {
                "date": "a date (YYYY-MM-DD or DD/MM/YYYY)",
                "timestamp": "an ISO 8601 timestamp with a UTC offset",
                "integer": "a whole number",
                "decimal": "a number",
                "boolean": "true or false",
            }[self.type]
            checks.append(f"WHEN {raw} IS NOT NULL AND ({self.normalised()}) IS NULL THEN 'not {expected}'")
        if not checks:
            return "NULL"
        return "CASE " + " ".join(checks) + " END"


@dataclass(frozen=True)
class Check:
    """A rule between fields. ``condition`` is SQL over normalised columns that must not be false."""

    id: str
    field: str  # the field the failure is reported against
    condition: str
    message: str


@dataclass(frozen=True)
class RecordType:
    """One kind of record a force exports, e.g. ``missing_episodes``."""

    name: str
    description: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    checks: tuple[Check, ...] = field(default=())

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)
