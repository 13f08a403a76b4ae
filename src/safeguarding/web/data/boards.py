"""What each operational board shows: its sections (tables read from the snapshot's board tables), the
service levels in force, and the monthly trend of its measures.

The clocks are computed in the assessment (assess/clocks) and stored in the snapshot at the assessment's
moment (the data's extract time, ``Snapshot.moment``); queries here take that same moment for "now" (an item
still waiting whose due time has passed by it shows as overdue, an open episode's hours missing run to it),
never the machine's clock, so a snapshot of old data reads as of its own time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from safeguarding import policy
from safeguarding.policy.levels import load_levels
from safeguarding.web.data.reader import Snapshot
from safeguarding.web.data.stats import Series

LONDON = ZoneInfo("Europe/London")
SHOWN = 25  # rows a section shows on the page; exports hold every row
MONTHS = 12


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    intro: str
    table: str  # the snapshot table it needs
    sql: str  # SELECT ... with {limit}; may use ? for "now" (as many as `now_params`)
    columns: tuple[tuple[str, str], ...]  # (column name in the query, heading)
    link: Callable[[dict[str, Any]], str] | None = None
    now_params: int = 0
    only_if: str | None = None  # a permission the viewer needs to see this section
    bound: tuple[str, ...] = ()  # further ? parameters, after the "now" ones, bound by name at query time


@dataclass
class Section:
    key: str
    title: str
    intro: str
    headings: list[str]
    rows: list[list[str]]
    links: list[str]
    total: int
    available: bool


@dataclass
class BoardSpec:
    key: str
    title: str
    intro: str
    levels_section: str
    sections: tuple[SectionSpec, ...]
    summary_sql: str = ""
    summary_labels: tuple[str, ...] = ()
    summary_table: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _person_link(row: dict[str, Any]) -> str:
    return f"/boards/missing/children/{row['person_id']}" if row.get("person_id") else ""


def live(status: str, due: str) -> str:
    """SQL: the stored status, or 'overdue' when it was still waiting and its due time has passed by now."""
    return f"CASE WHEN {status} IN ('due', 'awaiting', 'open') AND {due} < ? THEN 'overdue' ELSE {status} END"


NAME = "coalesce(p.display_name, b.person_id)"

MISSING = BoardSpec(
    key="missing",
    title="Missing children",
    intro="Open episodes by risk grade, ratification of the grade, return home interviews, repeat-missing children "
    "and their plans, and records whose language blames the child.",
    levels_section="missing",
    summary_table="board_missing",
    summary_sql="""SELECT count(*) FILTER (WHERE is_open),
                          count(*) FILTER (WHERE is_open AND risk_grade = 'high'),
                          count(*) FILTER (WHERE ratify_status IN ('late', 'overdue', 'awaiting', 'no_grade_time')
                                           AND reported_at > ? - INTERVAL 90 DAY),
                          count(*) FILTER (WHERE rhi_status IN ('overdue', 'due', 'declined_no_reason')
                                           AND reported_at > ? - INTERVAL 90 DAY),
                          count(DISTINCT person_id) FILTER (WHERE repeat_missing AND reported_at > ? - INTERVAL 90 DAY)
                   FROM board_missing""",
    summary_labels=("Open episodes", "Open and graded high", "Ratification late or missing (90 days)",
                    "Interviews not done or no reason (90 days)", "Repeat-missing children (90 days)"),
    sections=(
        SectionSpec(
            "open", "Open episodes", "Children missing now, highest risk first, with the time they have been missing.",
            "board_missing",
            f"""SELECT b.person_id, {NAME} AS child, b.episode_ref, b.risk_grade, b.reported_at,
                       date_diff('minute', b.reported_at, ?) / 60.0 AS hours_missing, b.graded_by, b.graded_at,
                       b.ratified_by, b.ratified_at, {live('b.ratify_status', 'b.ratify_due_at')} AS ratification
                FROM board_missing b LEFT JOIN persons p USING (person_id)
                WHERE b.is_open
                ORDER BY CASE b.risk_grade WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END,
                         b.reported_at {{limit}}""",
            (("child", "Child"), ("episode_ref", "Episode"), ("risk_grade", "Risk"), ("reported_at", "Reported"),
             ("hours_missing", "Hours missing"), ("graded_by", "Graded by"), ("graded_at", "Graded"),
             ("ratified_by", "Ratified by"), ("ratified_at", "Ratified"), ("ratification", "Ratification")),
            _person_link, now_params=2,
        ),
        SectionSpec(
            "ratification", "Ratification late or missing",
            "Grades a supervisor confirmed after the service level, or has not confirmed.", "board_missing",
            f"""SELECT b.person_id, {NAME} AS child, b.episode_ref, b.risk_grade, b.graded_by, b.graded_at,
                       b.ratify_due_at, b.ratified_by, b.ratified_at, b.ratify_minutes,
                       {live('b.ratify_status', 'b.ratify_due_at')} AS ratification
                FROM board_missing b LEFT JOIN persons p USING (person_id)
                WHERE b.ratify_status IN ('late', 'overdue', 'awaiting', 'no_grade_time', 'out_of_order')
                ORDER BY b.reported_at DESC {{limit}}""",
            (("child", "Child"), ("episode_ref", "Episode"), ("risk_grade", "Risk"), ("graded_by", "Graded by"),
             ("graded_at", "Graded"), ("ratify_due_at", "Due by"), ("ratified_by", "Ratified by"),
             ("ratified_at", "Ratified"), ("ratify_minutes", "Minutes"), ("ratification", "Status")),
            _person_link, now_params=1,
        ),
        SectionSpec(
            "rhi", "Return home interviews to chase",
            "Children back home whose interview is not done within {policy:missing.rhi_within_hours} hours, or was "
            "declined without a reason.",
            "board_missing",
            f"""SELECT b.person_id, {NAME} AS child, b.episode_ref, b.found_at, b.rhi_due_at, b.rhi_done_at,
                       b.rhi_declined_reason, {live('b.rhi_status', 'b.rhi_due_at')} AS interview
                FROM board_missing b LEFT JOIN persons p USING (person_id)
                WHERE b.rhi_status IN ('due', 'overdue', 'done_late', 'declined_no_reason', 'out_of_order',
                                       'interview_without_return')
                  AND NOT list_contains(CAST(? AS VARCHAR[]), b.episode_ref)
                ORDER BY b.found_at DESC {{limit}}""",
            (("child", "Child"), ("episode_ref", "Episode"), ("found_at", "Returned"), ("rhi_due_at", "Due by"),
             ("rhi_done_at", "Done"), ("rhi_declined_reason", "Reason declined"), ("interview", "Status")),
            _person_link, now_params=1, bound=("recorded_on_portal",),
        ),
        SectionSpec(
            "repeat", "Repeat-missing children",
            "Children with several episodes in the window (service level below); each needs a multi-agency plan.",
            "board_missing",
            f"""SELECT b.person_id, {NAME} AS child, max(b.episodes_in_window) AS episodes_in_window,
                       count(*) AS episodes_all, max(b.reported_at) AS latest
                FROM board_missing b LEFT JOIN persons p USING (person_id)
                WHERE b.person_id IN (SELECT person_id FROM board_missing WHERE repeat_missing)
                GROUP BY ALL ORDER BY latest DESC {{limit}}""",
            (("child", "Child"), ("episodes_in_window", "Most in the window"), ("episodes_all", "Episodes in all"),
             ("latest", "Latest reported"), ("plan", "Multi-agency plan")),
            _person_link,
        ),
        SectionSpec(
            "language", "Victim-blaming language (for supervisors)",
            "Reports describing a child as missing 'through choice', 'putting themselves at risk' and the like.",
            "board_missing",
            f"""SELECT b.person_id, {NAME} AS child, b.episode_ref, b.reported_at, b.graded_by, b.blaming_phrases
                FROM board_missing b LEFT JOIN persons p USING (person_id)
                WHERE b.blaming_phrases IS NOT NULL ORDER BY b.reported_at DESC {{limit}}""",
            (("child", "Child"), ("episode_ref", "Episode"), ("reported_at", "Reported"), ("graded_by", "Officer"),
             ("blaming_phrases", "Phrases")),
            _person_link, only_if="alerts:assign",
        ),
    ),
)  # fmt: skip

CUSTODY_COLUMNS = (
    ("child", "Child"), ("custody_ref", "Custody record"), ("arrived_at", "Arrived"), ("age", "Age"),
    ("aa_request_minutes", "Minutes to request AA"), ("aa_arrive_minutes", "Minutes for AA to arrive"),
    ("aa_status", "Appropriate adult"), ("reviews", "Reviews done / due"), ("next_review_due_at", "Next review by"),
    ("limit_hours", "Limit (hours)"), ("woman_responsible", "Named woman"),
    ("transfer_status", "Transfer"), ("held_overnight", "Held overnight"), ("breaches", "Breaches"),
)  # fmt: skip
CUSTODY_SELECT = f"""SELECT b.person_id, {NAME} AS child, b.custody_ref, b.arrived_at, b.age, b.aa_request_minutes,
       b.aa_arrive_minutes, b.aa_request_status || ' / ' || b.aa_arrive_status AS aa_status,
       b.reviews_done || ' / ' || b.reviews_due AS reviews,
       CASE WHEN b.in_custody_now THEN b.next_review_due_at END AS next_review_due_at, b.limit_hours,
       b.woman_responsible, b.transfer_status, b.held_overnight, b.breaches
FROM board_custody b LEFT JOIN persons p USING (person_id)"""

CUSTODY = BoardSpec(
    key="custody",
    title="Children in custody",
    intro="Children in custody now and before: juvenile identified, appropriate adult requested and arrived, "
    "detention reviews, a named woman for a girl, transfer after charge with bail refused, nights in custody.",
    levels_section="custody",
    summary_table="board_custody",
    summary_sql="""SELECT count(*) FILTER (WHERE in_custody_now),
                          count(*) FILTER (WHERE arrived_at > ? - INTERVAL 30 DAY),
                          count(*) FILTER (WHERE breaches <> '' AND arrived_at > ? - INTERVAL 30 DAY),
                          count(*) FILTER (WHERE held_overnight AND arrived_at > ? - INTERVAL 30 DAY),
                          median(aa_total_minutes) FILTER (WHERE arrived_at > ? - INTERVAL 30 DAY)
                   FROM board_custody""",
    summary_labels=("In custody now", "Detentions (30 days)", "With a breach (30 days)",
                    "Held overnight (30 days)", "Median minutes to an appropriate adult (30 days)"),
    sections=(
        SectionSpec("now", "In custody now", "Children in custody at the time of the snapshot.", "board_custody",
                    CUSTODY_SELECT + " WHERE b.in_custody_now ORDER BY b.arrived_at {limit}", CUSTODY_COLUMNS),
        SectionSpec("breaches", "Breaches", "Detentions where a service level or a rule was not met.", "board_custody",
                    CUSTODY_SELECT + " WHERE b.breaches <> '' ORDER BY b.arrived_at DESC {limit}", CUSTODY_COLUMNS),
        SectionSpec("all", "All detentions of children", "Newest first.", "board_custody",
                    CUSTODY_SELECT + " ORDER BY b.arrived_at DESC {limit}", CUSTODY_COLUMNS),
        SectionSpec(
            "return", "Monthly transfer return (Concordat principle 7)",
            "Children charged and refused bail, and what happened about local-authority accommodation, by month.",
            "board_custody",
            """SELECT CAST(date_trunc('month', arrived_at AT TIME ZONE 'Europe/London') AS DATE) AS month,
                      count(*) AS detained,
                      count(*) FILTER (WHERE charged_at IS NOT NULL) AS charged,
                      count(*) FILTER (WHERE transfer_status IS NOT NULL) AS bail_refused,
                      count(*) FILTER (WHERE transfer_requested_at IS NOT NULL) AS transfer_requested,
                      count(*) FILTER (WHERE transfer_status = 'transferred') AS transferred,
                      count(*) FILTER (WHERE transfer_status = 'certified_impracticable') AS certified,
                      count(*) FILTER (WHERE transfer_status IN ('requested', 'not_requested')) AS neither,
                      count(*) FILTER (WHERE held_overnight) AS held_overnight
               FROM board_custody GROUP BY ALL ORDER BY month DESC {limit}""",
            (("month", "Month"), ("detained", "Children detained"), ("charged", "Charged"),
             ("bail_refused", "Bail refused"), ("transfer_requested", "Transfer requested"),
             ("transferred", "Transferred"), ("certified", "Certified impracticable"),
             ("neither", "Neither transferred nor certified"), ("held_overnight", "Held overnight")),
        ),
    ),
)  # fmt: skip


def _ppn_link(row: dict[str, Any]) -> str:
    return f"/boards/ppns/{row['ppn_ref']}" if row.get("ppn_ref") else ""


PPN_COLUMNS = (
    ("ppn_ref", "PPN"), ("child", "Subject"), ("grade", "Grade"), ("concern_type", "Concern"),
    ("submitted_at", "Submitted"), ("quality_score", "Quality"), ("quality_missing", "Lacks"),
    ("share", "Shared with social care"), ("school", "School told"), ("officer", "Officer"),
)  # fmt: skip
PPN_SELECT = f"""SELECT b.ppn_ref, b.person_id, {NAME} AS child, b.grade, b.concern_type, b.submitted_at,
       b.quality_score, replace(b.quality_missing, '_', ' ') AS quality_missing,
       {live("b.share_status", "b.share_due_at")} AS share,
       {live("b.school_status", "b.school_due_at")} AS school, b.officer
FROM board_ppn b LEFT JOIN persons p USING (person_id)"""

PPN = BoardSpec(
    key="ppns",
    title="Public Protection Notices",
    intro="Each PPN's quality score from the fields a good PPN needs (the voice of the child among them), its "
    "sharing with children's social care and, for domestic abuse, the school (Operation Encompass); "
    "{policy:ppn.green_escalation_count} greens about a child in {policy:ppn.green_escalation_days} days; and "
    "incidents with a child that had no PPN in time.",
    levels_section="ppn",
    summary_table="board_ppn",
    summary_sql="""SELECT round(avg(quality_score) FILTER (WHERE submitted_at > ? - INTERVAL 90 DAY), 1),
                          count(*) FILTER (WHERE share_status IN ('late', 'overdue', 'due')
                                           AND submitted_at > ? - INTERVAL 90 DAY),
                          count(*) FILTER (WHERE school_status IN ('late', 'overdue', 'due')
                                           AND submitted_at > ? - INTERVAL 90 DAY),
                          count(*) FILTER (WHERE green_escalation AND submitted_at > ? - INTERVAL 90 DAY)
                   FROM board_ppn""",
    summary_labels=("Mean quality (90 days)", "Shared late or not yet (90 days)", "Schools told late (90 days)",
                    "Green escalations (90 days)"),
    sections=(
        SectionSpec("recent", "Recent PPNs", "Newest first.", "board_ppn",
                    PPN_SELECT + " ORDER BY b.submitted_at DESC {limit}", PPN_COLUMNS, _ppn_link, now_params=2),
        SectionSpec("sharing", "Sharing late or overdue", "Not shared with children's social care in time.",
                    "board_ppn", PPN_SELECT + " WHERE b.share_status IN ('late', 'overdue', 'due', 'out_of_order')"
                    " ORDER BY b.submitted_at DESC {limit}", PPN_COLUMNS, _ppn_link, now_params=2),
        SectionSpec("encompass", "Operation Encompass late", "Domestic abuse with a child: the school was not told "
                    "before the next school day.", "board_ppn",
                    PPN_SELECT + " WHERE b.school_status IN ('late', 'overdue', 'due')"
                    " ORDER BY b.submitted_at DESC {limit}", PPN_COLUMNS, _ppn_link, now_params=2),
        SectionSpec("escalations", "Repeated greens: escalate (treat as amber)",
                    "The green PPN that makes {policy:ppn.green_escalation_count} about the same child within "
                    "{policy:ppn.green_escalation_days} days.", "board_ppn",
                    PPN_SELECT + " WHERE b.green_escalation ORDER BY b.submitted_at DESC {limit}", PPN_COLUMNS,
                    _ppn_link, now_params=2),
        SectionSpec(
            "child_to_notice", "Child to notice", "Incidents involving a child with no PPN within the service level.",
            "board_child_to_notice",
            f"""SELECT incident_ref, occurred_at, category, officer, children, ppn_due_at, first_ppn_at,
                       {live('status', 'ppn_due_at')} AS status
                FROM board_child_to_notice WHERE status IN ('no_ppn', 'late', 'due')
                ORDER BY occurred_at DESC {{limit}}""",
            (("incident_ref", "Incident"), ("occurred_at", "Happened"), ("category", "Category"),
             ("officer", "Officer"), ("children", "Children"), ("ppn_due_at", "PPN due by"),
             ("first_ppn_at", "First PPN"), ("status", "Status")),
            now_params=1,
        ),
    ),
)  # fmt: skip


def _referral_link(row: dict[str, Any]) -> str:
    return f"/boards/online/grade?referral_ref={row['referral_ref']}" if row.get("referral_ref") else ""


ONLINE_COLUMNS = (
    ("referral_ref", "Referral"), ("referrer", "From"), ("received_at", "Received"), ("priority", "Priority"),
    ("deadline_at", "Action by"), ("recorded_priority", "Recorded priority"), ("graded_down", "Graded down"),
    ("enforcement_at", "Actioned"), ("status", "Status"), ("source", "Graded on"),
)  # fmt: skip

ONLINE = BoardSpec(
    key="online",
    title="Online child-abuse referrals",
    intro="Referrals graded with the KIRAT-style questionnaire (the project's own decision table, in "
    "configuration; not the official KIRAT), the queue by deadline, overdue actions and grades lowered after entry.",
    levels_section="online",
    sections=(),  # built in routes_boards from the snapshot and the app database together
)

RSO_COLUMNS = (
    ("offender_ref", "Offender"), ("name", "Name"), ("offender_manager", "Offender manager"),
    ("arms_priority", "ARMS priority"), ("arms_next_due_on", "ARMS due"), ("arms_status", "ARMS"),
    ("visits", "Visits on time / planned"), ("visits_overdue", "Visits overdue"), ("next_visit_on", "Next visit"),
    ("visit_due_on", "Visit due by priority"),
    ("notification_ends_on", "Notification ends"), ("renotify_due_on", "Re-notification due"), ("alerts", "Alerts"),
)  # fmt: skip
RSO_SELECT = """SELECT b.offender_ref, coalesce(p.display_name, b.person_id) AS name, b.offender_manager,
       b.arms_priority, b.arms_next_due_on, b.arms_status, b.visits_on_time || ' / ' || b.visits_planned AS visits,
       b.visits_overdue, b.next_visit_on, b.visit_due_on,
       CASE WHEN b.indefinite THEN 'indefinite'
            WHEN b.status = 'ended' THEN 'ended ' || coalesce(CAST(b.notification_ends_on AS VARCHAR), '')
            ELSE CAST(b.notification_ends_on AS VARCHAR) END AS notification_ends_on,
       b.renotify_due_on,
       (SELECT count(*) FROM board_rso_alerts a WHERE a.offender_ref = b.offender_ref) AS alerts
FROM board_rso b LEFT JOIN persons p USING (person_id)"""


def _offender_link(row: dict[str, Any]) -> str:
    return f"/boards/offenders/{row['offender_ref']}" if row.get("offender_ref") else ""


OFFENDERS = BoardSpec(
    key="offenders",
    title="Registered sex offenders",
    intro="Caseload per offender manager; notification periods (halved for those under 18 when convicted); ARMS "
    "assessments due; home visits planned against done; and alerts when an offender appears with a child.",
    levels_section="offenders",
    summary_table="board_rso",
    summary_sql="""SELECT count(*), count(*) FILTER (WHERE arms_status IN ('overdue', 'none')),
                          count(*) FILTER (WHERE visits_overdue > 0 OR visit_due_passed),
                          (SELECT count(DISTINCT offender_ref) FROM board_rso_alerts),
                          count(DISTINCT offender_manager),
                          count(*) FILTER (WHERE renotify_overdue)
                   FROM board_rso WHERE coalesce(status, 'active') = 'active'""",
    summary_labels=("Active offenders", "ARMS overdue or never done", "With a visit overdue",
                    "With an alert about a child", "Offender managers", "Re-notification overdue"),
    sections=(
        SectionSpec(
            "caseload", "Caseload per offender manager", "Active offenders each manager holds.", "board_rso",
            """SELECT offender_manager, count(*) AS offenders,
                      count(*) >= {policy:offenders.caseload_warning} AS at_warning,
                      count(*) FILTER (WHERE arms_priority IN ('high', 'very_high')) AS high_or_very_high,
                      sum(visits_overdue) AS visits_overdue,
                      count(*) FILTER (WHERE arms_status IN ('overdue', 'none')) AS arms_overdue
               FROM board_rso WHERE coalesce(status, 'active') = 'active'
               GROUP BY offender_manager ORDER BY offenders DESC {limit}""",
            (("offender_manager", "Offender manager"), ("offenders", "Offenders"),
             ("at_warning", "At or over the caseload level"),
             ("high_or_very_high", "High or very high"), ("visits_overdue", "Visits overdue"),
             ("arms_overdue", "ARMS overdue or none")),
        ),
        SectionSpec(
            "alerts", "Alerts: an offender with a child", "An offender on a record with a child, living where a child "
            "lives, or at whose address a child went missing (since registration).", "board_rso_alerts",
            """SELECT a.offender_ref, coalesce(p.display_name, a.person_id) AS name, a.kind, a.record_type,
                      a.record_ref, a.event_at, coalesce(c.display_name, a.child_id) AS child
               FROM board_rso_alerts a LEFT JOIN persons p ON p.person_id = a.person_id
               LEFT JOIN persons c ON c.person_id = a.child_id ORDER BY a.event_at DESC {limit}""",
            (("offender_ref", "Offender"), ("name", "Name"), ("kind", "Why"), ("record_type", "Record"),
             ("record_ref", "Reference"), ("event_at", "When"), ("child", "Child")),
            _offender_link,
        ),
        SectionSpec("visits", "Visits overdue", "Planned visits not done within the tolerance, or no visit as "
                    "often as the ARMS priority calls for.", "board_rso",
                    RSO_SELECT + " WHERE b.visits_overdue > 0 OR b.visit_due_passed"
                    " ORDER BY b.visits_overdue DESC, b.visit_due_on {limit}",
                    RSO_COLUMNS, _offender_link),
        SectionSpec("arms", "ARMS assessments overdue", "The next assessment's date has passed, or none is recorded.",
                    "board_rso", RSO_SELECT + " WHERE b.arms_status IN ('overdue', 'none') ORDER BY b.arms_next_due_on"
                    " {limit}", RSO_COLUMNS, _offender_link),
        SectionSpec("renotify", "Re-notification due", "Annual re-notification: overdue first, then the next due "
                    "(a year from the last notification, or from registration).", "board_rso",
                    RSO_SELECT + " WHERE coalesce(b.status, 'active') = 'active' ORDER BY b.renotify_due_on NULLS LAST"
                    " {limit}", RSO_COLUMNS, _offender_link),
        SectionSpec("all", "All offenders", "By notification end date.", "board_rso",
                    RSO_SELECT + " ORDER BY b.notification_ends_on NULLS LAST {limit}", RSO_COLUMNS, _offender_link),
    ),
)  # fmt: skip

BOARDS: dict[str, BoardSpec] = {b.key: b for b in (MISSING, CUSTODY, PPN, ONLINE, OFFENDERS)}
# The measures board name in monthly_measures for each board key.
MEASURE_BOARD = {"missing": "missing", "custody": "custody", "ppns": "ppn", "online": "online", "offenders": "rso"}


def display(value: Any) -> str:
    """A cell as the page shows it: London time, Yes/No, one decimal place, words for codes."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.astimezone(LONDON).strftime("%d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d %b %Y")
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value).replace("_", " ") if isinstance(value, str) and " " not in value else str(value)


def export_value(value: Any) -> str | int | float | None:
    """A cell as an export holds it: numbers as numbers, times as ISO 8601 in London time with the offset."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.astimezone(LONDON).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) or value is None:
        return value
    return str(value)


def query(
    snap: Snapshot, spec: SectionSpec, now: datetime, limit: int | None, bound: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], int] | None:
    """The section's rows (as dicts) and how many there are in all; None when the snapshot lacks its table.

    ``bound`` gives the section's named parameters (``spec.bound``), e.g. the episodes whose interview was recorded
    on the portal; one not given binds as empty."""
    params: list[Any] = [now] * spec.now_params + [(bound or {}).get(name, []) for name in spec.bound]
    if not snap.has(spec.table):
        return None
    # Policy numbers are read at query time, so the levels in force (use_levels_file) apply in every worker.
    template = policy.text(spec.sql)
    sql = template.format(limit="" if limit is None else f"LIMIT {int(limit)}")
    cursor = snap.con.cursor()
    try:
        result = cursor.execute(sql, params)
        names = [d[0] for d in result.description]
        rows = [dict(zip(names, r, strict=True)) for r in result.fetchall()]
        total = len(rows)
        if limit is not None and total >= limit:
            count_sql = f"SELECT count(*) FROM ({template.format(limit='')})"
            total = int(cursor.execute(count_sql, params).fetchall()[0][0])
        return rows, total
    finally:
        cursor.close()


def section(
    snap: Snapshot,
    spec: SectionSpec,
    now: datetime,
    extra: Callable[[dict[str, Any]], None] | None = None,
    bound: dict[str, Any] | None = None,
) -> Section:
    found = query(snap, spec, now, SHOWN, bound)
    intro = policy.text(spec.intro)
    if found is None:
        return Section(spec.key, policy.text(spec.title), intro, [h for _, h in spec.columns], [], [], 0, False)
    rows, total = found
    for row in rows:
        if extra:
            extra(row)
    return Section(
        spec.key, policy.text(spec.title), intro, [h for _, h in spec.columns],
        [[display(row.get(k)) for k, _ in spec.columns] for row in rows],
        [spec.link(row) if spec.link else "" for row in rows], total, True,
    )  # fmt: skip


def data_as_of(snap: Snapshot) -> datetime:
    """The snapshot's moment (the assessment's): "now" for every status and "the last 30/90 days" count."""
    return snap.moment


def summary(snap: Snapshot, board: BoardSpec, as_of: datetime) -> list[tuple[str, str]]:
    """The board's headline counts; windows ("90 days") end at the data's as-of moment."""
    if not board.summary_sql or not snap.has(board.summary_table):
        return []
    params = [as_of] * board.summary_sql.count("?")
    (row,) = snap.rows(board.summary_sql, params)
    return [(label, display(v if v is not None else 0)) for label, v in zip(board.summary_labels, row, strict=True)]


@dataclass(frozen=True)
class Trend:
    measure: str
    label: str
    months: list[date]
    values: list[float]
    unit: str  # "%" or "minutes" or "points"

    def series(self) -> list[Series]:
        return [Series(self.label, [round(v) for v in self.values])]


def trends(snap: Snapshot, board_key: str) -> list[Trend]:
    """The board's measures over the last 12 months that have data (percentages as 0-100)."""
    if not snap.has("monthly_measures"):
        return []
    rows = snap.rows(
        "SELECT measure, label, month, value, numerator IS NULL AS is_value FROM monthly_measures WHERE board = ?"
        " ORDER BY measure, month",
        [MEASURE_BOARD[board_key]],
    )
    if not rows:
        return []
    by: dict[str, dict[date, float]] = {}
    labels: dict[str, tuple[str, bool]] = {}
    for measure, label, month, value, is_value in rows:
        by.setdefault(measure, {})[month] = float(value) if value is not None else 0.0
        labels[measure] = (label, bool(is_value))
    found = []
    for measure, values in by.items():
        label, is_value = labels[measure]
        unit = ("minutes" if "minutes" in measure else "points") if is_value else "%"
        scale = 1.0 if is_value else 100.0
        # The last 12 months that have cases: a month with none is left out, not drawn as zero.
        months = sorted(values)[-MONTHS:]
        found.append(Trend(measure, label, months, [values[m] * scale for m in months], unit))
    return found


def levels_shown(board: BoardSpec) -> list[tuple[str, str]]:
    """The service levels in force for a board, as (setting, value) lines."""
    section_levels = load_levels()[board.levels_section]
    lines = []
    for key, value in section_levels.items():
        if key in ("groups", "decision_table", "empty_answers"):
            continue
        if isinstance(value, dict):
            text = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
        elif isinstance(value, list):
            text = ", ".join(str(v).replace("_", " ") for v in value)
        else:
            text = str(value).replace("_", " ")
        lines.append((key.replace("_", " "), text))
    return lines
