"""What interrupted runs leave behind is removed by the next run; live files (SQLite's WAL) never are."""

from __future__ import annotations

from pathlib import Path

from safeguarding.config import Settings
from safeguarding.recovery.checks import clean_leftovers
from safeguarding.snapshot import store


def test_leftovers_are_removed_and_nothing_else(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    data = settings.data_dir
    with store.build(settings.snapshot_dir):
        pass
    published = store.current(settings.snapshot_dir).path
    keep = [
        data / "app.sqlite3", data / "app.sqlite3-wal", data / "app.sqlite3-shm",
        data / "lake" / "_loads" / "L1.json", data / "lake" / "persons" / "load_id=L1" / "part-0.parquet",
        data / "models" / "linkage-model.json", published, store.checksum_file(published),
        settings.snapshot_dir / "CURRENT",
    ]  # fmt: skip
    left = [
        data / "lake" / "_loads" / ".L2.json.tmp",
        data / "lake" / "_staging" / "L2" / "persons" / "part-0.parquet",
        data / "lake" / "persons" / "load_id=L2" / "part-0.parquet",
        settings.snapshot_dir / "snapshot-20991231T000000000000Z-aaaaaa.duckdb.partial",
        settings.snapshot_dir / "snapshot-20991231T000000000000Z-aaaaaa.duckdb.partial.wal",
        settings.snapshot_dir / ".CURRENT.deadbeef",
        data / "models" / "linkage-model.json.tmp",
    ]
    for path in keep + left:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text('{"load_id": "L1", "status": "loaded", "files": []}' if path.name == "L1.json" else "x")
    removed = clean_leftovers(settings)
    assert [p for p in left if p.exists()] == []
    assert [p for p in keep if not p.exists()] == []
    assert "lake load L2" in removed
