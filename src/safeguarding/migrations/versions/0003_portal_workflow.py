"""Portal workflow: assignments, reviews, challenges, reasons for access, shares; TOTP, agencies,
second-factor sessions and API tokens.

Revision ID: 0003_portal_workflow
Revises: 0002_linkage_decisions
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_portal_workflow"
down_revision: str | None = "0002_linkage_decisions"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("agency", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_secret", sa.String(64), nullable=True))
        batch.add_column(sa.Column("totp_enabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("login_sessions") as batch:
        batch.add_column(sa.Column("second_factor_pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_table(
        "alert_assignments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("assigned_to", sa.String(64), nullable=True),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("assigned_at", _TS, nullable=False),
    )
    op.create_index("ix_alert_assignments_alert_id", "alert_assignments", ["alert_id"])
    op.create_index("ix_alert_assignments_person_id", "alert_assignments", ["person_id"])
    op.create_index("ix_alert_assignments_assigned_to", "alert_assignments", ["assigned_to"])
    op.create_table(
        "alert_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("alert_id", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(64), nullable=False),
        sa.Column("reviewed_at", _TS, nullable=False),
    )
    op.create_index("ix_alert_reviews_alert_id", "alert_reviews", ["alert_id"])
    op.create_index("ix_alert_reviews_person_id", "alert_reviews", ["person_id"])
    op.create_table(
        "indicator_challenges",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("indicator_id", sa.String(200), nullable=False),
        sa.Column("rule_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("challenged_by", sa.String(64), nullable=False),
        sa.Column("challenged_at", _TS, nullable=False),
    )
    op.create_index("ix_indicator_challenges_person_id", "indicator_challenges", ["person_id"])
    op.create_table(
        "access_reasons",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("given_at", _TS, nullable=False),
    )
    op.create_index("ix_access_reasons_user_person", "access_reasons", ["username", "person_id"])
    op.create_table(
        "case_shares",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("shared_by", sa.String(64), nullable=False),
        sa.Column("shared_at", _TS, nullable=False),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
    )
    op.create_index("ix_case_shares_agency_person", "case_shares", ["agency", "person_id"])


def downgrade() -> None:
    for table in ("case_shares", "access_reasons", "indicator_challenges", "alert_reviews", "alert_assignments"):
        op.drop_table(table)
    op.drop_table("api_tokens")
    with op.batch_alter_table("login_sessions") as batch:
        batch.drop_column("second_factor_pending")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_enabled")
        batch.drop_column("totp_secret")
        batch.drop_column("agency")
