"""Inspection milestones: the six-week action plan and the post-inspection review, per inspection (issue #24).

Revision ID: 0011_inspection_milestones_clock
Revises: 0010_audit_hmac_sec
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_inspection_milestones_clock"
down_revision: str | None = "0010_audit_hmac_sec"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "gold_inspection_milestones",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("inspection", sa.String(200), nullable=False, unique=True),
        sa.Column("plan_submitted_on", sa.Date(), nullable=True),
        sa.Column("review_due_on", sa.Date(), nullable=True),
        sa.Column("review_held_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("gold_inspection_milestones")
