from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.erase import ErasureError, Target
from safeguarding.lake.store import Lake
from safeguarding.security import audit
from safeguarding.snapshot import store


def test_targets_are_parsed_strictly() -> None:
    assert Target.parse("persons:niche:NP1") == Target("persons", "niche", "NP1")
    with pytest.raises(ErasureError, match="unknown record type"):
        Target.parse("people:niche:NP1")
    with pytest.raises(ErasureError, match="RECORD_TYPE:SOURCE_SYSTEM:REF"):
        Target.parse("persons:NP1")


def _grep(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_erase_removes_a_person_everywhere_and_audits_it_by_reference(tiny_force: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "SAFEGUARDING_DATA_DIR": str(data), "SAFEGUARDING_QUIET": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "safeguarding.cli", *args], env=env, capture_output=True,
                              text=True, check=False, timeout=300)  # fmt: skip

    assert cli("run", str(tiny_force / "exports")).returncode == 0
    settings = Settings(data_dir=data)
    con = DuckDBEngine(Lake(settings.lake_dir)).connect()
    source, ref, surname = con.execute(
        "SELECT source_system, person_ref, surname FROM persons ORDER BY person_ref LIMIT 1"
    ).fetchall()[0]
    con.close()
    first_snapshot = store.current(settings.snapshot_dir).path
    erased = cli("erase", f"persons:{source}:{ref}", "--reason", "court order T-1", "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "removed" in erased.stdout
    con = DuckDBEngine(Lake(settings.lake_dir)).connect()
    assert con.execute("SELECT count(*) FROM persons_versions WHERE person_ref = ?", [ref]).fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM persons_versions").fetchall()[0][0] > 0
    snap = store.current(settings.snapshot_dir)
    assert snap.path != first_snapshot and not first_snapshot.exists()
    with duckdb.connect(str(snap.path), read_only=True) as s:
        assert s.execute("SELECT count(*) FROM mentions WHERE person_ref = ?", [ref]).fetchall()[0][0] == 0
    # No file in the data folder still names the erased mention...
    leftovers = [p for p in _grep(data, ref.encode()) if p.suffix not in (".sqlite3",) and "_erasures" not in p.parts]
    assert leftovers == []
    # ...and the audit log records the erasure by reference, without the erased personal data.
    engine = db.make_engine(settings.app_database_url)
    with db.session_factory(engine)() as session:
        entries = [e for e in audit.recent(session, 50) if e.action == "erase"]
    engine.dispose()
    assert len(entries) == 1
    assert f"persons:{source}:{ref}" in entries[0].detail and surname not in entries[0].detail
    log = json.loads(next((data / "lake" / "_erasures").glob("*.json")).read_text())
    assert log["reason"] == "court order T-1" and log["rows_removed"]["persons"] >= 1
