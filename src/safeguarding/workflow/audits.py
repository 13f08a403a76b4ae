"""Weekly case audits: a sample of cases drawn for auditors, graded on the five HMICFRS inspection areas
and overall (good / requires improvement / inadequate), with whether the voice of the child was captured,
and feedback to the officer, who sees it on their home page (DOMAIN.md: case audits)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from safeguarding.db import Base, transaction
from safeguarding.security import audit
from safeguarding.security.models import UTCDateTime, utcnow
from safeguarding.workflow.reviews import WorkflowError

LONDON = ZoneInfo("Europe/London")

# HMICFRS's five areas for an audited child-protection case, and the overall grade.
AREAS: dict[str, str] = {
    "leadership": "Leadership",
    "partnership": "Partnership working",
    "initial_response": "Initial response",
    "risk_assessment": "Risk assessment and referral",
    "investigation": "Investigation",
}
GRADES: dict[str, str] = {
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
}
# Where in the records the child's voice was found (the auditor may tick several).
VOICE_PLACES: dict[str, str] = {
    "words": "The child's own words",
    "presentation": "Presentation and behaviour",
    "home_environment": "Home environment",
    "views_of_carers": "Through carers or professionals",
}


class CaseAudit(Base):
    """One case drawn for audit, and (once done) its grades and feedback."""

    __tablename__ = "case_audits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)
    case_type: Mapped[str] = mapped_column(String(20))
    case_ref: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    drawn_by: Mapped[str] = mapped_column(String(64))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    officer: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    team: Mapped[str | None] = mapped_column(String(100), nullable=True)
    leadership: Mapped[str | None] = mapped_column(String(30), nullable=True)
    partnership: Mapped[str | None] = mapped_column(String(30), nullable=True)
    initial_response: Mapped[str | None] = mapped_column(String(30), nullable=True)
    risk_assessment: Mapped[str | None] = mapped_column(String(30), nullable=True)
    investigation: Mapped[str | None] = mapped_column(String(30), nullable=True)
    overall: Mapped[str | None] = mapped_column(String(30), nullable=True)
    voice_captured: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    voice_where: Mapped[str | None] = mapped_column(Text, nullable=True)
    feedback: Mapped[str | None] = mapped_column(Text, nullable=True)
    completed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class Candidate:
    """A case that may be drawn (plain data from the snapshot)."""

    case_type: str
    case_ref: str
    person_id: str | None


@dataclass(frozen=True)
class AuditForm:
    officer: str
    team: str
    grades: dict[str, str]  # area -> grade, and "overall"
    voice_captured: bool
    voice_where: list[str]
    voice_note: str
    feedback: str


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def draw_sample(
    candidates: Sequence[Candidate], size: int, *, stratified: bool, seed: int | None = None
) -> list[Candidate]:
    """``size`` cases at random; stratified: as evenly as possible across case types (a type with too
    few cases gives its share to the others)."""
    if size < 1 or size > 200:
        raise WorkflowError("A sample is 1 to 200 cases.")
    rng = random.Random(seed)  # noqa: S311 - sampling for audit, not security
    pool = sorted(set(candidates), key=lambda c: (c.case_type, c.case_ref))
    if not stratified:
        return rng.sample(pool, min(size, len(pool)))
    by_type: dict[str, list[Candidate]] = defaultdict(list)
    for c in pool:
        by_type[c.case_type].append(c)
    for group in by_type.values():
        rng.shuffle(group)
    chosen: list[Candidate] = []
    types = sorted(by_type)
    while len(chosen) < size and any(by_type[t] for t in types):
        for t in types:
            if by_type[t] and len(chosen) < size:
                chosen.append(by_type[t].pop())
    return chosen


def record_sample(
    factory: sessionmaker[Session], sample: Sequence[Candidate], *, week: date, actor: str, method: str
) -> list[int]:
    """Store a drawn sample (cases already drawn that week are skipped); audited."""
    with transaction(factory) as session:
        existing = {
            (t, r)
            for t, r in session.execute(
                select(CaseAudit.case_type, CaseAudit.case_ref).where(CaseAudit.week_start == week)
            ).all()
        }
        rows = [
            CaseAudit(
                week_start=week, case_type=c.case_type, case_ref=c.case_ref, person_id=c.person_id, drawn_by=actor
            )
            for c in sample
            if (c.case_type, c.case_ref) not in existing
        ]
        session.add_all(rows)
        session.flush()
        ids = [r.id for r in rows]
        audit.append(
            session, username=actor, action="audit.sample", object_type="case_audit_week", object_id=week.isoformat(),
            detail={"method": method, "drawn": len(ids), "audit_ids": ids},
        )  # fmt: skip
        return ids


def _check(form: AuditForm) -> AuditForm:
    for key in [*AREAS, "overall"]:
        if form.grades.get(key) not in GRADES:
            label = AREAS.get(key, "The case overall")
            raise WorkflowError(f"Grade '{label}': choose good, requires improvement or inadequate.")
    if any(w not in VOICE_PLACES for w in form.voice_where):
        raise WorkflowError("Field 'voice_where': choose from the listed places.")
    if form.voice_captured and not (form.voice_where or form.voice_note.strip()):
        raise WorkflowError("Field 'voice_where': say where the voice of the child was captured.")
    if not form.feedback.strip():
        raise WorkflowError("Field 'feedback': write the feedback for the officer.")
    if len(form.feedback) > 4000 or len(form.voice_note) > 2000:
        raise WorkflowError("Field 'feedback': keep feedback under 4000 characters.")
    return form


def complete(factory: sessionmaker[Session], audit_id: int, form: AuditForm, *, actor: str) -> None:
    """Record the auditor's grades and feedback; audited as a decision."""
    _check(form)
    with transaction(factory) as session:
        row = session.get(CaseAudit, audit_id)
        if row is None:
            raise WorkflowError("There is no such audit.")
        if row.completed_at is not None:
            raise WorkflowError("This audit is already complete.")
        for key in AREAS:
            setattr(row, key, form.grades[key])
        row.overall = form.grades["overall"]
        row.officer = form.officer.strip() or None
        row.team = form.team.strip()[:100] or None
        row.voice_captured = form.voice_captured
        where = [VOICE_PLACES[w] for w in form.voice_where]
        if form.voice_note.strip():
            where.append(form.voice_note.strip())
        row.voice_where = "; ".join(where) or None
        row.feedback = form.feedback.strip()
        row.completed_by, row.completed_at = actor, utcnow()
        audit.append(
            session, username=actor, action="audit.complete", object_type="case_audit", object_id=str(audit_id),
            detail={"case_type": row.case_type, "case_ref": row.case_ref, "overall": row.overall,
                    "voice_captured": form.voice_captured, "officer": row.officer, "team": row.team},
        )  # fmt: skip


def get(factory: sessionmaker[Session], audit_id: int) -> CaseAudit | None:
    with factory() as session:
        row = session.get(CaseAudit, audit_id)
        if row is not None:
            session.expunge(row)
        return row


def for_week(factory: sessionmaker[Session], week: date) -> list[CaseAudit]:
    with factory() as session:
        rows = list(session.scalars(select(CaseAudit).where(CaseAudit.week_start == week).order_by(CaseAudit.id)))
        session.expunge_all()
        return rows


def weeks(factory: sessionmaker[Session]) -> list[tuple[date, int, int]]:
    """(week, drawn, completed) for every week with a sample, newest first."""
    out: dict[date, list[int]] = {}
    with factory() as session:
        for wk, done in session.execute(select(CaseAudit.week_start, CaseAudit.completed_at)).all():
            counts = out.setdefault(wk, [0, 0])
            counts[0] += 1
            counts[1] += done is not None
    return sorted(((w, c[0], c[1]) for w, c in out.items()), reverse=True)


def feedback_for(factory: sessionmaker[Session], officer: str, limit: int = 20) -> list[CaseAudit]:
    """Completed audits naming ``officer``, newest first (shown on their home page)."""
    with factory() as session:
        rows = list(
            session.scalars(
                select(CaseAudit)
                .where(CaseAudit.officer == officer, CaseAudit.completed_at.is_not(None))
                .order_by(CaseAudit.completed_at.desc())
                .limit(limit)
            )
        )
        session.expunge_all()
        return rows


@dataclass(frozen=True)
class Trend:
    """Grades counted by (month, key) where key is an area, a team or 'overall'."""

    months: list[str]
    rows: dict[str, dict[str, Counter[str]]]  # key -> month -> grade counts

    def share_good(self, key: str, month: str) -> str:
        counts = self.rows.get(key, {}).get(month)
        total = sum(counts.values()) if counts else 0
        return f"{100 * counts['good'] / total:.0f}% of {total}" if counts and total else "–"


def trends(factory: sessionmaker[Session]) -> tuple[Trend, Trend, dict[str, tuple[int, int]]]:
    """Completed audits by month: grades per area (and overall), overall grade per team, and the voice of
    the child captured (yes, all) per month."""
    by_area: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    by_team: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    voice: dict[str, tuple[int, int]] = {}
    with factory() as session:
        rows = session.scalars(select(CaseAudit).where(CaseAudit.completed_at.is_not(None))).all()
        for r in rows:
            assert r.completed_at is not None
            month = r.completed_at.astimezone(LONDON).strftime("%Y-%m")  # the UK month it was done in
            for key in [*AREAS, "overall"]:
                grade = getattr(r, key)
                if grade:
                    by_area[key][month][grade] += 1
            if r.overall:
                by_team[r.team or "No team recorded"][month][r.overall] += 1
            yes, total = voice.get(month, (0, 0))
            voice[month] = (yes + bool(r.voice_captured), total + 1)
    months = sorted(voice)
    return (
        Trend(months, {k: dict(v) for k, v in by_area.items()}),
        Trend(months, {k: dict(v) for k, v in by_team.items()}),
        voice,
    )


def overall_by_month(factory: sessionmaker[Session]) -> dict[str, Counter[str]]:
    """Overall grades of completed audits per month (YYYY-MM): the outcomes page's audit measure."""
    area, _team, _voice = trends(factory)
    return area.rows.get("overall", {})
