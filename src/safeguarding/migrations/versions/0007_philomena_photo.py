"""Philomena profile photographs: the stored file's random name and checked media type on each version.

Revision ID: 0007_philomena_photo
Revises: 0005_governance
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_philomena_photo"
down_revision: str | None = "0005_governance"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("philomena_profiles") as batch:
        batch.add_column(sa.Column("photo_stored_name", sa.String(64), nullable=True))
        batch.add_column(sa.Column("photo_media_type", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("philomena_profiles") as batch:
        batch.drop_column("photo_media_type")
        batch.drop_column("photo_stored_name")
