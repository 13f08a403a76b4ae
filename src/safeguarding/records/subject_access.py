"""Subject access (DPA 2018 s.45): everything held about one person, as a readable bundle.

Gathered from the three places the portal keeps data:
- the lake: every version of every record the person is on (through a record's own person field or
  `record_persons`), and the person's nominal records as each source system holds them;
- the published snapshot: every table row with the person's id (indicators and their evidence, alerts
  and theirs, scores, networks, places, boards, linkage pairs);
- the app database: every row with the person's id (alert reviews and assignments, challenges, access
  reasons, shares, profiles), linkage decisions naming their mentions, review decisions on their
  records, and the audit log's entries about them (views, exports, shares, disclosures).

Other people's data is not removed but marked: a record's other people are listed beside it, their
names are highlighted in its free text for the disclosing officer to redact, and free-text columns are
flagged for review. The bundle is an ``index.html`` and one CSV per section, with a manifest of
checksums; writing it is audited as a disclosure, with the request and the recipient.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy import Text, or_, select
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.contract.records import RECORD_TYPES
from safeguarding.db import Base, reading
from safeguarding.lake.erase import SUBJECT_FIELDS, free_text_fields, ref_field
from safeguarding.security.models import AuditEntry
from safeguarding.snapshot.schema import TABLES
from safeguarding.workflow.linkage_decisions import LinkageDecisionRow
from safeguarding.workflow.record_reviews import RecordReviewDecision

_LINEAGE_SHOWN = ("_load_id", "_line")  # where a row came from; the server's file paths are left out
_APP_SKIP = ("audit_log", "audit_head", "users", "user_roles", "login_sessions", "api_tokens")


_MARK = Markup('<mark class="redact" title="third party: redact before disclosure">{}</mark>')


class SubjectAccessError(ValueError):
    """The person is not known to the published snapshot."""


@dataclass
class Section:
    key: str
    title: str
    source: str
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    free_text: set[str] = field(default_factory=set)  # columns to check for third parties' data

    def third_parties(self, row: dict[str, Any]) -> list[str]:
        names: list[str] = row.get("_third_party_names") or []
        return names


@dataclass
class Bundle:
    person_id: str
    display_name: str
    generated_at: datetime
    mentions: list[tuple[str, str]]
    sections: list[Section] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(s.rows) for s in self.sections)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    return value


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> tuple[list[str], list[dict[str, Any]]]:
    cursor = con.cursor()
    try:
        result = cursor.execute(sql, params)
        columns = [d[0] for d in result.description or []]
        if "_load_id" in columns and "load_id" in columns:  # the partition folder's name, read back: said once
            columns[columns.index("load_id")] = "_partition"
        rows = [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in result.fetchall()]
    finally:
        cursor.close()
    if "_partition" in columns:
        columns.remove("_partition")
        for row in rows:
            del row["_partition"]
    return columns, rows


# -- the lake --------------------------------------------------------------------------------------------


def _lake_sections(lake: duckdb.DuckDBPyConnection, mentions: list[tuple[str, str]]) -> list[Section]:
    keys = [f"{s}\x00{r}" for s, r in mentions]
    sections: list[Section] = []
    cols, rows = _query(
        lake, "SELECT * EXCLUDE (_source_file, _row_hash) FROM persons_versions "
        "WHERE source_system || chr(0) || person_ref IN (SELECT unnest(?)) "
        "ORDER BY source_system, person_ref, _load_id",
        [keys],
    )  # fmt: skip
    sections.append(Section("nominal_records", "Nominal records (as each source system holds them)", "lake", cols,
                            rows))  # fmt: skip
    # Which records the person is on, and who else is on them (for the redaction marks).
    _, links = _query(
        lake, "SELECT record_type, source_system, record_ref, person_ref, role FROM record_persons "
        "WHERE source_system || chr(0) || person_ref IN (SELECT unnest(?))", [keys],
    )  # fmt: skip
    on: dict[str, set[tuple[str, str]]] = {}
    roles: dict[tuple[str, str, str], list[str]] = {}
    for link in links:
        on.setdefault(link["record_type"], set()).add((link["source_system"], link["record_ref"]))
        roles.setdefault((link["record_type"], link["source_system"], link["record_ref"]), []).append(link["role"])
    _, others = _query(
        lake, """SELECT rp.record_type, rp.source_system, rp.record_ref, rp.role,
                        trim(coalesce(p.forenames, '') || ' ' || coalesce(p.surname, '')) AS name
                 FROM record_persons rp LEFT JOIN persons p USING (source_system, person_ref)
                 WHERE rp.source_system || chr(0) || rp.person_ref NOT IN (SELECT unnest(?))""", [keys],
    )  # fmt: skip
    third: dict[tuple[str, str, str], list[str]] = {}
    for o in others:
        if o["name"]:
            third.setdefault((o["record_type"], o["source_system"], o["record_ref"]), []).append(
                f"{o['name']} ({o['role']})"
            )
    for record_type in RECORD_TYPES:
        if record_type in ("persons", "locations", "record_persons"):
            continue
        ref = ref_field(record_type)
        conditions = []
        params: list[Any] = []
        if record_type in SUBJECT_FIELDS:
            conditions.append(f"source_system || chr(0) || {SUBJECT_FIELDS[record_type]} IN (SELECT unnest(?))")
            params.append(keys)
        linked = sorted(on.get(record_type, set()))
        if linked:
            conditions.append(f"source_system || chr(0) || {ref} IN (SELECT unnest(?))")
            params.append([f"{s}\x00{r}" for s, r in linked])
        if not conditions:
            continue
        cols, rows = _query(
            lake, f"SELECT * EXCLUDE (_source_file, _row_hash) FROM {record_type}_versions "
            f"WHERE {' OR '.join(conditions)} ORDER BY source_system, {ref}, _load_id", params,
        )  # fmt: skip
        if not rows:
            continue
        for row in rows:
            key = (record_type, row["source_system"], row[ref])
            row["_their_role"] = ", ".join(sorted(set(roles.get(key, [])))) or "subject of the record"
            row["_third_party_names"] = third.get(key, [])
            row["_third_parties"] = "; ".join(third.get(key, []))
        sections.append(
            Section(f"records_{record_type}", f"Records: {record_type.replace('_', ' ')}", "lake",
                    ["_their_role", *cols, "_third_parties"], rows, set(free_text_fields(record_type)))
        )  # fmt: skip
    return sections


# -- the snapshot -------------------------------------------------------------------------------------------


def _snapshot_sections(snap: duckdb.DuckDBPyConnection, person_id: str) -> list[Section]:
    _, found = _query(snap, "SELECT DISTINCT table_name, column_name FROM duckdb_columns()", [])
    columns: dict[str, set[str]] = {}
    for f in found:
        if f["table_name"] in TABLES:  # the snapshot's own tables, not the portal's search index
            columns.setdefault(f["table_name"], set()).add(f["column_name"])
    sections: list[Section] = []
    for name in sorted(t for t, cols in columns.items() if "person_id" in cols):
        cols, rows = _query(snap, f'SELECT * FROM "{name}" WHERE person_id = ?', [person_id])
        if rows:
            texts = {c for c in cols if c in ("narrative", "evidence", "summary", "text", "excerpt")}
            sections.append(Section(f"snapshot_{name}", f"Assessment: {name.replace('_', ' ')}", "snapshot", cols,
                                    rows, texts))  # fmt: skip
    if "record_reviews" in columns:  # when each of the person's records falls due for review
        cols, rows = _query(
            snap, "SELECT * FROM record_reviews WHERE list_contains(string_split(person_ids, ','), ?)", [person_id]
        )
        if rows:
            sections.append(Section("snapshot_record_reviews", "Retention: review dates of these records", "snapshot",
                                    cols, rows))  # fmt: skip
    for table, key, parent in (("indicator_evidence", "indicator_id", "indicators"),
                               ("alert_evidence", "alert_id", "alerts")):  # fmt: skip
        if table not in columns or parent not in columns:
            continue
        cols, rows = _query(
            snap, f'SELECT * FROM "{table}" WHERE {key} IN (SELECT {key} FROM "{parent}" WHERE person_id = ?)',
            [person_id],
        )  # fmt: skip
        if rows:
            sections.append(Section(f"snapshot_{table}", f"Assessment: {table.replace('_', ' ')}", "snapshot", cols,
                                    rows))  # fmt: skip
    return sections


# -- the app database ---------------------------------------------------------------------------------------


def _orm_rows(session: Session, stmt: Any) -> tuple[list[str], list[dict[str, Any]]]:
    result = session.execute(stmt)
    columns = list(result.keys())
    return columns, [dict(zip(columns, (_plain(v) for v in row), strict=True)) for row in result.all()]


def _app_sections(
    factory: sessionmaker[Session], person_id: str, mentions: list[tuple[str, str]], records: Iterable[str]
) -> list[Section]:
    sections: list[Section] = []
    mention_ids = [f"{s}:{r}" for s, r in mentions]
    with reading(factory) as session:
        for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
            if table.name in _APP_SKIP or "person_id" not in table.c:
                continue
            cols, rows = _orm_rows(session, select(table).where(table.c.person_id == person_id))
            if rows:
                texts = {c.name for c in table.c if isinstance(c.type, Text)}
                sections.append(Section(f"app_{table.name}", f"Decisions and workflow: {table.name.replace('_', ' ')}",
                                        "app database", cols, rows, texts))  # fmt: skip
        ld = LinkageDecisionRow.__table__
        cols, rows = _orm_rows(session, select(ld).where(or_(ld.c.mention.in_(mention_ids),
                                                               ld.c.other_mention.in_(mention_ids))))  # fmt: skip
        if rows:
            sections.append(Section("app_linkage_decisions", "Linkage decisions (merges and splits)", "app database",
                                    cols, rows, {"reason"}))  # fmt: skip
        rr = RecordReviewDecision.__table__
        wanted = set(records)
        cols, rows = _orm_rows(session, select(rr).order_by(rr.c.id))
        rows = [r for r in rows if f"{r['record_type']}:{r['source_system']}:{r['record_ref']}" in wanted]
        if rows:
            sections.append(Section("app_record_reviews", "Review (MoPI) decisions on these records", "app database",
                                    cols, rows, {"reason"}))  # fmt: skip
        al = AuditEntry.__table__
        cols, rows = _orm_rows(
            session,
            select(al.c.id, al.c.at, al.c.username, al.c.action, al.c.object_type, al.c.object_id, al.c.detail)
            .where(or_(al.c.object_id == person_id, al.c.object_id.in_(mention_ids)))
            .order_by(al.c.id),
        )
        if rows:
            sections.append(Section("audit_log", "Who consulted, shared or disclosed this person's data (audit log)",
                                    "app database", cols, rows))  # fmt: skip
    return sections


# -- the bundle ---------------------------------------------------------------------------------------------


def build(
    person_id: str,
    snap: duckdb.DuckDBPyConnection,
    lake: duckdb.DuckDBPyConnection,
    factory: sessionmaker[Session],
) -> Bundle:
    """Everything held about ``person_id``; SubjectAccessError if the snapshot has no such person."""
    _, found = _query(snap, "SELECT display_name FROM persons WHERE person_id = ?", [person_id])
    if not found:
        raise SubjectAccessError(f"no person {person_id!r} in the published snapshot (see the person's page)")
    _, ms = _query(
        snap, "SELECT source_system, person_ref FROM mentions WHERE person_id = ? ORDER BY 1, 2", [person_id]
    )
    mentions = [(m["source_system"], m["person_ref"]) for m in ms]
    bundle = Bundle(person_id, str(found[0]["display_name"]), datetime.now(UTC), mentions)
    bundle.sections.extend(_lake_sections(lake, mentions))
    records = {
        f"{s.key.removeprefix('records_')}:{r['source_system']}:{r[ref_field(s.key.removeprefix('records_'))]}"
        for s in bundle.sections if s.key.startswith("records_") for r in s.rows
    }  # fmt: skip
    bundle.sections.extend(_snapshot_sections(snap, person_id))
    bundle.sections.extend(_app_sections(factory, person_id, mentions, records))
    return bundle


def mark_third_parties(value: Any, names: list[str]) -> Markup:
    """``value`` as HTML, with each third party's name (from "Name (role)") highlighted for redaction."""
    text = "" if value is None else str(value)
    words = sorted({w for n in names for w in n.rsplit(" (", 1)[0].split() if len(w) > 1}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)
    out, at = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[at : m.start()]))
        out.append(
            Markup('<mark class="redact" title="third party: redact before disclosure">{}</mark>').format(m.group())
        )
        at = m.end()
    out.append(escape(text[at:]))
    return Markup("").join(out)


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("safeguarding.records", "templates"), autoescape=select_autoescape())
    env.filters["mark_third_parties"] = mark_third_parties
    return env


def render_html(bundle: Bundle, request_ref: str, recipient: str) -> str:
    return (
        _environment()
        .get_template("subject_access.html")
        .render(bundle=bundle, request_ref=request_ref, recipient=recipient)
    )


def section_csv(section: Section) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*section.columns, "_check_for_third_parties"])
    for row in section.rows:
        flagged = [c for c in section.free_text if row.get(c)]
        writer.writerow([row.get(c) for c in section.columns] + [", ".join(sorted(flagged))])
    return buffer.getvalue()


def files(bundle: Bundle, request_ref: str, recipient: str) -> dict[str, bytes]:
    """The bundle's files by name: index.html, one CSV per section, manifest.json (sha256 of each)."""
    out = {"index.html": render_html(bundle, request_ref, recipient).encode("utf-8")}
    for section in bundle.sections:
        out[f"{section.key}.csv"] = section_csv(section).encode("utf-8")
    manifest = {
        "person_id": bundle.person_id,
        "request": request_ref,
        "recipient": recipient,
        "generated_at": bundle.generated_at.isoformat(timespec="seconds"),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(out.items())},
        "rows": {s.key: len(s.rows) for s in bundle.sections},
    }
    out["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode("utf-8")
    return out


def write(bundle: Bundle, out_dir: Path, request_ref: str, recipient: str) -> list[Path]:
    """Write the bundle's files under ``out_dir`` (made if missing); returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files(bundle, request_ref, recipient).items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written
