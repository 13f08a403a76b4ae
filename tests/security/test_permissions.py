from __future__ import annotations

import re
from pathlib import Path

import pytest

from safeguarding.security.permissions import (
    ROLE_PERMISSIONS,
    Permission,
    Role,
    UnknownRoleError,
    has_permission,
    parse_role,
    permissions_for,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"


def test_every_role_is_in_the_table() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_deny_by_default() -> None:
    assert permissions_for([]) == frozenset()
    assert permissions_for(["no-such-role"]) == frozenset()
    assert not has_permission(["partner"], Permission.VIEW_PEOPLE)


def test_roles_combine() -> None:
    assert not has_permission(["administrator"], Permission.VIEW_PEOPLE)
    assert has_permission(["administrator", "analyst"], Permission.VIEW_PEOPLE)
    assert has_permission(["administrator", "analyst"], Permission.VIEW_AUDIT_LOG)


def test_parse_role_forgives_case_and_hyphens() -> None:
    assert parse_role("Safeguarding-Officer") is Role.SAFEGUARDING_OFFICER
    with pytest.raises(UnknownRoleError, match="known roles"):
        parse_role("superuser")


def test_docs_table_matches_the_code() -> None:
    """docs/security.md shows the permission table; it must say what the code grants."""
    text = DOCS.read_text(encoding="utf-8")
    documented: dict[str, set[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|(.*)\|\s*$", line)
        if match and match.group(1) in {r.value for r in Role}:
            # A role may appear in several tables (one per area); its permissions are their union.
            documented.setdefault(match.group(1), set()).update(re.findall(r"`([a-z_]+:[a-z_]+)`", match.group(2)))
    assert documented == {role.value: {p.value for p in perms} for role, perms in ROLE_PERMISSIONS.items()}
