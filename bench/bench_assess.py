"""Benchmark the full assessment (rules, scores, networks, places, alerts, snapshot) at a named scale.

    .venv/bin/python bench/bench_assess.py [--scale county] [--years 3] [--seed 1] [--data DIR] [--linkage oracle|real]

With ``--data`` it assesses an already-linked data folder as it is. Otherwise it generates the synthetic
force, ingests it and links it: ``oracle`` (default) gives every mention its true person id so the
assessment is timed on its own; ``real`` runs `safeguarding link`. Target (issue 6): under 2 minutes for
the county, 3 years; the peak memory is reported beside it.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def prepare(data: Path, scale: str, years: int, seed: int, linkage: str) -> dict[str, float]:
    from oracle_linkage import write_oracle

    from safeguarding import pipeline
    from safeguarding.config import Settings
    from safeguarding.synth.force import SynthOptions, generate

    timings: dict[str, float] = {}
    force = data / "force"
    t = time.perf_counter()
    generate(SynthOptions(scale=scale, years=years, seed=seed), force)
    timings["synth"] = time.perf_counter() - t
    settings = Settings(data_dir=data)
    t = time.perf_counter()
    pipeline.run_ingest(settings, [force / "exports"])
    timings["ingest"] = time.perf_counter() - t
    t = time.perf_counter()
    if linkage == "real":
        pipeline.run_link(settings)
    else:
        write_oracle(data, force)
    timings[f"link ({linkage})"] = time.perf_counter() - t
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="An already-linked data folder to assess as it is.")
    parser.add_argument("--linkage", choices=("oracle", "real"), default="oracle")
    args = parser.parse_args()
    os.environ.setdefault("SAFEGUARDING_QUIET", "1")
    from safeguarding import pipeline
    from safeguarding.config import Settings

    with tempfile.TemporaryDirectory(prefix="bench-assess-") as tmp:
        data = args.data or Path(tmp)
        timings = {} if args.data else prepare(data, args.scale, args.years, args.seed, args.linkage)
        before = peak_rss_mb()
        t = time.perf_counter()
        summary = pipeline.run_assess(Settings(data_dir=data))
        seconds = time.perf_counter() - t
    label = f"data={args.data}" if args.data else f"scale={args.scale} years={args.years} seed={args.seed}"
    print(f"assess benchmark: {label} (machine: {os.cpu_count()} cores)")
    for stage, took in timings.items():
        print(f"  {stage:<16} {took:8.2f} s")
    print(f"  assess           {seconds:8.2f} s   target < 120 s   {'OK' if seconds < 120 else 'OVER'}")
    print(f"  persons {summary.persons:,}; indicators {summary.indicators:,}; alerts {summary.alerts:,}")
    print(f"  peak RSS         {peak_rss_mb():8.0f} MB (before assess {before:.0f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
