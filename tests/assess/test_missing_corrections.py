"""Missing-children corrections (issue #24): an interview with no return is flagged and the child stays
missing; a negation cue cancels only the phrase it governs."""

from __future__ import annotations

from datetime import UTC, datetime

from minilake import MiniLake, day

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare


def test_an_interview_with_no_return_leaves_the_child_missing_and_is_flagged() -> None:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", day(0), risk_grade="medium", rhi_done_at=day(1))
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, datetime(2025, 1, 1, tzinfo=UTC))
    is_open, status = lake.con.execute("SELECT is_open, rhi_status FROM board_missing").fetchall()[0]
    assert is_open is True and status == "interview_without_return"


def _blaming(narratives: dict[str, str]) -> set[str]:
    """Children whose episode the missing board lists for victim-blaming language."""
    lake = MiniLake()
    for ref, text in narratives.items():
        lake.person(ref)
        lake.missing("E-" + ref, ref, day(0), narrative=text)
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, datetime(2025, 1, 1, tzinfo=UTC))
    rows = lake.con.execute("SELECT person_id FROM board_missing WHERE blaming_phrases IS NOT NULL").fetchall()
    return {r[0] for r in rows}


def test_a_negation_earlier_in_the_sentence_does_not_cancel_a_later_phrase() -> None:
    fired = _blaming(
        {
            "C1": "Jo did not come home ... missing through choice.",
            "C2": "Jo has not returned, she is missing through choice",
            "C3": "Jo is not missing through choice.",
            "C4": "Never deliberately missing according to staff.",
        }
    )
    assert fired == {"P-C1", "P-C2"}


def test_risk_phrases_keep_their_negations() -> None:
    lake = MiniLake()
    for ref in ("C1", "C2", "C3"):
        lake.person(ref)
    lake.missing("E1", "C1", day(0), narrative="Denies being with any older males.")
    lake.missing("E2", "C2", day(0), narrative="No evidence of sexual exploitation.")
    lake.missing("E3", "C3", day(0), narrative="Did not say where she was, but was seen with older males.")
    lake.assess()
    assert lake.fired("cse_phrases") == {"P-C3"}
