"""Gold Group actions (DOMAIN.md "inspection"): an action is complete only with evidence attached."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.workflow import evidence, recommendations
from safeguarding.workflow.reviews import WorkflowError

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _action(factory: sessionmaker[Session]) -> int:
    rec = recommendations.add_recommendation(
        factory, inspection="NCPI 2026", published_on=date(2026, 1, 10), reference="R1", text="Improve the hub",
        timescale="three_months", actor="gina",
    )  # fmt: skip
    return recommendations.add_action(
        factory, rec, text="Train hub staff", owner="DCI Hale", due_on=date(2026, 3, 1), rag="amber", actor="gina"
    )


def test_an_action_cannot_be_completed_without_evidence(factory: sessionmaker[Session], tmp_path: Path) -> None:
    action = _action(factory)
    with pytest.raises(WorkflowError, match="complete only with evidence attached"):
        recommendations.update_action(factory, action, owner="DCI Hale", due_on=date(2026, 3, 1), rag="complete",
                                      note="", actor="gina")  # fmt: skip
    assert recommendations.get_action(factory, action).rag == "amber"  # type: ignore[union-attr]
    evidence.store(factory, tmp_path, action, filename="register.pdf", content=PDF,
                   description="Training register", max_bytes=1 << 20, actor="gina")  # fmt: skip
    changed = recommendations.update_action(factory, action, owner="DCI Hale", due_on=date(2026, 3, 1),
                                            rag="complete", note="", actor="gina")  # fmt: skip
    assert changed == ["rag"]


def test_an_action_cannot_be_added_already_complete(factory: sessionmaker[Session]) -> None:
    rec = recommendations.add_recommendation(
        factory, inspection="NCPI 2026", published_on=date(2026, 1, 10), reference="R2", text="x",
        timescale="immediate", actor="gina",
    )  # fmt: skip
    with pytest.raises(WorkflowError, match="complete only with evidence"):
        recommendations.add_action(factory, rec, text="t", owner="o", due_on=date(2026, 2, 1), rag="complete",
                                   actor="gina")  # fmt: skip
