"""Benchmark the statutory clocks of the boards (assess/clocks) at a named scale.

    .venv/bin/python bench/bench_clocks.py [--scale county] [--years 1] [--seed 1] [--data DIR]

It generates the synthetic force, ingests it and gives every mention its true person id (as
bench_assess does), prepares the resolved views, then times ``clocks.build`` on its own: the board tables
and ``monthly_measures``. With ``--data`` it uses an already-linked data folder. Target: the clocks add
under 10% to the assessment's 2-minute budget, so under 12 s for the county, 1 year.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="An already-linked data folder.")
    args = parser.parse_args()
    os.environ.setdefault("SAFEGUARDING_QUIET", "1")
    import pyarrow.parquet as pq
    from bench_assess import prepare as prepare_force

    from safeguarding.assess import clocks
    from safeguarding.assess.assessment import assessment_moment
    from safeguarding.assess.views import prepare
    from safeguarding.config import Settings
    from safeguarding.lake.engine import get_engine
    from safeguarding.lake.extract_time import latest_extract_time
    from safeguarding.lake.store import Lake
    from safeguarding.pipeline import linkage_dir

    with tempfile.TemporaryDirectory(prefix="bench-clocks-") as tmp:
        data = args.data or Path(tmp)
        timings = {} if args.data else prepare_force(data, args.scale, args.years, args.seed, "oracle")
        settings = Settings(data_dir=data)
        con = get_engine(settings).connect()
        t = time.perf_counter()
        prepare(con, pq.read_table(linkage_dir(settings) / "mentions.parquet"))
        timings["resolved views"] = time.perf_counter() - t
        moment = assessment_moment(con, None, latest_extract_time(Lake(settings.lake_dir)))
        t = time.perf_counter()
        clocks.build(con, moment)
        seconds = time.perf_counter() - t
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for name in clocks.BOARD_TABLES}
        con.close()
    label = f"data={args.data}" if args.data else f"scale={args.scale} years={args.years} seed={args.seed}"
    print(f"clocks benchmark: {label} (machine: {os.cpu_count()} cores)")
    for stage, took in timings.items():
        print(f"  {stage:<16} {took:8.2f} s")
    print(f"  clocks           {seconds:8.2f} s   target < 12 s   {'OK' if seconds < 12 else 'OVER'}")
    print("  rows: " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
