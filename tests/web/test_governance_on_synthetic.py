"""Governance on the synthetic force: the audit sample and a problem-solving plan's before-and-after
measures, computed from a snapshot the real pipeline built (tiny scale, seed 7)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from safeguarding.config import Settings
from safeguarding.web.data import cases, governance
from safeguarding.web.data.reader import SnapshotReader
from safeguarding.workflow import audits

LONDON = ZoneInfo("Europe/London")

pytestmark = pytest.mark.slow


def test_sample_and_before_after_on_the_synthetic_force(pipeline_settings: Settings) -> None:
    reader = SnapshotReader(pipeline_settings.snapshot_dir)
    try:
        snap = reader.get()
        types = cases.available_types(snap)
        assert {"missing", "exploitation"} <= set(types)
        found = cases.list_cases(snap, limit=100_000)
        (episodes,) = snap.rows("SELECT count(*) FROM missing_episodes")[0:1]
        assert sum(1 for c in found if c.case_type == "missing") == episodes[0]
        pool = [audits.Candidate(c.case_type, c.case_ref, c.person_id) for c in found]
        by_type = Counter(c.case_type for c in pool)
        sample = audits.draw_sample(pool, 10, stratified=True, seed=1)
        drawn = Counter(c.case_type for c in sample)
        assert len(sample) == 10 and len(set(sample)) == 10
        # As even as the pool allows: a type is short of the largest share only when it ran out.
        top = max(drawn.values())
        assert all(drawn[t] >= top - 1 or drawn[t] == by_type[t] for t in by_type)

        places, _groups = governance.plan_subjects(snap)
        assert places, "the synthetic force has places of concern"
        ref = places[0][0]
        (first, last) = snap.rows(
            "SELECT min(event_at), max(event_at) FROM place_events WHERE location_ref = ?", [ref]
        )[0]
        middle = first + (last - first) / 2
        start = date(middle.year, middle.month, 1)
        measures = governance.before_after(snap, started_on=start, places=[ref], children=[], until=last)
        # The same counts straight from the events, period by period (each record once), for each kind measured.
        events = snap.rows(
            "SELECT DISTINCT event_at, kind, record_type, record_ref FROM place_events WHERE location_ref = ?", [ref]
        )
        labels = {
            "Children reported missing from the linked places": lambda k: k == "missing_from",
            "Missing children found at the linked places": lambda k: k == "found",
            "Other child-related events at the linked places": lambda k: k not in ("missing_from", "found"),
        }
        assert {m.name for m in measures} == set(labels)
        for m in measures:
            # The plan starts on the 1st, so each period is a London calendar month.
            expected = Counter(
                (at.astimezone(LONDON).year, at.astimezone(LONDON).month)
                for at, kind, _t, _r in events if at is not None and labels[m.name](kind)
            )  # fmt: skip
            assert m.values == [expected.get((p.year, p.month), 0) for p in m.months], m.name
            assert len(m.before) == 6 and m.after
            # Only periods that ended by the data's end count as "after".
            assert all(governance._london(p) + timedelta(days=28) <= last for p in m.months)
        assert sum(sum(m.values) for m in measures) > 0
    finally:
        reader.close()
