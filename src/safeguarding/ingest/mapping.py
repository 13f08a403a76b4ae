"""A force's own column names and codes, mapped onto the data contract by a YAML file.

Example (docs/ingest.md explains each key)::

    files:
      - match: "MISPER_*.csv"          # glob on the file name
        record_type: missing_episodes
        delimiter: ";"                  # optional; sniffed otherwise
        columns:                        # the force's column -> the contract's field
          MisperRef: episode_ref
          NominalRef: person_ref
          ReportedDateTime: reported_at
        constants:                      # fields the export does not carry
          source_system: compact
        codes:                          # the force's codes -> the contract's codes, per field
          risk_grade: {H: high, M: medium, L: low, VL: very_low}
"""

from __future__ import annotations

import fnmatch
import string
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from safeguarding.contract.records import RECORD_TYPES


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True)
class Condition:
    """Which rows of a file an entry takes: a test on one column's cleaned value."""

    column: str
    test: str  # present | absent | equals | in | not_in
    values: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column,)


@dataclass(frozen=True)
class Derivation:
    """A contract field's value made from the file's columns rather than copied from one.

    kind ``template``: ``text`` with ``{Column}`` placeholders ({{ and }} for braces); ``month``: a YYYY-MM
    column as the first moment of that month (UTC); ``split``: part ``part`` (from 1) of ``column`` split
    on ``separator``; ``generated``: ``column`` where it has a value, else a reference made from the
    columns ``sources`` (a hash, with a counter for rows alike in the same file), stable across re-reads.
    """

    kind: str
    column: str | None = None
    text: str = ""
    separator: str = ""
    part: int = 1
    sources: tuple[str, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        if self.kind == "template":
            return tuple(name for _, name, _, _ in string.Formatter().parse(self.text) if name)
        return tuple(c for c in (self.column, *self.sources) if c)


@dataclass(frozen=True)
class FileMapping:
    match: str
    record_type: str
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # source column -> contract field
    constants: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    derive: dict[str, Derivation] = field(default_factory=dict)  # contract field -> how it is made
    where: Condition | None = None  # rows this entry takes (all when None)
    part: int = 0  # which of the entries matching one file this is (the first quarantines unreadable rows)

    def referenced_columns(self) -> tuple[str, ...]:
        """Every source column the entry reads, besides those in ``columns``."""
        names = [c for d in self.derive.values() for c in d.columns]
        if self.where:
            names.extend(self.where.columns)
        return tuple(dict.fromkeys(names))

    def source_for(self, contract_field: str) -> str:
        """The export's column name that holds ``contract_field``."""
        for source, target in self.columns.items():
            if target == contract_field:
                return source
        return contract_field


@dataclass(frozen=True)
class Mapping:
    entries: tuple[FileMapping, ...] = ()

    def for_file(self, path: Path) -> FileMapping | None:
        found = self.all_for_file(path)
        return found[0] if found else None

    def all_for_file(self, path: Path) -> tuple[FileMapping, ...]:
        """Every entry matching the file, in the mapping's order: one file can feed several record types."""
        found = [e for e in self.entries if fnmatch.fnmatch(path.name, e.match)]
        return tuple(replace(e, part=i) for i, e in enumerate(found))


def _str_dict(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{where} must be a mapping of names to names")
    return {str(k): str(v) for k, v in value.items()}


def load_mapping(path: Path) -> Mapping:
    """Read and check a mapping file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise MappingError(f"{path}: expected a top-level 'files:' list")
    entries = []
    for n, raw in enumerate(data["files"], start=1):
        where = f"{path}: files entry {n}"
        if not isinstance(raw, dict) or "match" not in raw or "record_type" not in raw:
            raise MappingError(f"{where} needs 'match' and 'record_type'")
        type_name = str(raw["record_type"])
        if type_name not in RECORD_TYPES:
            raise MappingError(f"{where}: unknown record type {type_name!r}")
        rt = RECORD_TYPES[type_name]
        columns = _str_dict(raw.get("columns"), f"{where}: columns")
        constants = _str_dict(raw.get("constants"), f"{where}: constants")
        codes_raw = raw.get("codes") or {}
        if not isinstance(codes_raw, dict):
            raise MappingError(f"{where}: codes must map a field to a table of codes")
        codes = {str(f): _str_dict(table, f"{where}: codes.{f}") for f, table in codes_raw.items()}
        for target in [*columns.values(), *constants, *codes]:
            if target not in rt.field_names:
                raise MappingError(f"{where}: {type_name} has no field {target!r}")
        derive = _derivations(raw.get("derive"), f"{where}: derive")
        condition = _condition(raw.get("where"), f"{where}: where")
        for target in derive:
            if target not in rt.field_names:
                raise MappingError(f"{where}: {type_name} has no field {target!r}")
        delimiter = raw.get("delimiter")
        entries.append(
            FileMapping(
                match=str(raw["match"]),
                record_type=type_name,
                delimiter=None if delimiter is None else str(delimiter),
                columns=columns,
                constants=constants,
                codes=codes,
                derive=derive,
                where=condition,
            )
        )
    return Mapping(tuple(entries))


_TESTS = ("present", "absent", "equals", "in", "not_in")
_KINDS = ("template", "month", "split", "generated")


def _condition(value: Any, where: str) -> Condition | None:
    if value is None:
        return None
    if not isinstance(value, dict) or "column" not in value:
        raise MappingError(f"{where} needs 'column' and one of {', '.join(_TESTS)}")
    tests = [t for t in _TESTS if t in value]
    if len(tests) != 1:
        raise MappingError(f"{where} needs exactly one of {', '.join(_TESTS)}")
    test, arg = tests[0], value[tests[0]]
    if test in ("present", "absent"):
        if arg is not True:
            raise MappingError(f"{where}: write '{test}: true'")
        return Condition(str(value["column"]), test)
    values = tuple(str(v) for v in (arg if isinstance(arg, list) else [arg]))
    if test == "equals" and len(values) != 1:
        raise MappingError(f"{where}: 'equals' takes one value (use 'in' for several)")
    return Condition(str(value["column"]), test, values)


def _derivations(value: Any, where: str) -> dict[str, Derivation]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MappingError(f"{where} must map contract fields to derivations")
    out: dict[str, Derivation] = {}
    for target, spec in value.items():
        here = f"{where}.{target}"
        if not isinstance(spec, dict) or len([k for k in _KINDS if k in spec]) != 1:
            raise MappingError(f"{here} needs exactly one of {', '.join(_KINDS)}")
        kind = next(k for k in _KINDS if k in spec)
        arg = spec[kind]
        if kind == "template":
            try:
                derivation = Derivation("template", text=str(arg))
                derivation.columns  # noqa: B018 - parses the template now, so a bad one is refused here
            except ValueError as exc:
                raise MappingError(f"{here}: not a template ({exc})") from None
        elif kind == "month":
            derivation = Derivation("month", column=str(arg))
        elif kind == "split":
            if not isinstance(arg, dict) or "column" not in arg or "separator" not in arg:
                raise MappingError(f"{here}: split needs 'column' and 'separator' (and 'part', from 1)")
            part = int(arg.get("part", 1))
            if part < 1:
                raise MappingError(f"{here}: split part counts from 1")
            derivation = Derivation("split", column=str(arg["column"]), separator=str(arg["separator"]), part=part)
        else:
            if not isinstance(arg, dict) or not isinstance(arg.get("from"), list) or not arg["from"]:
                raise MappingError(f"{here}: generated needs 'from', a list of columns (and optionally 'column')")
            column = arg.get("column")
            derivation = Derivation(
                "generated", column=None if column is None else str(column), sources=tuple(str(c) for c in arg["from"])
            )
        out[str(target)] = derivation
    return out
