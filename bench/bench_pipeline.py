"""Time each stage of the pipeline on a synthetic force and report peak memory.

    python bench/bench_pipeline.py [--scale tiny|county] [--years N]

Prints wall time per stage, rows per second for ingest, and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from safeguarding import pipeline
from safeguarding.config import Settings
from safeguarding.synth.force import SynthOptions, generate


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="tiny", choices=["tiny", "county", "large"])
    parser.add_argument("--years", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("SAFEGUARDING_QUIET", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        timings: list[tuple[str, float, str]] = []
        start = time.perf_counter()
        generate(SynthOptions(scale=args.scale, years=args.years, seed=1), root / "force")
        timings.append(("synth", time.perf_counter() - start, ""))
        settings = Settings(data_dir=root / "data")
        start = time.perf_counter()
        load = pipeline.run_ingest(settings, [root / "force" / "exports"])
        took = time.perf_counter() - start
        timings.append(("ingest", took, f"{load.rows_read:,} rows, {load.rows_read / took:,.0f} rows/s"))
        start = time.perf_counter()
        linked = pipeline.run_link(settings)
        timings.append(("link", time.perf_counter() - start, f"{linked.mentions.num_rows:,} mentions"))
        start = time.perf_counter()
        summary = pipeline.run_assess(settings)
        timings.append(("assess+snapshot", time.perf_counter() - start, f"{summary.alerts:,} alerts"))
    print(f"pipeline benchmark: scale={args.scale} years={args.years} (machine: {os.cpu_count()} cores)")
    for stage, seconds, note in timings:
        print(f"  {stage:<16} {seconds:8.2f} s   {note}")
    print(f"  peak RSS         {peak_rss_mb():8.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
