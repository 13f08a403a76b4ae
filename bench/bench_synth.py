"""Benchmark the synthetic force: wall time, peak memory and rows per record type.

Run: ``.venv/bin/python bench/bench_synth.py [--scale county] [--years 3] [--large]``. The target
(issue 3) is ``--scale county --years 3`` in under 3 minutes and under 2 GB on a 2-core machine.
Peak memory is the process's maximum resident set size (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from safeguarding.synth.force import SynthOptions, generate


def run(scale: str, years: int, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"bench-synth-{scale}-") as tmp:
        started = time.perf_counter()
        summary = generate(SynthOptions(scale=scale, years=years, seed=seed), Path(tmp))
        elapsed = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    return {"elapsed": elapsed, "summary": summary, "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county", choices=("tiny", "county", "large"))
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run(args.scale, args.years, args.seed)
    # ru_maxrss is in kilobytes on Linux.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary = result["summary"]
    assert isinstance(summary, dict)
    rows: dict[str, int] = summary["rows"]
    elapsed = float(result["elapsed"])  # type: ignore[arg-type]
    print(f"synth --scale {args.scale} --years {args.years} (seed {args.seed}) on {os.cpu_count()} cores")
    print(f"wall time      {elapsed:8.1f} s")
    print(f"peak RSS       {peak_mb:8.0f} MB")
    print(f"output         {int(result['bytes']) / 1e6:8.0f} MB")  # type: ignore[call-overload]
    print(f"rows total     {sum(rows.values()):8,d}  ({sum(rows.values()) / elapsed:,.0f} rows/s)")
    for name, count in rows.items():
        print(f"  {name:22s} {count:10,d}")
    print(f"true people    {summary['people']:8,d}")
    print(f"expected rows  {summary['expected']:8,d}; scenarios {summary['scenarios']:,d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
