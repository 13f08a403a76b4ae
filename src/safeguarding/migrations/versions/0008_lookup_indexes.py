"""Indexes for what a child's page looks up: the shares of one child, the linkage decisions naming a mention.

Revision ID: 0008_lookup_indexes
Revises: 0007_philomena_photo
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0008_lookup_indexes"
down_revision: str | None = "0007_philomena_photo"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_case_shares_person", "case_shares", ["person_id"])
    op.create_index("ix_linkage_decisions_mention", "linkage_decisions", ["mention"])
    op.create_index("ix_linkage_decisions_other_mention", "linkage_decisions", ["other_mention"])


def downgrade() -> None:
    op.drop_index("ix_linkage_decisions_other_mention", table_name="linkage_decisions")
    op.drop_index("ix_linkage_decisions_mention", table_name="linkage_decisions")
    op.drop_index("ix_case_shares_person", table_name="case_shares")
