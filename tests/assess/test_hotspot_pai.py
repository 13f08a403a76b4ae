"""The Prediction Accuracy Index of the hotspots, on constructed cases where it is known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import h3

from safeguarding.assess.hotspots import pai
from safeguarding.assess.places import split_pai

CUT = datetime(2024, 6, 1, tzinfo=UTC)


def test_pai_is_hit_rate_over_area_share() -> None:
    area = {f"c{i}" for i in range(10)}
    later = {"c0": 6.0, "c1": 2.0, "c5": 1.0, "c9": 1.0}
    result = pai({"c0", "c1"}, later, area)
    # 8 of 10 later events in 2 of 10 cells: (8 / 10) / (2 / 10) = 4.
    assert result["hit_rate"] == 0.8 and result["area_share"] == 0.2 and result["pai"] == 4.0
    assert pai(set(area), later, area)["pai"] == 1.0  # the whole area is no better than chance
    assert pai(set(), later, area)["pai"] is None and pai({"c0"}, {}, area)["pai"] is None


def test_hotspot_found_before_the_cut_is_scored_on_events_after_it() -> None:
    centre = h3.latlng_to_cell(50.72, -1.88, 8)  # Bournemouth
    area = set(h3.grid_disk(centre, 3))  # 37 cells
    quiet = sorted(area - set(h3.grid_disk(centre, 1)))
    before = [(centre, CUT - timedelta(days=d)) for d in range(1, 21)]  # 20 events in the centre,
    before += [(c, CUT - timedelta(days=d)) for c in h3.grid_disk(centre, 1) if c != centre for d in (2, 3, 4)]
    before += [(c, CUT - timedelta(days=30)) for c in quiet[:10]]  # 3 in each cell around it, 1 in ten far cells
    # After the cut: 6 of 10 events in the centre; a burst in a far cell that was quiet before does not make
    # it a hotspot (the hotspots are found from events before the cut only).
    after = [(centre, CUT + timedelta(days=d)) for d in range(1, 7)]
    after += [(quiet[-1], CUT + timedelta(days=d)) for d in range(1, 5)]
    result = split_pai(before + after, area, CUT, z_min=2.58, n_min=5)
    assert result["hotspot_cells"] == 1 and result["area_cells"] == 37
    assert result["events_before"] == 48 and result["later_events"] == 10
    assert result["hit_rate"] == 0.6
    assert result["pai"] == round(0.6 * 37, 2)  # 22.2
    assert result["pai_busiest_cells"] == result["pai"]  # the busiest cell before the cut is the same one
