"""The pipeline on DuckDB and on Spark local mode in the same run, on the same synthetic force.

    python bench/bench_spark.py [--scale tiny|county|large] [--years N] [--cores N]

Ingest runs once (DuckDB writes the lake's Parquet, which both engines read). The model is trained
once, on DuckDB; then link (scoring with the saved model) and assess+snapshot are timed on each
engine. Spark's time includes starting its session (reported apart). Prints wall time per stage,
mentions and records per second per core for each engine, and whether the two snapshots agree on
persons, indicators and alerts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from safeguarding import pipeline
from safeguarding.config import Settings
from safeguarding.snapshot import store
from safeguarding.synth.force import SynthOptions, generate


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="tiny", choices=["tiny", "county", "large"])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="Spark local[N]")
    parser.add_argument("--memory", default="4g", help="Spark driver memory")
    args = parser.parse_args()
    os.environ.setdefault("SAFEGUARDING_QUIET", "1")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(SynthOptions(scale=args.scale, years=args.years, seed=1), root / "force")
        duck = Settings(data_dir=root / "duck")
        start = time.perf_counter()
        load = pipeline.run_ingest(duck, [root / "force" / "exports"])
        ingest_s = time.perf_counter() - start
        start = time.perf_counter()
        pipeline.run_link(duck, retrain=True)
        train_s = time.perf_counter() - start
        shutil.copytree(duck.data_dir, root / "spark", ignore=shutil.ignore_patterns("snapshots", "stages"))
        spark = Settings(
            data_dir=root / "spark",
            engine="spark",
            spark_master=f"local[{args.cores}]",
            spark_conf=f"spark.driver.memory={args.memory};spark.sql.shuffle.partitions={max(2, 2 * args.cores)}",
        )
        results: dict[str, dict[str, float]] = {}
        start = time.perf_counter()
        from safeguarding.lake.spark import spark_session

        spark_session(spark)
        session_s = time.perf_counter() - start
        mentions = 0
        for name, settings in (("duckdb", duck), ("spark", spark)):
            start = time.perf_counter()
            linked = pipeline.run_link(settings)
            link_s = time.perf_counter() - start
            start = time.perf_counter()
            summary = pipeline.run_assess(settings)
            assess_s = time.perf_counter() - start
            mentions = linked.mentions.num_rows
            results[name] = {"link": link_s, "assess": assess_s, "persons": summary.persons,
                             "indicators": summary.indicators, "alerts": summary.alerts}  # fmt: skip
        same = all(
            _rows(store.current(duck.snapshot_dir).path, sql) == _rows(store.current(spark.snapshot_dir).path, sql)
            for sql in (
                "SELECT person_id, display_name, date_of_birth FROM persons ORDER BY 1",
                "SELECT indicator_id, person_id, rule_id, fired_at FROM indicators ORDER BY 1",
                "SELECT alert_id, reason, raised_at FROM alerts ORDER BY 1",
            )
        )
    cores = os.cpu_count() or 1
    print(f"spark benchmark: scale={args.scale} years={args.years} (machine: {cores} cores; Spark local[{args.cores}])")
    print(f"  ingest (DuckDB, once)  {ingest_s:8.2f} s   {load.rows_read:,} rows")
    print(f"  train+link (DuckDB)    {train_s:8.2f} s   {mentions:,} mentions (model trained once, used by both)")
    print(f"  Spark session start    {session_s:8.2f} s")
    for name, r in results.items():
        total = r["link"] + r["assess"]
        used = cores if name == "duckdb" else args.cores  # DuckDB uses every core
        print(
            f"  {name:<7} link {r['link']:8.2f} s  assess+snapshot {r['assess']:8.2f} s  total {total:8.2f} s"
            f"  {mentions / total:,.0f} mentions/s ({mentions / total / max(1, min(used, cores)):,.0f} per core)"
            f"  persons {r['persons']:,.0f} indicators {r['indicators']:,.0f} alerts {r['alerts']:,.0f}"
        )
    print(f"  snapshots agree (persons, indicators, alerts): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
