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
_TIMESTAMP_FORMATS = (
    "['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M%z', "
    "'%Y-%m-%d %H:%M:%S%z', '%Y-%m-%d %H:%M:%S.%f%z', '%Y-%m-%d %H:%M%z']"
)
_EXPECTED = {
    "date": "a date (YYYY-MM-DD or DD/MM/YYYY)",
    "timestamp": "an ISO 8601 timestamp with a UTC offset",
    "integer": "a whole number",
    "decimal": "a number",
    "boolean": "true or false",
}


# What trimming removes from either end of a value: Unicode white space (the non-breaking space that word
# processors and web forms leave behind among them), zero-width spaces and byte-order marks. One set for
# every reader, so that a value's meaning cannot depend on which parser read it.
WHITESPACE = (
    " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u200b\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def clean_text(column: str) -> str:
    """SQL for a raw text value as every rule sees it: trimmed of WHITESPACE at both ends, and NULL when
    nothing, or only a null token ("n/a", "NULL", ...), is left. The only normalisation at ingest; the
    readers pass values through untouched."""
    tokens = ", ".join(_quote(t) for t in NULL_TOKENS)
    ws = _quote(WHITESPACE)
    # Trimming copies the string, so only values that start or end with white space are trimmed.
    padded = f"contains({ws}, left({column}, 1)) OR contains({ws}, right({column}, 1))"
    trimmed = f"trim({column}, {ws})"
    return (
        f"CASE WHEN {column} IN ({tokens}) THEN NULL "
        f"WHEN {padded} THEN CASE WHEN {trimmed} IN ({tokens}) THEN NULL ELSE {trimmed} END "
        f"ELSE {column} END"
    )


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

    def cleaned(self, column: str) -> str:
        """SQL for the raw text in ``column`` made clean: see ``clean_text``."""
        return clean_text(column)

    def typed(self, text: str) -> str:
        """SQL giving the typed, normalised value of the cleaned text ``text`` (NULL when invalid)."""
        if self.type == "date":
            # ISO first; UK exports also write day/month/year. Both normalise to ISO.
            return f"CAST(TRY_STRPTIME({text}, ['%Y-%m-%d', '%d/%m/%Y']) AS DATE)"
        if self.type == "timestamp":
            # ISO 8601 with an explicit UTC offset, as DOMAIN.md requires of every timestamp.
            zulu = f"CASE WHEN suffix({text}, 'Z') THEN left({text}, -1) || '+00:00' ELSE {text} END"
            return f"TRY_STRPTIME({zulu}, {_TIMESTAMP_FORMATS})"
        if self.type == "integer":
            return f"TRY_CAST({text} AS BIGINT)"
        if self.type == "decimal":
            return f"TRY_CAST({text} AS DOUBLE)"
        if self.type == "boolean":
            trues = ", ".join(_quote(t) for t in _TRUE)
            falses = ", ".join(_quote(t) for t in _FALSE)
            return f"CASE WHEN lower({text}) IN ({trues}) THEN TRUE WHEN lower({text}) IN ({falses}) THEN FALSE END"
        return text

    def problem(self, text: str, value: str) -> str:
        """SQL giving why the value is unusable, or NULL when it is fine. ``text`` is the cleaned raw
        text and ``value`` the typed value (columns or expressions)."""
        checks: list[str] = []
        if self.required:
            checks.append(f"WHEN {text} IS NULL THEN 'required value is missing'")
        if self.type == "code" and self.codes:
            allowed = ", ".join(_quote(c) for c in self.codes)
            listed = ", ".join(self.codes)
            checks.append(f"WHEN {text} NOT IN ({allowed}) THEN 'not an allowed code (allowed: {listed})'")
        elif self.type not in ("string", "code"):
            checks.append(f"WHEN {text} IS NOT NULL AND {value} IS NULL THEN 'not {_EXPECTED[self.type]}'")
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
