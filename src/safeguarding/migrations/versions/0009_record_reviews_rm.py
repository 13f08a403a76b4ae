"""MoPI review decisions on records (records management, issue #28).

Revision ID: 0009_record_reviews_rm
Revises: 0008_lookup_indexes
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_record_reviews_rm"
down_revision: str | None = "0008_lookup_indexes"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "record_review_decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_type", sa.String(40), nullable=False),
        sa.Column("source_system", sa.String(40), nullable=False),
        sa.Column("record_ref", sa.String(200), nullable=False),
        sa.Column("group_id", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("next_review_on", sa.Date, nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", _TS, nullable=False),
        sa.Column("erasure_id", sa.String(64), nullable=True),
        sa.Column("carried_out_at", _TS, nullable=True),
    )
    op.create_index(
        "ix_record_review_decisions_record", "record_review_decisions", ["record_type", "source_system", "record_ref"]
    )


def downgrade() -> None:
    op.drop_index("ix_record_review_decisions_record", table_name="record_review_decisions")
    op.drop_table("record_review_decisions")
