"""The cost of an erasure, and of applying the erasure register to a later load.

    python bench/bench_erasure.py [--work DIR] [--scale county] [--years 1]

Generates two synthetic forces (seeds 7 and 8; not timed) unless they are already under DIR. Loads
seed 7, erases the person mention that is on the most records (timed), then loads seed 8 twice: into
a lake with no erasure and into the lake with that erasure registered (both timed, in this run).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SAFEGUARDING_QUIET", "1")

from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.erase import Target, erase
from safeguarding.lake.store import Lake
from safeguarding.synth.force import SynthOptions, generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "bench-erasure")
    parser.add_argument("--scale", default="county")
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args()
    for seed in (7, 8):
        if not (args.work / f"force{seed}" / "exports").exists():
            generate(SynthOptions(scale=args.scale, years=args.years, seed=seed), args.work / f"force{seed}")
    for name in ("with_erasure", "without"):
        shutil.rmtree(args.work / name, ignore_errors=True)
    lake, plain = Lake(args.work / "with_erasure"), Lake(args.work / "without")
    first = ingest([args.work / "force7" / "exports"], lake)
    con = DuckDBEngine(lake).connect()
    system, ref, on = con.execute(
        "SELECT source_system, person_ref, count(*) AS n FROM record_persons GROUP BY ALL ORDER BY n DESC, 2 LIMIT 1"
    ).fetchall()[0]
    con.close()
    start = time.perf_counter()
    result = erase(lake, [Target("persons", system, ref)], "benchmark", "bench")
    erased_s = time.perf_counter() - start
    print(f"lake: {first.rows_read:,} rows; erasing {system}:{ref} (on {on} records): {erased_s:.1f} s, "
          f"{sum(result.rows_removed.values())} rows removed, {result.values_redacted} values redacted")  # fmt: skip
    start = time.perf_counter()
    later = ingest([args.work / "force8" / "exports"], plain)
    plain_s = time.perf_counter() - start
    start = time.perf_counter()
    applied = ingest([args.work / "force8" / "exports"], lake)
    applied_s = time.perf_counter() - start
    print(f"later load ({later.rows_read:,} rows): {plain_s:.1f} s with no erasure, {applied_s:.1f} s with one "
          f"registered ({applied.rows_erased} rows erased), ratio {applied_s / plain_s:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
