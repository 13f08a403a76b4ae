"""Users, passwords, sessions, roles and permissions, CSRF, and the hash-chained audit log."""

from safeguarding.security.cli import audit_app, create_admin_with_one_time_password, db_app, users_app
from safeguarding.security.permissions import Permission, Role

__all__ = ["Permission", "Role", "audit_app", "create_admin_with_one_time_password", "db_app", "users_app"]
