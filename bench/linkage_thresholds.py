"""Pairwise precision, recall and F1 of the linkage at a grid of thresholds, beside the expected ones.

    python bench/linkage_thresholds.py force DATA_DIR TRUTH_CSV [--retrain]
    python bench/linkage_thresholds.py file FILE ID_COLUMN COLUMNS TRUTH_COLUMN_OR_CSV

Scores once (pairs kept from 0.5), then clusters at each threshold as `link`/`resolve` would
(guarded clustering), so the grid costs one scoring run. Prints, for each threshold, what the
model expects (threshold.py) and what the truth says; the first line is the threshold chosen.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

from safeguarding.linkage import resolve, threshold
from safeguarding.linkage.clustering import guarded_clusters
from safeguarding.linkage.evaluate import pairwise_scores, read_truth
from safeguarding.linkage.features import build_features

GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)


def force_features(data: Path) -> object:
    from safeguarding.lake.engine import DuckDBEngine
    from safeguarding.lake.store import Lake
    from safeguarding.linkage.force import PERSON_RECORDS_SQL

    con = DuckDBEngine(Lake(data / "lake")).connect()
    con.execute(f"CREATE OR REPLACE TEMP VIEW person_records AS {PERSON_RECORDS_SQL}")
    return build_features(con)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["force", "file"])
    parser.add_argument("args", nargs="+")
    parser.add_argument("--retrain", action="store_true")
    opts = parser.parse_args()
    start = time.perf_counter()
    if opts.kind == "force":
        data, truth_file = Path(opts.args[0]), Path(opts.args[1])
        features = force_features(data)
        truth = read_truth(truth_file)
        model_dir: Path | None = data / "models"
    else:
        from safeguarding.linkage.generic import file_features, parse_columns

        path, id_column, spec, truth_spec = Path(opts.args[0]), opts.args[1], opts.args[2], opts.args[3]
        _, features = file_features(path, id_column, parse_columns(spec))
        if Path(truth_spec).exists():
            truth = read_truth(Path(truth_spec))
        else:
            with path.open(encoding="utf-8") as fh:
                truth = {r[id_column].strip(): r[truth_spec].strip() for r in csv.DictReader(fh, skipinitialspace=True)}
        model_dir = None
    res = resolve.resolve_features(features, None, 10**10, model_dir=model_dir, retrain=opts.retrain)
    took = time.perf_counter() - start
    for line in res.notes:
        print(f"note: {line}")
    for t, ep, er, ef in res.threshold.curve:
        print(f"  expected at {t}: precision {ep:.4f} recall {er:.4f} F1 {ef:.4f}")
    ids = [str(i) for i in features.column("unique_id").to_pylist()]
    dated = {str(i) for i, d in zip(ids, features.column("dob").to_pylist(), strict=True) if d is not None} or None
    p = res.pairs.column("match_probability").to_pylist()
    left = [str(v) for v in res.pairs.column("unique_id_l").to_pylist()]
    right = [str(v) for v in res.pairs.column("unique_id_r").to_pylist()]
    print(f"{len(ids):,} records, {len(p):,} pairs at >= 0.5, scored in {took:.1f} s")
    print("threshold   precision  recall   F1       expected: precision  recall  F1   (chosen first)")
    for t in (res.threshold.threshold, *GRID):
        edges = [(a, b, q) for a, b, q in zip(left, right, p, strict=True) if q >= t]
        clusters = guarded_clusters(ids, edges, dated)
        s = pairwise_scores(clusters, truth)
        e = threshold.at_clustered(ids, dated, left, right, p, t)
        print(f"{t:<10.4g}  {s.precision:.4f}     {s.recall:.4f}   {s.f1:.4f}   "
              f"{e.expected_precision:.4f}     {e.expected_recall:.4f}  {e.expected_f1:.4f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
