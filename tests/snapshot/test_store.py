from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from safeguarding.snapshot import store


def test_build_publishes_atomically_and_a_failed_build_changes_nothing(tmp_path: Path) -> None:
    with store.build(tmp_path) as con:
        con.execute("INSERT INTO snapshot_meta VALUES ('note', 'first')")
    first = store.current(tmp_path)
    with pytest.raises(RuntimeError), store.build(tmp_path) as con:
        con.execute("INSERT INTO snapshot_meta VALUES ('note', 'second')")
        raise RuntimeError("boom")
    assert store.current(tmp_path).path == first.path
    assert not list(tmp_path.glob("*.partial"))
    assert len(list(tmp_path.glob("snapshot-*.duckdb"))) == 1


def test_no_snapshot_yet_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(store.SnapshotError, match="no snapshot has been published"):
        store.current(tmp_path)


def test_a_snapshot_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    with store.build(tmp_path):
        pass
    snap = store.current(tmp_path)
    con = duckdb.connect(str(snap.path))
    con.execute("UPDATE snapshot_meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    # As another release would have published it: with its own checksum.
    digest = store.file_sha256(snap.path)
    store.checksum_file(snap.path).write_text(f"{digest}  {snap.path.name}\n")
    store.publish(tmp_path, snap.path, digest)
    with pytest.raises(store.SnapshotError, match="schema version 999"):
        store.current(tmp_path)
    assert json.loads((tmp_path / "CURRENT").read_text())["file"] == snap.path.name


def test_a_built_snapshot_has_its_lookup_indexes(tmp_path: Path) -> None:
    from safeguarding.snapshot.schema import INDEXES

    with store.build(tmp_path):
        pass
    with duckdb.connect(str(store.current(tmp_path).path), read_only=True) as con:
        made = {(t, c) for t, c in con.execute("SELECT table_name, expressions FROM duckdb_indexes()").fetchall()}
    assert {(t, f"[{c}]") for t, c in INDEXES} <= made
