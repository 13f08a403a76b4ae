"""Roles, permissions and the one table that joins them. Anything not granted here is denied.

The table is data, not code scattered through routes: docs/security.md reproduces it and a test keeps
the two in step. Record-level rules sit on top of it: a partner's ``shared:view`` reaches only the
cases shared with their agency (workflow/sharing.py), and opening a child who is not in your queue
needs a recorded reason (workflow/access.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Role(StrEnum):
    ANALYST = "analyst"
    SAFEGUARDING_OFFICER = "safeguarding_officer"
    SUPERVISOR = "supervisor"
    CUSTODY_OFFICER = "custody_officer"
    OFFENDER_MANAGER = "offender_manager"
    ONLINE_INVESTIGATOR = "online_investigator"
    AUDITOR = "auditor"
    PARTNER = "partner"
    GOLD_GROUP = "gold_group"
    ADMINISTRATOR = "administrator"
    RECORDS_MANAGER = "records_manager"


class Permission(StrEnum):
    """What a route needs. Names are ``area:verb``; docs/security.md lists what each allows."""

    VIEW_DASHBOARD = "dashboard:view"
    VIEW_ALERTS = "alerts:view"
    REVIEW_ALERTS = "alerts:review"
    ASSIGN_ALERTS = "alerts:assign"
    SEARCH_PEOPLE = "people:search"
    VIEW_PEOPLE = "people:view"
    LINK_PEOPLE = "people:link"
    CHALLENGE_INDICATORS = "indicators:challenge"
    SHARE_CASES = "cases:share"
    VIEW_SHARED_CASES = "shared:view"
    VIEW_NETWORK = "network:view"
    VIEW_PLACES = "places:view"
    EXPORT_RECORDS = "records:export"
    VIEW_LOADS = "loads:view"
    MANAGE_USERS = "users:manage"
    VIEW_AUDIT_LOG = "audit:view"
    # The operational boards (issue #8).
    VIEW_MISSING_BOARD = "missing:view"
    RECORD_MISSING = "missing:record"
    VIEW_CUSTODY_BOARD = "custody:view"
    VIEW_PPN_BOARD = "ppns:view"
    SHARE_PPNS = "ppns:share"
    VIEW_ONLINE_BOARD = "online:view"
    GRADE_ONLINE = "online:grade"
    VIEW_OFFENDER_BOARD = "offenders:view"
    PLAN_VISITS = "offenders:plan"
    VIEW_CASE_AUDITS = "audits:view"
    CONDUCT_CASE_AUDITS = "audits:conduct"
    VIEW_PANELS = "panels:view"
    MANAGE_PANELS = "panels:manage"
    VIEW_RECOMMENDATIONS = "recommendations:view"
    MANAGE_RECOMMENDATIONS = "recommendations:manage"
    VIEW_PROBLEMS = "problems:view"
    MANAGE_PROBLEMS = "problems:manage"
    VIEW_OUTCOMES = "outcomes:view"
    # Records management (issue #28): MoPI reviews and subject access.
    REVIEW_RECORDS = "retention:review"
    SUBJECT_ACCESS = "subject_access:disclose"


P = Permission

# Everyone who works cases: see the queue, search, open a child (with a reason when not theirs),
# look at networks and places, and challenge an indicator they think is wrong.
_CASEWORK = frozenset(
    {
        P.VIEW_DASHBOARD,
        P.VIEW_ALERTS,
        P.REVIEW_ALERTS,
        P.SEARCH_PEOPLE,
        P.VIEW_PEOPLE,
        P.CHALLENGE_INDICATORS,
        P.VIEW_NETWORK,
        P.VIEW_PLACES,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    # Analysts also decide who is who (merge/split) and export what they analyse.
    Role.ANALYST: _CASEWORK | {P.LINK_PEOPLE, P.EXPORT_RECORDS},
    # Safeguarding officers make referrals, which is when a case is shared with a partner agency.
    Role.SAFEGUARDING_OFFICER: _CASEWORK | {P.SHARE_CASES},
    # Supervisors hand out the work and may correct identities and share as well.
    Role.SUPERVISOR: _CASEWORK | {P.ASSIGN_ALERTS, P.LINK_PEOPLE, P.SHARE_CASES, P.EXPORT_RECORDS},
    Role.CUSTODY_OFFICER: _CASEWORK,
    Role.OFFENDER_MANAGER: _CASEWORK,
    Role.ONLINE_INVESTIGATOR: _CASEWORK,
    # Auditors check practice: they read what was done and the log of who looked, but decide nothing.
    Role.AUDITOR: frozenset(
        {P.VIEW_DASHBOARD, P.VIEW_ALERTS, P.SEARCH_PEOPLE, P.VIEW_PEOPLE, P.VIEW_NETWORK, P.VIEW_PLACES}
    )
    | {P.VIEW_AUDIT_LOG},
    # A partner agency sees only the cases shared with it (checked per record), nothing else.
    Role.PARTNER: frozenset({P.VIEW_SHARED_CASES}),
    # The gold group oversees performance: counts and trends, never a named child.
    Role.GOLD_GROUP: frozenset({P.VIEW_DASHBOARD}),
    # Running the system is not a reason to read children's records: an administrator who needs to
    # must also hold an operational role.
    Role.ADMINISTRATOR: frozenset({P.VIEW_DASHBOARD, P.VIEW_LOADS, P.MANAGE_USERS, P.VIEW_AUDIT_LOG}),
}

# The operational boards (issue #8): each team sees and works its own board (and exports it, audited);
# supervisors see and work them all; auditors read them. Partners see a shared PPN through shared:view.
_BOARDS: dict[Role, frozenset[Permission]] = {
    Role.SAFEGUARDING_OFFICER: frozenset({P.VIEW_MISSING_BOARD, P.RECORD_MISSING, P.VIEW_PPN_BOARD, P.SHARE_PPNS}),
    Role.SUPERVISOR: frozenset(
        {
            P.VIEW_MISSING_BOARD,
            P.RECORD_MISSING,
            P.VIEW_CUSTODY_BOARD,
            P.VIEW_PPN_BOARD,
            P.SHARE_PPNS,
            P.VIEW_ONLINE_BOARD,
            P.GRADE_ONLINE,
            P.VIEW_OFFENDER_BOARD,
            P.PLAN_VISITS,
        }
    ),
    Role.CUSTODY_OFFICER: frozenset({P.VIEW_CUSTODY_BOARD}),
    Role.OFFENDER_MANAGER: frozenset({P.VIEW_OFFENDER_BOARD, P.PLAN_VISITS}),
    Role.ONLINE_INVESTIGATOR: frozenset({P.VIEW_ONLINE_BOARD, P.GRADE_ONLINE}),
    Role.AUDITOR: frozenset(
        {P.VIEW_MISSING_BOARD, P.VIEW_CUSTODY_BOARD, P.VIEW_PPN_BOARD, P.VIEW_ONLINE_BOARD, P.VIEW_OFFENDER_BOARD}
    ),
}
for _role, _granted in _BOARDS.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _granted
# Quality assurance and governance (issue #9). Auditors draw and grade case audits; supervisors read
# them. Scrutiny panels are run by auditors and supervisors; a partner's panels:view reaches only the
# panels they were invited to (workflow/panels.py), and the cases only through panel-scoped shares.
# The gold group tracks inspection recommendations and reads the outcomes page (aggregates, no child).
# Problem-solving plans name children and places, so they sit with analysts and supervisors.
_GOVERNANCE: dict[Role, frozenset[Permission]] = {
    Role.AUDITOR: frozenset(
        {
            P.VIEW_CASE_AUDITS,
            P.CONDUCT_CASE_AUDITS,
            P.VIEW_PANELS,
            P.MANAGE_PANELS,
            P.VIEW_RECOMMENDATIONS,
            P.VIEW_PROBLEMS,
            P.VIEW_OUTCOMES,
        }
    ),
    Role.SUPERVISOR: frozenset(
        {
            P.VIEW_CASE_AUDITS,
            P.VIEW_PANELS,
            P.MANAGE_PANELS,
            P.VIEW_RECOMMENDATIONS,
            P.VIEW_PROBLEMS,
            P.MANAGE_PROBLEMS,
            P.VIEW_OUTCOMES,
        }
    ),
    Role.ANALYST: frozenset({P.VIEW_PROBLEMS, P.MANAGE_PROBLEMS}),
    Role.PARTNER: frozenset({P.VIEW_PANELS}),
    Role.GOLD_GROUP: frozenset({P.VIEW_RECOMMENDATIONS, P.MANAGE_RECOMMENDATIONS, P.VIEW_OUTCOMES}),
}
for _role, _extra in _GOVERNANCE.items():
    ROLE_PERMISSIONS[_role] = ROLE_PERMISSIONS[_role] | _extra
# Records management (DPA 2018 Part 3, MoPI; issue #28): the records manager reviews records as they
# fall due (retain with a reason and next date, or dispose) and answers subject access requests. The
# role reads records only for that purpose: it holds no casework permission.
ROLE_PERMISSIONS[Role.RECORDS_MANAGER] = frozenset({P.REVIEW_RECORDS, P.SUBJECT_ACCESS})


class UnknownRoleError(ValueError):
    """A role name that is not in the Role list."""


def parse_role(name: str) -> Role:
    """The Role called ``name``; hyphens and case are forgiven (``Safeguarding-Officer``)."""
    try:
        return Role(name.strip().lower().replace("-", "_"))
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise UnknownRoleError(f"unknown role {name!r} (known roles: {known})") from None


def permissions_for(roles: Iterable[str]) -> frozenset[Permission]:
    """Every permission the given roles grant together; unknown role names grant nothing."""
    granted: set[Permission] = set()
    for name in roles:
        try:
            granted |= ROLE_PERMISSIONS[Role(name)]
        except ValueError:
            continue
    return frozenset(granted)


def has_permission(roles: Iterable[str], permission: Permission) -> bool:
    return permission in permissions_for(roles)
