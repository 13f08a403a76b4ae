"""Killing ingest at any moment leaves the lake as it was; the next load succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

HEADER = "source_system,episode_ref,person_ref,reported_at,risk_grade,narrative\n"


def _exports(folder: Path, files: int = 12, rows: int = 6000) -> Path:
    folder.mkdir(parents=True)
    for f in range(files):
        lines = [HEADER]
        for r in range(rows):
            day = 1 + (r % 28)
            lines.append(f'compact,ME{f:02d}{r:06d},CM{r % 997:05d},2024-03-{day:02d}T10:00:00+00:00,low,"note {r}"\n')
        if f == 3:
            lines.append("compact,MEBAD,CM1,not a time,low,bad\n")
        (folder / f"missing_episodes-2024-{f + 1:02d}.csv").write_text("".join(lines), encoding="utf-8")
    return folder


def _ingest(exports: Path, data: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data), "SAFEGUARDING_QUIET": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "safeguarding.cli", "ingest", str(exports)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _visible(lake: Lake) -> tuple[int, int]:
    con = DuckDBEngine(lake).connect()
    rows = con.execute("SELECT count(*) FROM missing_episodes_versions").fetchall()[0][0]
    con.close()
    return len(lake.manifests()), int(rows)


@pytest.mark.slow
def test_killed_load_leaves_the_lake_unchanged_and_the_next_load_succeeds(tmp_path: Path) -> None:
    exports = _exports(tmp_path / "exports")
    # How long a whole load takes here, so the kills land across all of it.
    start = time.monotonic()
    assert _ingest(exports, tmp_path / "timing").wait(timeout=300) == 0
    duration = time.monotonic() - start
    expected = _visible(Lake(tmp_path / "timing" / "lake"))
    data = tmp_path / "data"
    lake = Lake(data / "lake")
    kills = 0
    for fraction in (0.15, 0.35, 0.55, 0.7, 0.85, 0.95):
        before = _visible(lake)
        proc = _ingest(exports, data)
        time.sleep(duration * fraction)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=60)
        after = _visible(lake)
        # Either the load finished before the kill (all of it is there) or nothing of it is.
        assert after in (before, expected), (fraction, before, after)
        if after == expected:
            break
    assert kills >= 3
    assert _ingest(exports, data).wait(timeout=300) == 0
    assert _visible(lake) == expected
    assert not list((data / "lake").glob("_staging/*")) and not list((data / "lake").glob("_work/*"))
