"""The pipeline on DuckDB and on Spark local mode in the same run, on the same synthetic force.

    python bench/bench_spark.py [--scale tiny|county|large] [--years N] [--cores N] [--memory 12g]
                                [--force DIR] [--max-comparisons N]

Ingest runs once (DuckDB writes the lake's Parquet, which both engines read). The model is trained
once, on DuckDB; then link (scoring with the saved model) and assess+snapshot are timed on each
engine. Spark's time includes starting its session (reported apart). Each stage prints a line as it
finishes (a `large` run takes over an hour on two cores); the summary at the end gives mentions a
second per core for each engine, peak memory (the Python process, which holds DuckDB; Spark's JVM and
its Python workers, read from /proc) and whether the two snapshots agree on persons, indicators and
alerts. ``--force`` reuses a force made by ``safeguarding synth`` (its folder with exports/ inside)
instead of generating one.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from safeguarding import pipeline
from safeguarding.config import Settings
from safeguarding.snapshot import store
from safeguarding.synth.force import SynthOptions, generate

_COMPARE = (
    "SELECT person_id, display_name, date_of_birth FROM persons ORDER BY 1",
    "SELECT indicator_id, person_id, rule_id, fired_at FROM indicators ORDER BY 1",
    "SELECT alert_id, reason, raised_at FROM alerts ORDER BY 1",
)


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return [tuple(r) for r in con.execute(sql).fetchall()]


def _say(line: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)


def _own_peak_gb() -> float:
    """Peak resident memory of this process (DuckDB runs inside it); Linux reports kilobytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _peak_gb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), or 0 when it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [g for c in found for g in _children(c)]


def _spark_memory(session: Any) -> tuple[float, float, int]:
    """Peak memory of Spark's JVM, the largest peak among its Python workers, and how many are alive."""
    proc = getattr(session.sparkContext._gateway, "proc", None)  # the spark-submit process, exec'd into java
    if proc is None:
        return 0.0, 0.0, 0
    workers = [_peak_gb(p) for p in _children(proc.pid)]
    return _peak_gb(proc.pid), max(workers, default=0.0), len(workers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="tiny", choices=["tiny", "county", "large"])
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="Spark local[N]")
    parser.add_argument("--memory", default="4g", help="Spark driver memory")
    parser.add_argument("--force", type=Path, help="a force from `safeguarding synth` to use instead of generating")
    parser.add_argument("--max-comparisons", type=int, help="linkage's comparison cap (default: the configured one)")
    args = parser.parse_args()
    os.environ.setdefault("SAFEGUARDING_QUIET", "1")
    cores = os.cpu_count() or 1
    _say(f"spark benchmark: scale={args.scale} years={args.years} (machine: {cores} cores; Spark local[{args.cores}])")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        force = args.force
        if force is None:
            start = time.perf_counter()
            force = root / "force"
            generate(SynthOptions(scale=args.scale, years=args.years, seed=1), force)
            _say(f"synthetic force generated in {time.perf_counter() - start:.1f} s")
        else:
            _say(f"using the force in {force} (--scale and --years describe it, they do not make it)")
        cap = {"max_comparisons": args.max_comparisons} if args.max_comparisons else {}
        duck = Settings(data_dir=root / "duck", **cap)
        start = time.perf_counter()
        load = pipeline.run_ingest(duck, [force / "exports"])
        ingest_s = time.perf_counter() - start
        _say(f"ingest (DuckDB, once)  {ingest_s:8.2f} s   {load.rows_read:,} rows")
        start = time.perf_counter()
        trained = pipeline.run_link(duck, retrain=True)
        train_s = time.perf_counter() - start
        mentions = trained.mentions.num_rows
        pairs = trained.comparisons[-1]["cumulative"] if trained.comparisons else 0
        _say(f"train+link (DuckDB)    {train_s:8.2f} s   {mentions:,} mentions, {pairs:,} comparisons")
        shutil.copytree(duck.data_dir, root / "spark", ignore=shutil.ignore_patterns("snapshots", "stages"))
        spark = Settings(
            data_dir=root / "spark",
            engine="spark",
            spark_master=f"local[{args.cores}]",
            spark_conf=f"spark.driver.memory={args.memory};spark.sql.shuffle.partitions={max(2, 2 * args.cores)}",
            **cap,
        )
        results: dict[str, dict[str, float]] = {}
        session_s = 0.0
        duck_peak = 0.0
        for name, settings in (("duckdb", duck), ("spark", spark)):
            if name == "spark":
                duck_peak = _own_peak_gb()
                start = time.perf_counter()
                from safeguarding.lake.spark import spark_session

                session = spark_session(spark)
                session_s = time.perf_counter() - start
                _say(f"Spark session start    {session_s:8.2f} s")
            start = time.perf_counter()
            pipeline.run_link(settings)
            link_s = time.perf_counter() - start
            _say(f"{name:<7} link           {link_s:8.2f} s")
            start = time.perf_counter()
            summary = pipeline.run_assess(settings)
            assess_s = time.perf_counter() - start
            _say(f"{name:<7} assess+snapshot{assess_s:8.2f} s")
            results[name] = {"link": link_s, "assess": assess_s, "persons": summary.persons,
                             "indicators": summary.indicators, "alerts": summary.alerts}  # fmt: skip
        jvm, worker, workers = _spark_memory(session)
        same = all(
            _rows(store.current(duck.snapshot_dir).path, sql) == _rows(store.current(spark.snapshot_dir).path, sql)
            for sql in _COMPARE
        )
    print(f"spark benchmark: scale={args.scale} years={args.years} (machine: {cores} cores; Spark local[{args.cores}])")
    print(f"  ingest (DuckDB, once)  {ingest_s:8.2f} s   {load.rows_read:,} rows")
    print(f"  train+link (DuckDB)    {train_s:8.2f} s   {mentions:,} mentions, {pairs:,} comparisons (one model)")
    print(f"  Spark session start    {session_s:8.2f} s")
    for name, r in results.items():
        total = r["link"] + r["assess"]
        used = cores if name == "duckdb" else args.cores  # DuckDB uses every core
        print(
            f"  {name:<7} link {r['link']:8.2f} s  assess+snapshot {r['assess']:8.2f} s  total {total:8.2f} s"
            f"  {mentions / total:,.0f} mentions/s ({mentions / total / max(1, min(used, cores)):,.0f} per core)"
            f"  persons {r['persons']:,.0f} indicators {r['indicators']:,.0f} alerts {r['alerts']:,.0f}"
        )
    print(
        f"  peak memory: Python process with DuckDB {duck_peak:.2f} GB before Spark started, {_own_peak_gb():.2f} GB"
        f" by the end; Spark JVM {jvm:.2f} GB; largest Python worker {worker:.2f} GB ({workers} alive at the end)"
    )
    print(f"  snapshots agree (persons, indicators, alerts): {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
