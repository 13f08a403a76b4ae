"""The snapshot is taken at the assessment's moment (the lake's latest extract time): it says so in
snapshot_meta, and ``persons.is_child`` is the age at that moment, not at the machine's date."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb

from safeguarding.config import Settings
from safeguarding.lake.extract_time import latest_extract_time
from safeguarding.lake.store import Lake
from safeguarding.snapshot import store


def test_snapshot_moment_is_the_latest_extract_time_and_ages_are_taken_at_it(pipeline_settings: Settings) -> None:
    moment = latest_extract_time(Lake(pipeline_settings.lake_dir))
    # The tiny force covers 2023 (a few clock times run into the first days after it), not the machine's year.
    assert moment is not None and datetime(2023, 12, 1, tzinfo=UTC) < moment < datetime(2024, 2, 1, tzinfo=UTC)
    con = duckdb.connect(str(store.current(pipeline_settings.snapshot_dir).path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        meta = dict(con.execute("SELECT key, value FROM snapshot_meta").fetchall())
        assert datetime.fromisoformat(meta["assessed_as_of"]) == moment
        assert meta["moment_source"] == "extract_time"
        at = moment.date()
        rows = con.execute("SELECT date_of_birth, is_child FROM persons WHERE date_of_birth IS NOT NULL").fetchall()
    finally:
        con.close()
    age = {dob: at.year - dob.year - ((at.month, at.day) < (dob.month, dob.day)) for dob, _ in rows}
    assert all(is_child == (age[dob] < 18) for dob, is_child in rows)
    # Some children of 2023 are adults by today's date: exactly the people the old rule got wrong.
    today = datetime.now().date()
    grown = [dob for dob, is_child in rows if is_child and today.year - dob.year - ((today.month, today.day) <
             (dob.month, dob.day)) >= 18]  # fmt: skip
    assert grown
