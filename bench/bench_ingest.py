"""Ingest speed against DuckDB's own read_csv of the same files, measured in the same run.

    python bench/bench_ingest.py [--exports DIR] [--scale county] [--years 3]

Without --exports it generates the synthetic force first (not timed). Prints rows per second for
DuckDB's raw read into a table (the floor: no validation, no line numbers, no lake) and for `safeguarding ingest`
with full validation, the ratio (target: at least 40%), and each one's peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

# The floor: DuckDB reading each record type's files in one read_csv call into a table (its fastest
# way to read many files), with no validation, no line numbers and nothing written out.
RAW_READ = """
import collections, duckdb, glob, json, os, resource, sys, time
by_type = collections.defaultdict(list)
for f in sorted(glob.glob(sys.argv[1] + "/*.csv")):
    by_type[os.path.basename(f).split("-")[0]].append(f)
con = duckdb.connect()
start = time.perf_counter()
rows = 0
for i, files in enumerate(by_type.values()):
    options = "all_varchar = true, header = true, union_by_name = true"
    con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv({files}, {options})")
    rows += con.execute(f"SELECT count(*) FROM t{i}").fetchall()[0][0]
    con.execute(f"DROP TABLE t{i}")
took = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "seconds": took, "rss_mb": rss}))
"""

INGEST = """
import json, resource, sys, time
from pathlib import Path
from safeguarding.ingest.loader import ingest
from safeguarding.lake.store import Lake
start = time.perf_counter()
result = ingest([Path(sys.argv[1])], Lake(Path(sys.argv[2])), max_reject_rate=1.0, memory_limit=sys.argv[3])
took = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
parsers = sorted({f.parser for f in result.files})
print(json.dumps({"rows": result.rows_read, "loaded": result.rows_loaded, "seconds": took, "rss_mb": rss,
                  "parsers": parsers}))
"""


def _run(code: str, *args: str) -> dict[str, float]:
    env = {**os.environ, "SAFEGUARDING_QUIET": "1"}
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--exports", type=Path, help="Folder of CSV exports (default: generate a synthetic force).")
    parser.add_argument("--scale", default="county")
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--memory-limit", default="1GB", help="ingest_memory_limit for the load.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        exports = args.exports
        if exports is None:
            from safeguarding.synth.force import SynthOptions, generate

            print(f"generating synthetic force: scale={args.scale} years={args.years} ...", flush=True)
            generate(SynthOptions(scale=args.scale, years=args.years, seed=1), Path(tmp) / "force")
            exports = Path(tmp) / "force" / "exports"
        files = sorted(exports.glob("*.csv"))
        size_mb = sum(f.stat().st_size for f in files) / 1e6
        raw = _run(RAW_READ, str(exports))
        ours = _run(INGEST, str(exports), str(Path(tmp) / "lake"), args.memory_limit)
    raw_rate = raw["rows"] / raw["seconds"]
    our_rate = ours["rows"] / ours["seconds"]
    cores = os.cpu_count()
    print(f"ingest benchmark: {len(files)} CSV files, {size_mb:,.0f} MB, {int(raw['rows']):,} rows ({cores} cores)")
    for label, run, rate in (("duckdb read_csv (floor)", raw, raw_rate), ("safeguarding ingest", ours, our_rate)):
        print(f"  {label:<26} {run['seconds']:7.2f} s  {rate:12,.0f} rows/s  peak RSS {run['rss_mb']:6.0f} MB")
    print(f"  (ingest memory limit {args.memory_limit}; CSV parsers used: {', '.join(map(str, ours['parsers']))})")
    print(f"  ratio                      {our_rate / raw_rate:7.1%} of DuckDB's raw read rate (target >= 40%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
