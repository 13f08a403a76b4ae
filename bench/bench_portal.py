"""Drive the running portal on loopback with concurrent users and report p50/p95 per page.

    python bench/bench_portal.py [--data-dir DIR] [--users 20] [--seconds 20] [--max-requests 4000]
                                 [--workers 1,2] [--think-ms 1000,0] [--database-url URL] [--profile DIR]

Without --data-dir it builds a county-sized snapshot (Dorset: about 500k people, 1M person mentions,
9k missing episodes, 6k alerts) straight into a temporary folder with DuckDB, so the benchmark runs in
a minute; with --data-dir it uses a data folder made by `safeguarding run` (its published snapshot).
For each worker count in --workers the portal runs as `safeguarding serve --workers N` in its own
processes (app database: a fresh SQLite file, or the PostgreSQL database at --database-url, emptied
first); each simulated user signs in, then loops over search, child profile and alerts queue until
the time or request budget is spent, pausing between pages for a think time drawn uniformly from half to
one and a half times --think-ms (a person reads a page before opening the next; 1 s is a brisk
analyst). Each worker count runs once per think time given: 0 sends the next request the moment the
last answer arrives, so 20 users are 20 requests always in flight (the portal's capacity, not how 20
people use it). Target (issue 7): p95 under 300 ms for each page. --profile DIR
samples the server's processes with py-spy (on PATH) during each run and writes collapsed stacks
there (flamegraph.pl or speedscope draw them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.snapshot import store
from safeguarding.workflow import access

PASSWORD = "benchmark passphrase 2026"  # noqa: S105 - synthetic accounts in a throwaway database
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright"]
FORENAMES = ["Jayden", "Olivia", "Amelia", "Noah", "Oliver", "Isla", "Leo", "Freya", "Harry", "Mia", "Aisha"]


def build_county(snapshot_dir: Path, persons: int = 500_000) -> None:
    """A county-sized snapshot made with SQL (synthetic: random names from short lists)."""
    names = ", ".join(f"'{n}'" for n in FORENAMES)
    surnames = ", ".join(f"'{n}'" for n in SURNAMES)
    with store.build(snapshot_dir) as con:
        con.execute(f"""
            INSERT INTO persons
            SELECT printf('P-%07d', i), f || ' ' || s || '-' || (i % 997), f, s || '-' || (i % 997),
                   DATE '1950-01-01' + CAST(i % 25000 AS INTEGER), CASE WHEN i % 2 = 0 THEN 'F' ELSE 'M' END,
                   i % 25000 > 20000, 2
            FROM (SELECT i, ([{names}])[1 + i % {len(FORENAMES)}] AS f,
                         ([{surnames}])[1 + (i // 7) % {len(SURNAMES)}] AS s
                  FROM range({persons}) t(i))""")
        con.execute(
            """
            INSERT INTO mentions
            SELECT sys, printf('%s-%07d', sys, i), printf('P-%07d', i), p.forenames, p.surname, p.date_of_birth, p.sex,
                   printf('BH%d %dAA', i % 25, i % 9), 'L1'
            FROM range(?) t(i) JOIN persons p ON p.person_id = printf('P-%07d', i),
                 (VALUES ('niche'), ('compact')) s(sys)
            ORDER BY 3, 1, 2  -- by person, as snapshot/builder.py writes them
        """,
            [persons],
        )
        con.execute("""
            INSERT INTO missing_episodes
            SELECT printf('MISS-%06d', i), printf('P-%07d', 20001 + (i * 37) % 4999), 'compact', 'x',
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (i * 53) MINUTE, NULL, 'medium', 'home', NULL, NULL
            FROM range(9000) t(i)""")
        con.execute("""
            INSERT INTO alerts (alert_id, person_id, rule_id, rule_version, category, title, raised_at, summary,
                                evidence_count)
            SELECT printf('A-%06d', i), printf('P-%07d', 20001 + (i * 37) % 4999), 'missing.repeat', 1,
                   (['missing', 'exploitation', 'online', 'domestic_abuse'])[1 + i % 4], 'Repeat missing episodes',
                   TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (i * 83) MINUTE, 'Synthetic alert', 2
            FROM range(6000) t(i)""")
        con.execute("""INSERT INTO alert_evidence SELECT alert_id, 'missing_episode', 'MISS-000001' FROM alerts""")
        con.execute("""
            INSERT INTO indicators (indicator_id, person_id, rule_id, rule_version, category, title, fired_at, weight,
                                    explanation)
            SELECT printf('I-%06d', i), printf('P-%07d', 20001 + (i * 37) % 4999), 'missing.repeat', 1, 'missing',
                   'Repeat missing', TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (i * 29) MINUTE, 2.0, 'x'
            FROM range(20000) t(i)""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def _sign_in(base: str, username: str, one_time: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    client.post("/login", data={"username": username, "password": one_time, "csrf_token": _csrf(page.text)})
    page = client.get("/change-password")
    client.post(
        "/change-password",
        data={"current_password": one_time, "new_password": PASSWORD, "confirm_password": PASSWORD,
              "csrf_token": _csrf(page.text)},
    )  # fmt: skip
    return client


def _fresh_app_db(url: str) -> None:
    """Empty the app database (a benchmark run starts from no users and no audit log)."""
    from sqlalchemy import create_engine, make_url, text

    if make_url(db.normalise_url(url)).get_backend_name() == "sqlite":
        Path(make_url(url).database or "").unlink(missing_ok=True)
        return
    engine = create_engine(db.normalise_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as con:
        con.execute(text("DROP SCHEMA public CASCADE"))
        con.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    pids.append(int(entry.name))
            except (OSError, ValueError):
                continue
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return round(total / 1024, 1)


def run_once(
    settings: Settings, workers: int, think_ms: float, args: argparse.Namespace, people: list[str], names: list[str]
) -> dict[str, object]:
    """Start the portal with ``workers`` processes, drive it with ``think_ms`` between a user's pages, stop
    it; the figures."""
    _fresh_app_db(settings.app_database_url)
    factory = open_app_db(settings)
    accounts = {}
    for n in range(args.users):
        name = f"bench{n:02d}"
        accounts[name] = users.add_user(factory, name, ["safeguarding_officer"], name)[1]
        for pid in people:  # reasons given up front, so each profile request is a real profile
            access.give_reason(factory, username=name, person_id=pid, reason="benchmark run")
    factory.kw["bind"].dispose()

    port = _free_port()
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(settings.data_dir),
           "SAFEGUARDING_DATABASE_URL": settings.app_database_url, "SAFEGUARDING_QUIET": "1"}  # fmt: skip
    cli = Path(sys.executable).with_name("safeguarding")
    server = subprocess.Popen(
        [str(cli), "serve", "--port", str(port), "--workers", str(workers)], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            httpx.get(base + "/login", timeout=2)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the portal did not start") from None
            time.sleep(0.2)

    clients = [_sign_in(base, u, pw) for u, pw in accounts.items()]
    # One untimed request of each kind per client first: every worker opens the snapshot and builds its
    # name index before the clock starts (a once-per-snapshot cost, not a per-request one).
    for client in clients:
        client.get("/search?name=smith")
        client.get("/people/" + people[0])
    timings: dict[str, list[float]] = {"search": [], "child profile": [], "alerts queue": []}
    budget = threading.Semaphore(args.max_requests)
    stop_at = time.monotonic() + args.seconds
    errors: list[str] = []
    profiler = None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        svg = args.profile / f"portal-{workers}-workers-think-{think_ms:g}.folded"
        profiler = subprocess.Popen(
            ["py-spy", "record", "--subprocesses", "--rate", "50", "--duration", str(int(args.seconds)),
             "--pid", str(server.pid), "--format", "raw", "--output", str(svg)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def user(client: httpx.Client, seed: int) -> None:
        rnd = random.Random(seed)
        while time.monotonic() < stop_at and budget.acquire(blocking=False):
            kind = rnd.choice(list(timings))
            if kind == "search":
                url = "/search?name=" + rnd.choice(names).split("-")[0].lower()
            elif kind == "child profile":
                url = "/people/" + rnd.choice(people)
            else:
                url = "/alerts?status=open&sort=newest"
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
            if response.status_code != 200:
                errors.append(f"{url}: {response.status_code}")
            timings[kind].append(elapsed)
            if think_ms:
                time.sleep(rnd.uniform(0.5, 1.5) * think_ms / 1000)

    threads = [threading.Thread(target=user, args=(c, i)) for i, c in enumerate(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    rss = _rss_mb(server.pid)
    if profiler is not None:
        profiler.wait(timeout=120)
    server.terminate()
    server.wait(timeout=60)
    for client in clients:
        client.close()
    total = sum(len(v) for v in timings.values())
    report: dict[str, object] = {
        "workers": workers, "users": args.users, "think_ms": think_ms, "seconds": round(wall, 1), "requests": total,
        "requests_per_s": round(total / wall, 1), "errors": len(errors), "server_rss_mb": rss,
    }  # fmt: skip
    for kind, values in timings.items():
        values.sort()
        if values:
            report[kind] = {
                "requests": len(values),
                "p50_ms": round(statistics.median(values), 1),
                "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1),
            }
    if errors:
        print("first errors:", errors[:5], file=sys.stderr)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--max-requests", type=int, default=4000)
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to measure, in turn")
    parser.add_argument(
        "--think-ms", default="1000,0", help="comma-separated mean think times between a user's pages, in turn"
    )
    parser.add_argument("--database-url", default="", help="PostgreSQL app database (emptied); default SQLite")
    parser.add_argument("--profile", type=Path, help="write py-spy collapsed stacks of the server to this folder")
    args = parser.parse_args()
    if args.profile and shutil.which("py-spy") is None:
        parser.error("--profile needs py-spy on PATH")

    tmp = tempfile.TemporaryDirectory()
    data = args.data_dir or Path(tmp.name)
    url = args.database_url or f"sqlite:///{Path(tmp.name) / 'bench-app.sqlite3'}"
    settings = Settings(data_dir=data, database_url=url)
    if args.data_dir is None:
        t0 = time.perf_counter()
        build_county(settings.snapshot_dir)
        print(f"built a county-sized snapshot in {time.perf_counter() - t0:.1f} s", flush=True)
    import duckdb

    with duckdb.connect(str(store.current(settings.snapshot_dir).path), read_only=True) as con:
        people = [r[0] for r in con.execute("SELECT DISTINCT person_id FROM alerts LIMIT 200").fetchall()]
        names = [r[0] for r in con.execute("SELECT display_name FROM persons USING SAMPLE 200 ROWS").fetchall()]
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    reports = []
    for workers in [int(w) for w in args.workers.split(",")]:
        for think_ms in [float(t) for t in args.think_ms.split(",")]:
            report = run_once(settings, workers, think_ms, args, people, names)
            reports.append(report)
            print(json.dumps(report, indent=2), flush=True)
    for report in reports:
        kinds = [k for k in ("search", "child profile", "alerts queue") if k in report]
        ok = not report["errors"] and all(report[k]["p95_ms"] < 300 for k in kinds)  # type: ignore[index]
        p95 = " / ".join(f"{report[k]['p95_ms']:.0f}" for k in kinds)  # type: ignore[index]
        print(
            f"{report['workers']} worker(s), think {report['think_ms']:g} ms, {report['requests_per_s']} pages/s:",
            f"p95 {' / '.join(kinds)} = {p95} ms; target p95 < 300 ms",
            "met" if ok else "NOT met",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
