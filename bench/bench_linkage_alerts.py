"""What linkage costs the children: alert recall with the project's own linkage against oracle linkage.

    python bench/bench_linkage_alerts.py [--years 3] [--seed 1] [--data DIR]

Generates the synthetic county (not timed), ingests it, then assesses it twice: once after
`safeguarding link` (the model trained on the data, the threshold chosen by expected F1) and once
with every mention given its true person (bench/oracle_linkage.py). Prints the linkage's pairwise
scores and, for each, `assess evaluate`'s recall and precision of the planted alerts: the drop from
oracle to own is the recall lost to linkage (target: under 0.5 percentage points). Lead times are
not replayed (`--step-days 100000`): they take an hour at this scale and are not what linkage changes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _cli(data: Path, *args: str) -> str:
    env = {**os.environ, "SAFEGUARDING_QUIET": "1"}
    command = [sys.executable, "-m", "safeguarding.cli", "--data-dir", str(data), *args]
    return subprocess.run(command, check=True, env=env, capture_output=True, text=True).stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, help="A folder from an earlier run (keeps its force and lake).")
    args = parser.parse_args()
    from oracle_linkage import write_oracle

    with tempfile.TemporaryDirectory(prefix="bench-linkage-alerts-") as tmp:
        root = args.data or Path(tmp)
        force, data = root / "force", root / "data"
        if not (force / "truth").exists():
            env = {**os.environ, "SAFEGUARDING_QUIET": "1"}
            command = ["synth", "--scale", "county", "--years", str(args.years), "--seed", str(args.seed)]
            command += ["--out", str(force)]
            subprocess.run([sys.executable, "-m", "safeguarding.cli", *command], check=True, env=env)
        if not (data / "lake").exists():
            _cli(data, "ingest", str(force / "exports"))
        truth = force / "truth"
        results = {}
        for kind in ("own", "oracle"):
            shutil.rmtree(data / "stages", ignore_errors=True)
            shutil.rmtree(data / "models", ignore_errors=True)
            t = time.perf_counter()
            if kind == "own":
                linked = json.loads(_cli(data, "link", "--json"))
                person_truth = str(truth / "person_truth.csv")
                scores = json.loads(_cli(data, "link", "evaluate", "--truth", person_truth, "--json"))
            else:
                write_oracle(data, force)
                linked, scores = {}, {}
            took = time.perf_counter() - t
            # One assessment, no weekly replay: recall and precision do not depend on it (lead times do).
            evaluated = json.loads(_cli(data, "assess", "evaluate", "--truth", str(truth), "--json",
                                        "--step-days", "100000"))  # fmt: skip
            results[kind] = {"link_seconds": took, "linked": linked, "scores": scores, "alerts": evaluated}
    own, oracle = results["own"], results["oracle"]
    pair = own["scores"]["pairwise"]
    print(f"linkage and alerts: county, {args.years} years, seed {args.seed}")
    print(f"  own linkage: {own['linked']['mentions']:,} mentions -> {own['linked']['persons']:,} persons in "
          f"{own['link_seconds']:.1f} s; pairwise precision {pair['precision']:.4f} recall {pair['recall']:.4f} "
          f"F1 {pair['f1']:.4f}")  # fmt: skip
    for line in own["linked"]["notes"]:
        print(f"    note: {line}")
    for kind in ("oracle", "own"):
        a = results[kind]["alerts"]
        print(f"  alerts with {kind:<6} linkage: recall {a['recall']:.4f} precision {a['precision']:.4f}")
    lost = (oracle["alerts"]["recall"] - own["alerts"]["recall"]) * 100
    print(f"  recall lost to linkage: {lost:.2f} percentage points (target < 0.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
