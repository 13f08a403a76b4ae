"""Governance: case audits, scrutiny panels (and panel-scoped shares), Gold Group recommendations with
evidence and change history, problem-solving plans.

Revision ID: 0005_governance
Revises: 0006_totp_replay
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_governance"
down_revision: str | None = "0006_totp_replay"
branch_labels: str | None = None
depends_on: str | None = None

_TS = sa.DateTime(timezone=True)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "case_audits",
        _id(),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("case_type", sa.String(20), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=True),
        sa.Column("drawn_by", sa.String(64), nullable=False),
        sa.Column("drawn_at", _TS, nullable=False),
        sa.Column("officer", sa.String(64), nullable=True),
        sa.Column("team", sa.String(100), nullable=True),
        *[sa.Column(area, sa.String(30), nullable=True) for area in
          ("leadership", "partnership", "initial_response", "risk_assessment", "investigation", "overall")],
        sa.Column("voice_captured", sa.Boolean(), nullable=True),
        sa.Column("voice_where", sa.Text(), nullable=True),
        sa.Column("feedback", sa.Text(), nullable=True),
        sa.Column("completed_by", sa.String(64), nullable=True),
        sa.Column("completed_at", _TS, nullable=True),
    )  # fmt: skip
    op.create_index("ix_case_audits_week_start", "case_audits", ["week_start"])
    op.create_index("ix_case_audits_officer", "case_audits", ["officer"])

    op.create_table(
        "scrutiny_panels",
        _id(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("meeting_on", sa.Date(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("learning_summary", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "scrutiny_panel_cases",
        _id(),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("scrutiny_panels.id"), nullable=False),
        sa.Column("case_type", sa.String(20), nullable=False),
        sa.Column("case_ref", sa.String(200), nullable=False),
        sa.Column("person_id", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", _TS, nullable=False),
    )
    op.create_index("ix_scrutiny_panel_cases_panel_id", "scrutiny_panel_cases", ["panel_id"])
    op.create_table(
        "scrutiny_panel_members",
        _id(),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("scrutiny_panels.id"), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("invited_by", sa.String(64), nullable=False),
        sa.Column("invited_at", _TS, nullable=False),
    )
    op.create_index("ix_scrutiny_panel_members_panel_id", "scrutiny_panel_members", ["panel_id"])
    op.create_table(
        "scrutiny_panel_items",
        _id(),
        sa.Column("panel_id", sa.Integer(), sa.ForeignKey("scrutiny_panels.id"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
    )
    op.create_index("ix_scrutiny_panel_items_panel_id", "scrutiny_panel_items", ["panel_id"])
    with op.batch_alter_table("case_shares") as batch:
        batch.add_column(sa.Column("panel_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("username", sa.String(64), nullable=True))
        batch.add_column(sa.Column("valid_from", _TS, nullable=True))
        batch.add_column(sa.Column("expires_at", _TS, nullable=True))
        batch.create_index("ix_case_shares_panel_id", ["panel_id"])

    op.create_table(
        "gold_recommendations",
        _id(),
        sa.Column("inspection", sa.String(200), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(50), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("timescale", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "gold_actions",
        _id(),
        sa.Column("recommendation_id", sa.Integer(), sa.ForeignKey("gold_recommendations.id"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("rag", sa.String(10), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_index("ix_gold_actions_recommendation_id", "gold_actions", ["recommendation_id"])
    op.create_table(
        "gold_evidence",
        _id(),
        sa.Column("action_id", sa.Integer(), sa.ForeignKey("gold_actions.id"), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("stored_name", sa.String(100), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", _TS, nullable=False),
    )
    op.create_index("ix_gold_evidence_action_id", "gold_evidence", ["action_id"])
    op.create_table(
        "gold_changes",
        _id(),
        sa.Column("recommendation_id", sa.Integer(), sa.ForeignKey("gold_recommendations.id"), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(64), nullable=False),
        sa.Column("changed_at", _TS, nullable=False),
    )
    op.create_index("ix_gold_changes_recommendation_id", "gold_changes", ["recommendation_id"])
    op.create_index("ix_gold_changes_changed_at", "gold_changes", ["changed_at"])
    op.create_table(
        "gold_meetings",
        _id(),
        sa.Column("held_at", _TS, nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
    )

    op.create_table(
        "problem_plans",
        _id(),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("subject_type", sa.String(10), nullable=False),
        sa.Column("subject_ref", sa.String(200), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    tables: tuple[tuple[str, list[sa.Column[object]]], ...] = (
        ("problem_links", [sa.Column("kind", sa.String(10), nullable=False),
                           sa.Column("ref", sa.String(200), nullable=False),
                           sa.Column("added_by", sa.String(64), nullable=False),
                           sa.Column("added_at", _TS, nullable=False)]),
        ("problem_interventions", [sa.Column("text", sa.Text(), nullable=False),
                                   sa.Column("owner", sa.String(100), nullable=False),
                                   sa.Column("started_on", sa.Date(), nullable=False),
                                   sa.Column("recorded_by", sa.String(64), nullable=False),
                                   sa.Column("recorded_at", _TS, nullable=False)]),
        ("problem_stage_changes", [sa.Column("stage", sa.String(20), nullable=False),
                                   sa.Column("note", sa.Text(), nullable=False),
                                   sa.Column("changed_by", sa.String(64), nullable=False),
                                   sa.Column("changed_at", _TS, nullable=False)]),
    )  # fmt: skip
    for table, columns in tables:
        op.create_table(
            table,
            _id(),
            sa.Column("plan_id", sa.Integer(), sa.ForeignKey("problem_plans.id"), nullable=False),
            *columns,
        )
        op.create_index(f"ix_{table}_plan_id", table, ["plan_id"])


def downgrade() -> None:
    for table in ("problem_stage_changes", "problem_interventions", "problem_links", "problem_plans",
                  "gold_meetings", "gold_changes", "gold_evidence", "gold_actions", "gold_recommendations",
                  "scrutiny_panel_items", "scrutiny_panel_members", "scrutiny_panel_cases", "scrutiny_panels",
                  "case_audits"):  # fmt: skip
        op.drop_table(table)
    with op.batch_alter_table("case_shares") as batch:
        batch.drop_index("ix_case_shares_panel_id")
        batch.drop_column("expires_at")
        batch.drop_column("valid_from")
        batch.drop_column("username")
        batch.drop_column("panel_id")
