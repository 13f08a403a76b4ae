"""The demo's synthetic force is recent: its year of whole months ends at the start of the current month."""

from __future__ import annotations

from datetime import date

from safeguarding.cli import demo_start
from safeguarding.synth.clock import london_midnight, months


def test_demo_force_ends_at_the_start_of_this_month() -> None:
    start = demo_start(date(2026, 12, 8))
    assert start == date(2025, 12, 1)
    assert months(start, 12)[-1].end == london_midnight(date(2026, 12, 1))
    assert demo_start(date(2027, 1, 31)) == date(2026, 1, 1)
