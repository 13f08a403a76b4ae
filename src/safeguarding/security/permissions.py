"""Roles, permissions and the one table that joins them. Anything not granted here is denied.

The table is data, not code scattered through routes: docs/security.md reproduces it and a test keeps
the two in step. Partners (other agencies) get nothing until record-level sharing exists, because
DESIGN.md requires that a partner sees only what was shared with their agency.
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


class Permission(StrEnum):
    VIEW_ALERTS = "alerts:view"
    VIEW_PEOPLE = "people:view"
    VIEW_AUDIT_LOG = "audit:view"


_OPERATIONAL = frozenset({Permission.VIEW_ALERTS, Permission.VIEW_PEOPLE})

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ANALYST: _OPERATIONAL,
    Role.SAFEGUARDING_OFFICER: _OPERATIONAL,
    Role.SUPERVISOR: _OPERATIONAL,
    Role.CUSTODY_OFFICER: _OPERATIONAL,
    Role.OFFENDER_MANAGER: _OPERATIONAL,
    Role.ONLINE_INVESTIGATOR: _OPERATIONAL,
    # Auditors check practice, so they read the records being audited as well as the log.
    Role.AUDITOR: _OPERATIONAL | {Permission.VIEW_AUDIT_LOG},
    Role.PARTNER: frozenset(),
    Role.GOLD_GROUP: _OPERATIONAL,
    # Running the system is not a reason to read children's records: an administrator who needs to
    # must also hold an operational role.
    Role.ADMINISTRATOR: frozenset({Permission.VIEW_AUDIT_LOG}),
}


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
