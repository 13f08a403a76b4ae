"""Operational boards: missing-child actions, Philomena profiles, KIRAT-style gradings and outcomes, RSO visit
plans; a share of one record (a PPN) rather than a whole case.

Revision ID: 0004_boards
Revises: 0003_portal_workflow
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_boards"
down_revision: str | None = "0003_portal_workflow"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)
_PROFILE_TEXT = (
    "photo_reference", "description", "associates", "places", "phones", "social_media", "other_information",
)  # fmt: skip
_NEW_TABLES = ("offender_visit_plans", "online_outcomes", "online_gradings", "philomena_profiles", "missing_actions")


def upgrade() -> None:
    with op.batch_alter_table("case_shares") as batch:
        batch.add_column(sa.Column("record_type", sa.String(40), nullable=True))
        batch.add_column(sa.Column("record_ref", sa.String(200), nullable=True))
    op.create_table(
        "missing_actions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("episode_ref", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("happened_at", _TS, nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_missing_actions_person_id", "missing_actions", ["person_id"])
    op.create_index("ix_missing_actions_episode_ref", "missing_actions", ["episode_ref"])
    op.create_table(
        "philomena_profiles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("person_id", sa.String(200), nullable=False),
        *[sa.Column(name, sa.Text(), nullable=False) for name in _PROFILE_TEXT],
        sa.Column("carer", sa.String(200), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_philomena_profiles_person_id", "philomena_profiles", ["person_id"])
    op.create_table(
        "online_gradings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_ref", sa.String(200), nullable=False),
        sa.Column("referrer", sa.String(100), nullable=False),
        sa.Column("received_at", _TS, nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("previous_priority", sa.String(20), nullable=True),
        sa.Column("deadline_at", _TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("graded_by", sa.String(64), nullable=False),
        sa.Column("graded_at", _TS, nullable=False),
    )
    op.create_index("ix_online_gradings_referral_ref", "online_gradings", ["referral_ref"])
    op.create_table(
        "online_outcomes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("referral_ref", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("actioned_at", _TS, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_online_outcomes_referral_ref", "online_outcomes", ["referral_ref"])
    op.create_table(
        "offender_visit_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("offender_ref", sa.String(200), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("planned_by", sa.String(64), nullable=False),
        sa.Column("planned_at", _TS, nullable=False),
    )
    op.create_index("ix_offender_visit_plans_offender_ref", "offender_visit_plans", ["offender_ref"])


def downgrade() -> None:
    for table in _NEW_TABLES:
        op.drop_table(table)
    with op.batch_alter_table("case_shares") as batch:
        batch.drop_column("record_ref")
        batch.drop_column("record_type")
