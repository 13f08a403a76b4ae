from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from safeguarding.workflow import linkage_decisions as ld


def test_decisions_about_finds_either_side_of_a_merge_and_skips_withdrawn(factory: sessionmaker[Session]) -> None:
    merge = ld.record_decision(
        factory, kind="merge", mention="niche:A", other_mention="compact:B", reason="same child", actor="analyst"
    )
    split = ld.record_decision(factory, kind="split", mention="niche:C", other_mention=None, reason="twin", actor="a")
    gone = ld.record_decision(factory, kind="split", mention="niche:D", other_mention=None, reason="wrong", actor="a")
    ld.revoke_decision(factory, gone.id, actor="a", reason="mistaken")
    assert [d.id for d in ld.decisions_about(factory, ["compact:B"])] == [merge.id]
    assert [d.id for d in ld.decisions_about(factory, ["niche:C", "niche:A"])] == [merge.id, split.id]
    assert ld.decisions_about(factory, ["niche:D"]) == []
    assert ld.decisions_about(factory, ["niche:Z"]) == []
    assert ld.decisions_about(factory, []) == []
