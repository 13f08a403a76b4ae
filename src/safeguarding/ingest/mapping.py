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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from safeguarding.contract.records import RECORD_TYPES


class MappingError(ValueError):
    """A mapping file that cannot be used; the message names the file and entry."""


@dataclass(frozen=True)
class FileMapping:
    match: str
    record_type: str
    delimiter: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # source column -> contract field
    constants: dict[str, str] = field(default_factory=dict)
    codes: dict[str, dict[str, str]] = field(default_factory=dict)

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
        for entry in self.entries:
            if fnmatch.fnmatch(path.name, entry.match):
                return entry
        return None


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
        delimiter = raw.get("delimiter")
        entries.append(
            FileMapping(
                match=str(raw["match"]),
                record_type=type_name,
                delimiter=None if delimiter is None else str(delimiter),
                columns=columns,
                constants=constants,
                codes=codes,
            )
        )
    return Mapping(tuple(entries))
