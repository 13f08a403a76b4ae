"""Open every board and governance page on a data folder made by the pipeline, as its users would, and time each.

    python bench/bench_pages.py --data-dir DIR [--repeat 3]

DIR is a data folder with a published snapshot (e.g. made by `safeguarding run` on the synthetic county). The
folder's snapshot is read in place; the portal's app database is a fresh SQLite file in a temporary folder, so
nothing in DIR changes. A supervisor, an auditor and a Gold Group member sign in; the script opens the five
boards and their exports, draws a stratified audit sample and opens a drawn case, creates a problem-solving plan
for the busiest place of concern and opens it (before/after measures computed from the snapshot), and opens the
Gold Group dashboard and the outcomes page. Each page must answer 200; the median time of --repeat requests is
printed. This is the check behind "works on the synthetic county" for issues 8 and 9; it is not a load test
(bench_portal.py is).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.snapshot import store
from safeguarding.web import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "benchmark passphrase 2026"  # noqa: S105 - synthetic accounts in a throwaway database


def _csrf(html: str) -> str:
    return html.split('name="csrf_token" value="')[1].split('"')[0]


def _sign_in(client: TestClient, username: str, one_time: str) -> None:
    client.cookies.clear()
    page = client.get("/login")
    client.post("/login", data={"username": username, "password": one_time, "csrf_token": _csrf(page.text)})
    page = client.get("/change-password")
    client.post(
        "/change-password",
        data={"current_password": one_time, "new_password": PASSWORD, "confirm_password": PASSWORD,
              "csrf_token": _csrf(page.text)},
    )  # fmt: skip


def _time(client: TestClient, path: str, repeat: int, failures: list[str]) -> str:
    times, last = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        last = client.get(path)
        times.append(time.perf_counter() - start)
    assert last is not None
    if last.status_code != 200:
        failures.append(f"{path}: HTTP {last.status_code}")
    print(f"  {path:<60} {last.status_code}  {statistics.median(times) * 1000:8.0f} ms  {len(last.content):>9} bytes")
    return last.text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        store.current(Settings(data_dir=args.data_dir).snapshot_dir)
    except store.SnapshotError as exc:
        print(f"{args.data_dir}: {exc}", file=sys.stderr)
        return 1
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        settings = Settings(data_dir=args.data_dir, database_url=f"sqlite:///{Path(tmp) / 'app.sqlite3'}")
        factory = open_app_db(settings)
        accounts = {
            name: users.add_user(factory, name, [role], name.title())[1]
            for name, role in [("sam", "supervisor"), ("ada", "auditor"), ("gill", "gold_group")]
        }
        factory.kw["bind"].dispose()
        with TestClient(create_app(settings)) as client:
            _sign_in(client, "sam", accounts["sam"])
            print("supervisor: boards")
            for board in ("missing", "custody", "ppns", "online", "offenders"):
                _time(client, f"/boards/{board}", args.repeat, failures)
            for board in ("missing", "custody", "ppns", "online"):
                _time(client, f"/boards/{board}/export?format=csv", 1, failures)
            print("supervisor: problem-solving")
            page = client.get("/problems")
            places = re.findall(r'<option value="(place:[^"]+)"', page.text)
            if not places:
                failures.append("/problems: no place of concern offered")
            else:
                made = client.post(
                    "/problems",
                    data={"title": "Busiest place of concern", "subject": places[0], "started_on": "2025-06-01",
                          "problem": "Repeated missing episodes and exploitation reports at this place.",
                          "csrf_token": _csrf(page.text)},
                    follow_redirects=False,
                )  # fmt: skip
                if made.status_code != 303:
                    said = re.findall(r"role=.alert.><p>([^<]+)<", made.text)
                    failures.append(f"POST /problems: HTTP {made.status_code} {said}")
                else:
                    _time(client, made.headers["location"], args.repeat, failures)
            _sign_in(client, "ada", accounts["ada"])
            print("auditor: case audits")
            page = client.get("/audits")
            drawn = client.post(
                "/audits/sample",
                data={"method": "stratified", "size": "10", "csrf_token": _csrf(page.text)},
                follow_redirects=False,
            )
            if drawn.status_code not in (200, 303):
                failures.append(f"POST /audits/sample: HTTP {drawn.status_code}")
            listing = _time(client, "/audits", args.repeat, failures)
            opened = re.findall(r'href="(/audits/\d+)"', listing)
            if not opened:
                failures.append("/audits: the sample drew no case")
            else:
                _time(client, opened[0], args.repeat, failures)
            _time(client, "/audits/trends", args.repeat, failures)
            _sign_in(client, "gill", accounts["gill"])
            print("gold group")
            _time(client, "/gold", args.repeat, failures)
            outcomes = _time(client, "/outcomes", args.repeat, failures)
            if "not yet computed" in outcomes.lower():
                print("  note: the outcomes page lists measures not yet computed for this snapshot")
    for failure in failures:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
