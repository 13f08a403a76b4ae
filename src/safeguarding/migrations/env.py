"""Alembic environment: configured in code by safeguarding.db.upgrade, which passes a live connection."""

from __future__ import annotations

from alembic import context

# Importing the models registers their tables on Base.metadata.
import safeguarding.security.models
import safeguarding.workflow.audits
import safeguarding.workflow.board_models
import safeguarding.workflow.inspections
import safeguarding.workflow.linkage_decisions
import safeguarding.workflow.models
import safeguarding.workflow.panels
import safeguarding.workflow.problem_solving
import safeguarding.workflow.recommendations
import safeguarding.workflow.record_reviews  # noqa: F401
from safeguarding.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through safeguarding.db.upgrade(url), which supplies a connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
