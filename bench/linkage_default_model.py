"""Rebuild the packaged linkage model (src/safeguarding/linkage/data/default_model.json).

    python bench/linkage_default_model.py [--years 1] [--seed 11] [--data DIR]

The packaged model is what a force too small to train on (linkage/training.py) links with: the m and
u probabilities of every comparison level, trained by the ordinary method (`link retrain`) on a
synthetic county. Only m and u are kept; the prior always comes from the force's own data. The seed
is not one the tests or benchmarks grade on.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from safeguarding.config import Settings
from safeguarding.linkage.model import META_FILE, MODEL_FILE
from safeguarding.linkage.training import PACKAGED_MODEL, parameters_of

OUT = Path(__file__).resolve().parents[1] / "src" / "safeguarding" / "linkage" / "data" / PACKAGED_MODEL


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--data", type=Path, help="A folder from an earlier run (keeps its force and lake).")
    args = parser.parse_args()
    env = {**os.environ, "SAFEGUARDING_QUIET": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        root = args.data or Path(tmp)
        force, data = root / "force", root / "data"
        if not (force / "exports").exists():
            command = ["synth", "--scale", "county", "--years", str(args.years), "--seed", str(args.seed)]
            subprocess.run(
                [sys.executable, "-m", "safeguarding.cli", *command, "--out", str(force)], check=True, env=env
            )
        if not (data / "lake").exists():
            files = sorted(force.glob("exports/persons-*")) + sorted(force.glob("exports/locations-*"))
            subprocess.run([sys.executable, "-m", "safeguarding.cli", "--data-dir", str(data), "ingest",
                            *map(str, files)], check=True, env=env, stdout=subprocess.DEVNULL)  # fmt: skip
        subprocess.run([sys.executable, "-m", "safeguarding.cli", "--data-dir", str(data), "link", "retrain"],
                       check=True, env=env)  # fmt: skip
        settings = json.loads((Settings(data_dir=data).model_dir / MODEL_FILE).read_text(encoding="utf-8"))
        meta = json.loads((Settings(data_dir=data).model_dir / META_FILE).read_text(encoding="utf-8"))
    out = {
        "about": f"m and u of the model `link retrain` trained on a synthetic county ({args.years} year, seed "
        f"{args.seed}, {meta['trained_on_mentions']:,} mentions); made by bench/linkage_default_model.py",
        "made": datetime.now(UTC).isoformat(timespec="seconds"),
        "comparisons": parameters_of(settings),
    }
    OUT.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
