"""Analysts' merge and split decisions about person mentions.

Revision ID: 0002_linkage_decisions
Revises: 0001_security
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_linkage_decisions"
down_revision: str | None = "0001_security"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "linkage_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("mention", sa.String(200), nullable=False),
        sa.Column("other_mention", sa.String(200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("revoked_by", sa.String(64), nullable=True),
        sa.Column("revoked_at", _TS, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("linkage_decisions")
