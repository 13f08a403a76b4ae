"""Person resolution at scale: time, peak memory and accuracy on about a million mentions.

    python bench/bench_linkage.py [--scale county] [--years 6] [--data DIR]

Generates the synthetic force (not timed), loads its persons and locations, then times
`link` (training included) in a separate process and reports its peak resident memory, the
comparisons each blocking rule made, and pairwise F1 and B-cubed against the planted truth.
Target (issue 5): 1M mentions in under 3 minutes and 8 GB on this 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

LINK = """
import json, resource, sys, time
from pathlib import Path
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake
from safeguarding.linkage.evaluate import bcubed, pairwise_scores, read_truth
from safeguarding.linkage.force import link_force
import shutil
data, truth = Path(sys.argv[1]), Path(sys.argv[2])
threshold = None if sys.argv[3] == "auto" else float(sys.argv[3])
shutil.rmtree(data / "models", ignore_errors=True)  # always time training as well as linking
start = time.perf_counter()
con = DuckDBEngine(Lake(data / "lake")).connect()
result = link_force(con, data / "models", [], [], threshold, 10**10, memory_limit="4GB")
took = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
ids = result.mentions.column("mention_id").to_pylist()
predicted = dict(zip(ids, result.mentions.column("person_id").to_pylist()))
true_ids = read_truth(truth)
pair, cube = pairwise_scores(predicted, true_ids), bcubed(predicted, true_ids)
print(json.dumps({"mentions": len(ids), "persons": result.persons, "seconds": took, "rss_mb": rss,
                  "notes": result.notes,
                  "comparisons": result.comparisons, "f1": pair.f1, "precision": pair.precision,
                  "recall": pair.recall, "bcubed_f1": cube.f1}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="county")
    parser.add_argument("--years", type=int, default=6)
    parser.add_argument("--threshold", default="auto", help="A match probability, or auto (chosen by expected F1).")
    parser.add_argument("--data", type=Path, help="Reuse a folder made by an earlier run (keeps its force).")
    args = parser.parse_args()
    env = {**os.environ, "SAFEGUARDING_QUIET": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data or Path(tmp)
        force, data = root / "force", root / "data"
        if not (force / "truth" / "person_truth.csv").exists():
            print(f"generating synthetic force: scale={args.scale} years={args.years} ...", flush=True)
            command = ["synth", "--scale", args.scale, "--years", str(args.years), "--out", str(force)]
            subprocess.run([sys.executable, "-m", "safeguarding.cli", *command], check=True, env=env)
        if not (data / "lake").exists():
            files = sorted(force.glob("exports/persons-*")) + sorted(force.glob("exports/locations-*"))
            subprocess.run([sys.executable, "-m", "safeguarding.cli", "--data-dir", str(data), "ingest",
                            *map(str, files)], check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", LINK, str(data), str(force / "truth" / "person_truth.csv"), str(args.threshold)],
            capture_output=True, text=True, check=True, env=env,
        )  # fmt: skip
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"linkage benchmark: {r['mentions']:,} mentions -> {r['persons']:,} persons ({os.cpu_count()} cores)")
    for c in r["comparisons"]:
        print(f"  {c['marginal']:>13,} comparisons  {c['rule']}")
    print(f"  {r['comparisons'][-1]['cumulative']:>13,} comparisons in all")
    for line in r["notes"]:
        print(f"  note: {line}")
    print(f"  time {r['seconds']:.1f} s (target < 180 s); peak RSS {r['rss_mb']:,.0f} MB (target < 8,192 MB)")
    print(f"  pairwise precision {r['precision']:.4f} recall {r['recall']:.4f} F1 {r['f1']:.4f}")
    print(f"  B-cubed F1 {r['bcubed_f1']:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
