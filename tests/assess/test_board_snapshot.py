"""The boards' clocks on the synthetic county: the published snapshot of the tiny force after the whole
pipeline has every board table filled, and monthly_measures agrees with a recount from the board tables."""

from __future__ import annotations

import duckdb
import pytest

from safeguarding.assess import clocks
from safeguarding.config import Settings
from safeguarding.snapshot import store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def snap(pipeline_settings: Settings) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(store.current(pipeline_settings.snapshot_dir).path), read_only=True)


def test_every_board_table_is_filled(snap: duckdb.DuckDBPyConnection) -> None:
    for table in clocks.BOARD_TABLES:
        assert snap.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0] > 0, table


def test_the_synthetic_force_has_late_and_on_time_clocks(snap: duckdb.DuckDBPyConnection) -> None:
    # The generator plants late ratifications, late interviews and late shares (synth rates): both kinds show.
    for table, column in (("board_missing", "ratify_status"), ("board_missing", "rhi_status"),
                          ("board_ppn", "share_status")):  # fmt: skip
        statuses = {r[0] for r in snap.execute(f"SELECT DISTINCT {column} FROM {table}").fetchall()}
        assert {"on_time", "late"} <= statuses or {"done_in_time", "done_late"} <= statuses, (table, column)


def test_measures_agree_with_a_recount(snap: duckdb.DuckDBPyConnection) -> None:
    measured = snap.execute(
        "SELECT sum(numerator), sum(denominator) FROM monthly_measures WHERE measure = 'rhi_within_72h'"
    ).fetchall()[0]
    recount = snap.execute(
        """SELECT count(*) FILTER (WHERE rhi_status = 'done_in_time'), count(*) FROM board_missing
           WHERE is_child AND found_at IS NOT NULL AND rhi_status <> 'due'"""
    ).fetchall()[0]
    assert measured == recount and recount[1] > 0
    required = {("missing", "rhi_within_72h"), ("missing", "repeat_missing_rate"), ("custody", "aa_median_minutes"),
                ("ppn", "mean_quality"), ("ppn", "shared_within_sla"), ("online", "actioned_by_deadline")}  # fmt: skip
    have = set(snap.execute("SELECT DISTINCT board, measure FROM monthly_measures").fetchall())
    assert required <= have
    bad = snap.execute(
        "SELECT count(*) FROM monthly_measures WHERE numerator IS NOT NULL AND abs(value - numerator / denominator)"
        " > 1e-9"
    ).fetchall()[0][0]
    assert bad == 0
