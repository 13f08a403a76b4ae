"""Erasure: removing a person's (or a record's) data from the lake, now and in every later load.

What an erasure reaches (docs/security.md "Erasure"):
- the named records, every version;
- for a person mention: the records *about* that person (a missing episode's missing person, a
  detention's detainee, a PPN's subject, an online referral's suspect, an offender's registration, and
  the registration's assessments and visits), whole;
- the `record_persons` rows that name an erased mention or an erased record;
- on every other record the person appears on (through `record_persons`), the free text is redacted of
  the person's full name, forenames, aliases, date of birth, phone, email and PNC id (a surname alone is
  left: the family on the record shares it); on all other records, of the full name,
  phone, email and PNC id. The word ``[erased]`` takes their place;
- quarantined rows: the raw text of one that names an erased reference is replaced by ``[erased]``;
  in the others, the terms above are redacted.

The erasure is remembered in a register (``lake/_erasures/<id>.json``): the references erased and the
terms to redact, the latter only as keyed hashes (lake/redact.py), never in clear. Every later load
passes through ``apply_erasures`` before it is committed, so a re-export brings nothing back; rows it
drops are counted as ``rows_erased`` in the load. Partitions are rewritten beside themselves and swapped
in with an atomic rename; running an interrupted erasure again completes it. The erasure is logged by
reference only (record type, source system, reference, reason). Snapshots are rebuilt by the caller
(pipeline.erase_records), which also deletes every older snapshot.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.redact import REDACTED, Terms, redact, secret_key
from safeguarding.lake.store import QUARANTINE, Lake

ERASURES = "_erasures"
LINKS = "_erasure_links"  # records found in a later load to name an erased person (committed with the load)

# Record types whose rows are about one person, named in this field: they go whole with the person.
SUBJECT_FIELDS = {
    "missing_episodes": "person_ref",
    "custody_detentions": "person_ref",
    "ppns": "subject_person_ref",
    "online_referrals": "suspect_person_ref",
    "offenders": "person_ref",
}
# Records that belong to another record and go with it: type -> (parent type, field naming the parent).
CHILD_RECORDS = {
    "offender_assessments": ("offenders", "offender_ref"),
    "offender_visits": ("offenders", "offender_ref"),
}
# Nominal and place records are structured data about their own subject, not free text about others.
_NOT_FREE_TEXT = ("persons", "locations", "record_persons")
_SEP = "\x00"


class ErasureError(ValueError):
    """A request that cannot be carried out (unknown record type, malformed reference)."""


@dataclass(frozen=True)
class Target:
    record_type: str
    source_system: str
    ref: str

    @classmethod
    def parse(cls, text: str) -> Target:
        """``record_type:source_system:ref``, e.g. ``persons:niche:NP0000012``."""
        parts = text.split(":", 2)
        if len(parts) != 3 or not all(parts):
            raise ErasureError(f"{text!r} is not RECORD_TYPE:SOURCE_SYSTEM:REF (e.g. persons:niche:NP0000012)")
        record_type, source_system, ref = parts
        if record_type not in RECORD_TYPES:
            raise ErasureError(f"{text!r}: unknown record type {record_type!r}")
        return cls(record_type, source_system, ref)

    def __str__(self) -> str:
        return f"{self.record_type}:{self.source_system}:{self.ref}"


@dataclass
class ErasureResult:
    erasure_id: str
    rows_removed: dict[str, int] = field(default_factory=dict)  # record type -> rows (all versions)
    quarantine_rows_cleared: int = 0
    values_redacted: int = 0  # free-text values in which a term was replaced by [erased]
    files_rewritten: int = 0


class LoadedFile(Protocol):
    """What apply_erasures needs of a load's per-file counts (ingest.loader.FileCounts)."""

    path: str
    record_type: str
    rows_loaded: int
    rows_erased: int


def ref_field(record_type: str) -> str:
    """The field holding a record's own reference (its key besides the source system)."""
    key = RECORD_TYPES[record_type].key
    return next(k for k in key if k != "source_system")


def free_text_fields(record_type: str) -> list[str]:
    """Personal free-text fields of a record type: where a person's name may be written."""
    if record_type in _NOT_FREE_TEXT:
        return []
    rt = RECORD_TYPES[record_type]
    return [
        f.name
        for f in rt.fields
        if f.type == "string" and f.personal and f.name not in rt.key and not f.name.endswith("_ref")
    ]


def _k(*parts: str) -> str:
    return _SEP.join(parts)


# -- the register -----------------------------------------------------------------------------------


@dataclass
class Register:
    """Every erasure so far, as sets of keys (``_k(...)`` strings) and hashed terms."""

    key: bytes
    mentions: dict[str, str] = field(default_factory=dict)  # _k(system, person ref) -> erasure id
    records: set[str] = field(default_factory=set)  # _k(record type, system, ref)
    linked: dict[str, set[str]] = field(default_factory=dict)  # record key -> erasure ids naming it
    terms_linked: dict[str, Terms] = field(default_factory=dict)  # erasure id -> terms for its linked records
    terms_anywhere: Terms = field(default_factory=Terms)
    refs: set[str] = field(default_factory=set)  # every erased reference, for the quarantine's raw text

    @property
    def empty(self) -> bool:
        return not (self.mentions or self.records)

    def add_entry(self, entry: dict[str, Any]) -> None:
        """Add one register file's erasure (entries written before the register existed hold targets only)."""
        eid = str(entry["erasure_id"])
        targets = [Target.parse(str(t)) for t in entry.get("targets", [])]
        mentions = entry.get("mentions") or [[t.source_system, t.ref] for t in targets if t.record_type == "persons"]
        records = entry.get("records") or [[t.record_type, t.source_system, t.ref] for t in targets]
        for system, ref in mentions:
            self.mentions[_k(system, ref)] = eid
            self.refs.add(ref)
        for record_type, system, ref in records:
            self.records.add(_k(record_type, system, ref))
            self.refs.add(ref)
        for record_type, system, ref in entry.get("linked_records", []):
            self.linked.setdefault(_k(record_type, system, ref), set()).add(eid)
        self.terms_linked[eid] = Terms.from_json(entry.get("terms_linked", {}))
        self.terms_anywhere = self.terms_anywhere.union(Terms.from_json(entry.get("terms_anywhere", {})))

    def terms_for(self, record_key: str) -> Terms:
        terms = self.terms_anywhere
        for eid in sorted(self.linked.get(record_key, ())):
            terms = terms.union(self.terms_linked.get(eid, Terms()))
        return terms


def load_register(lake: Lake) -> Register:
    """The erasure register: every erasure, and the links later loads have added to it."""
    folder = lake.root / ERASURES
    register = Register(key=secret_key(folder) if folder.exists() else b"")
    if not folder.exists():
        return register
    for path in sorted(folder.glob("E*.json")):
        register.add_entry(json.loads(path.read_text(encoding="utf-8")))
    committed = set(lake.committed_load_ids())
    for path in sorted((lake.root / LINKS).glob("load_id=*/links.json")):
        if path.parent.name.split("=", 1)[1] in committed:
            for eid, records in json.loads(path.read_text(encoding="utf-8")).items():
                for record_type, system, ref in records:
                    register.linked.setdefault(_k(record_type, system, ref), set()).add(eid)
    return register


# -- finding what an erasure reaches -------------------------------------------------------------------


def _joined(table: pa.Table, *columns: str, prefix: str | None = None) -> pa.Array:
    """One key string per row from the named columns (after a constant ``prefix``), NULL where any part is."""
    arrays: list[object] = [pc.cast(table.column(c), pa.string()) for c in columns]
    if prefix is not None:
        arrays.insert(0, pa.scalar(prefix, pa.string()))
    return pc.binary_join_element_wise(*arrays, _SEP).combine_chunks()


def _in(keys: pa.Array, values: Iterable[str]) -> pa.Array:
    return pc.fill_null(pc.is_in(keys, value_set=pa.array(sorted(values), pa.string())), False)


def _files(root: Path, record_type: str) -> list[Path]:
    folder = root / record_type
    return sorted(folder.glob("load_id=*/*.parquet")) + sorted(folder.glob("part-*.parquet"))


def _rows(t: pa.Table, *columns: str) -> list[tuple[Any, ...]]:
    return list(zip(*(t.column(c).to_pylist() for c in columns), strict=True))


def _discover(root: Path, register: Register) -> dict[str, set[str]]:
    """Extend the register with what the files under ``root`` add: records about an erased person, their
    child records, and records naming one in ``record_persons``. Returns the new links by erasure id."""
    new_links: dict[str, set[str]] = {}
    if not register.mentions and not register.records:
        return new_links
    for record_type, subject in SUBJECT_FIELDS.items():
        for path in _files(root, record_type):
            t = pq.read_table(path, columns=["source_system", ref_field(record_type), subject])
            t = t.filter(_in(_joined(t, "source_system", subject), register.mentions))
            for system, ref in _rows(t, "source_system", ref_field(record_type)):
                register.records.add(_k(record_type, system, ref))
                register.refs.add(ref)
    for record_type, (parent, parent_field) in CHILD_RECORDS.items():
        for path in _files(root, record_type):
            t = pq.read_table(path, columns=["source_system", ref_field(record_type), parent_field])
            t = t.filter(_in(_joined(t, "source_system", parent_field, prefix=parent), register.records))
            for system, ref in _rows(t, "source_system", ref_field(record_type)):
                register.records.add(_k(record_type, system, ref))
    for path in _files(root, "record_persons"):
        t = pq.read_table(path, columns=["source_system", "record_type", "record_ref", "person_ref"])
        t = t.filter(_in(_joined(t, "source_system", "person_ref"), register.mentions))
        for system, record_type, record_ref, person_ref in _rows(t, *t.column_names):
            record = _k(record_type, system, record_ref)
            if record in register.records:
                continue
            eid = register.mentions[_k(system, person_ref)]
            if eid not in register.linked.get(record, set()):
                register.linked.setdefault(record, set()).add(eid)
                new_links.setdefault(eid, set()).add(record)
    return new_links


def _drop_mask(record_type: str, t: pa.Table, register: Register) -> pa.Array:
    if record_type == "persons":
        return _in(_joined(t, "source_system", "person_ref"), register.mentions)
    if record_type == "record_persons":
        return pc.or_(
            _in(_joined(t, "source_system", "person_ref"), register.mentions),
            _in(_joined(t, "record_type", "source_system", "record_ref"), register.records),
        )
    return _in(_joined(t, "source_system", ref_field(record_type), prefix=record_type), register.records)


@dataclass
class _Rewrite:
    removed_by_file: dict[tuple[str, str], int] = field(default_factory=dict)  # (record type, _source_file) -> rows
    removed: int = 0
    redacted: int = 0
    changed: bool = False


def _rewrite_file(path: Path, record_type: str, register: Register) -> _Rewrite:
    """Drop the erased rows of one Parquet file and redact the rest; swap the file in atomically."""
    out = _Rewrite()
    t = pq.read_table(path)
    drop = _drop_mask(record_type, t, register)
    out.removed = int(pc.sum(drop).as_py() or 0)
    if out.removed:
        if "_source_file" in t.column_names:
            for name, n in zip(*pc.value_counts(t.filter(drop).column("_source_file")).flatten(), strict=True):
                out.removed_by_file[(record_type, str(name))] = int(n.as_py())
        t = t.filter(pc.invert(drop))
    fields = free_text_fields(record_type)
    if fields and (register.terms_anywhere.hashes or register.linked) and t.num_rows:
        keys = _joined(t, "source_system", ref_field(record_type), prefix=record_type).to_pylist()
        terms = [register.terms_for(k) if k in register.linked else register.terms_anywhere for k in keys]
        for name in fields:
            values = t.column(name).to_pylist()
            new = [v if v is None else redact(v, register.key, terms[i]) for i, v in enumerate(values)]
            changed = sum(a != b for a, b in zip(values, new, strict=True))
            if changed:
                out.redacted += changed
                t = t.set_column(t.column_names.index(name), name, pa.array(new, t.schema.field(name).type))
    out.changed = bool(out.removed or out.redacted)
    if out.changed:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
        pq.write_table(t, tmp)
        os.replace(tmp, path)
    return out


def _clear_quarantine(path: Path, register: Register) -> int:
    """Blank the raw text of quarantined rows that name an erased reference; redact the others."""
    t = pq.read_table(path)
    if "raw" not in t.column_names or not t.num_rows:
        return 0
    refs = sorted(register.refs, key=len, reverse=True)
    named = re.compile("|".join(re.escape(r) for r in refs)) if refs else None
    values = t.column("raw").to_pylist()
    new: list[str | None] = []
    for v in values:
        if v is None:
            new.append(v)
        elif named is not None and named.search(v):
            new.append(REDACTED)
        else:
            new.append(redact(v, register.key, register.terms_anywhere))
    changed = sum(int(a != b) for a, b in zip(values, new, strict=True))
    if changed:
        t = t.set_column(t.column_names.index("raw"), "raw", pa.array(new, t.schema.field("raw").type))
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
        pq.write_table(t, tmp)
        os.replace(tmp, path)
    return changed


def _apply(root: Path, register: Register, result: ErasureResult | None = None) -> _Rewrite:
    """Rewrite every data and quarantine file under ``root`` (the lake or one load's staging folder)."""
    total = _Rewrite()
    for record_type in RECORD_TYPES:
        removed = 0
        for path in _files(root, record_type):
            r = _rewrite_file(path, record_type, register)
            removed += r.removed
            total.redacted += r.redacted
            for name, n in r.removed_by_file.items():
                total.removed_by_file[name] = total.removed_by_file.get(name, 0) + n
            if result is not None:
                result.files_rewritten += r.changed
        total.removed += removed
        if result is not None:
            result.rows_removed[record_type] = removed
    cleared = 0
    for path in _files(root, QUARANTINE):
        n = _clear_quarantine(path, register)
        cleared += n
        if result is not None:
            result.files_rewritten += bool(n)
    if result is not None:
        result.quarantine_rows_cleared = cleared
        result.values_redacted = total.redacted
    return total


# -- the terms an erased person leaves in text ---------------------------------------------------------


def _person_terms(lake: Lake, key: bytes, mentions: set[str]) -> tuple[Terms, Terms]:
    """(terms for records the person appears on, terms for every record), from every version of the
    erased mentions' nominal records."""
    linked, anywhere = Terms(), Terms()
    for path in _files(lake.root, "persons"):
        t = pq.read_table(path)
        t = t.filter(_in(_joined(t, "source_system", "person_ref"), mentions))
        for row in t.to_pylist():
            forenames = (row.get("forenames") or "").split()
            surname = row.get("surname") or ""
            if forenames and surname:
                anywhere.add(key, " ".join(forenames) + " " + surname)
                anywhere.add(key, forenames[0] + " " + surname)
                anywhere.add(key, surname + " " + " ".join(forenames))
            # A surname on its own is left: the family on the same record shares it.
            for name in forenames:
                linked.add(key, name)
            for alias in (row.get("aliases") or "").split("|"):
                (anywhere if len(alias.split()) > 1 else linked).add(key, alias)
                for part in alias.split():
                    linked.add(key, part)
            for ident in ("email", "pnc_id"):
                anywhere.add(key, row.get(ident))
            phone = row.get("phone") or ""
            anywhere.add(key, phone)
            anywhere.add(key, re.sub(r"\D", "", phone) or None)
            linked.add(key, row.get("person_ref"))
            dob = row.get("date_of_birth")
            if isinstance(dob, date):
                for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"):
                    linked.add(key, dob.strftime(fmt))
    return linked, anywhere


# -- the public operations -------------------------------------------------------------------------------


def erase(lake: Lake, targets: list[Target], reason: str, requested_by: str) -> ErasureResult:
    """Erase the targets and everything they reach (module docstring); register the erasure for later loads."""
    if not reason.strip():
        raise ErasureError("an erasure needs a reason (the retention review or the order it carries out)")
    if not targets:
        raise ErasureError("nothing to erase: name at least one record")
    result = ErasureResult("E" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f") + secrets.token_hex(2))
    folder = lake.root / ERASURES
    with lake.locked():
        key = secret_key(folder)
        mentions = {_k(t.source_system, t.ref) for t in targets if t.record_type == "persons"}
        this = Register(key=key, mentions=dict.fromkeys(mentions, result.erasure_id),
                        records={_k(t.record_type, t.source_system, t.ref) for t in targets},
                        refs={t.ref for t in targets})  # fmt: skip
        _discover(lake.root, this)
        terms_linked, terms_anywhere = _person_terms(lake, key, mentions)
        entry: dict[str, Any] = {
            "erasure_id": result.erasure_id,
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "requested_by": requested_by,
            "reason": reason,
            "targets": [str(t) for t in targets],
            "mentions": sorted(m.split(_SEP) for m in this.mentions),
            "records": sorted(r.split(_SEP) for r in this.records),
            "linked_records": sorted(r.split(_SEP) for r in this.linked),
            "terms_linked": terms_linked.to_json(),
            "terms_anywhere": terms_anywhere.to_json(),
        }
        # Registered first: a crash part-way leaves the erasure on record, and running it again completes it.
        _write_json(folder / f"{result.erasure_id}.json", entry)
        register = load_register(lake)
        _apply(lake.root, register, result)
        entry.update(
            rows_removed=result.rows_removed, quarantine_rows_cleared=result.quarantine_rows_cleared,
            values_redacted=result.values_redacted,
        )  # fmt: skip
        _write_json(folder / f"{result.erasure_id}.json", entry)
    return result


def apply_erasures(lake: Lake, load_id: str, files: Sequence[LoadedFile]) -> int:
    """Apply every registered erasure to a load's staged rows before it is committed.

    Call it with the lake's write lock held (as ingest does). Dropped rows move from ``rows_loaded``
    to ``rows_erased`` on the file they came from; the number dropped is returned. Records of this
    load found to name an erased person are staged as links, committed with the load.
    """
    if not (lake.root / ERASURES).exists():
        return 0
    register = load_register(lake)
    if register.empty:
        return 0
    staged = lake.staging(load_id)
    new_links = _discover(staged, register)
    done = _apply(staged, register)
    if new_links:
        links = {eid: sorted(r.split(_SEP) for r in records) for eid, records in new_links.items()}
        _write_json(staged / LINKS / "links.json", links)
    for f in files:
        n = done.removed_by_file.get((f.record_type, f.path), 0)  # one file may feed several record types
        f.rows_erased += n
        f.rows_loaded -= n
    return done.removed


def _write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(3)}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str), encoding="utf-8")
    os.replace(tmp, path)
