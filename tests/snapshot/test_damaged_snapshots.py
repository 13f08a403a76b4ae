"""A damaged or missing published snapshot (or CURRENT) is named, and the newest one that checks out is used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeguarding.snapshot import store


def _two_snapshots(folder: Path) -> tuple[Path, Path]:
    with store.build(folder) as con:
        con.execute("INSERT INTO snapshot_meta VALUES ('note', 'older')")
    older = store.current(folder).path
    with store.build(folder) as con:
        con.execute("INSERT INTO snapshot_meta VALUES ('note', 'newer')")
    newer = store.current(folder).path
    assert older != newer and older.name < newer.name
    return older, newer


def _flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])
    path.write_bytes(bytes(data))


def test_a_build_records_the_checksum_in_current_and_beside_the_file(tmp_path: Path) -> None:
    _older, newer = _two_snapshots(tmp_path)
    digest = store.file_sha256(newer)
    assert json.loads((tmp_path / "CURRENT").read_text())["sha256"] == digest
    assert store.checksum_file(newer).read_text() == f"{digest}  {newer.name}\n"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda folder, snap: _flip_bytes(snap), "is damaged: its SHA-256 differs"),
        (lambda folder, snap: snap.write_bytes(snap.read_bytes()[:4096]), "is damaged"),
        (lambda folder, snap: snap.unlink(), "is missing"),
        (lambda folder, snap: (folder / "CURRENT").unlink(), "CURRENT is missing"),
        (lambda folder, snap: (folder / "CURRENT").write_text('{"file": '), "CURRENT is damaged"),
        (lambda folder, snap: (folder / "CURRENT").write_text('{"file": "../../etc/passwd"}'), "CURRENT is damaged"),
    ],
    ids=["bytes-flipped", "truncated", "file-deleted", "current-deleted", "current-garbled", "current-escapes"],
)
def test_damage_is_named_and_the_older_snapshot_is_used(tmp_path: Path, damage, message: str) -> None:  # type: ignore[no-untyped-def]
    older, newer = _two_snapshots(tmp_path)
    damage(tmp_path, newer)
    with pytest.raises(store.SnapshotError, match=message):
        store.current(tmp_path)
    found = store.usable(tmp_path)
    if message in ("CURRENT is missing", "CURRENT is damaged"):
        # CURRENT gone: the newest snapshot that checks out is the one it named.
        assert found.snapshot.path == newer
    else:
        assert found.snapshot.path == older
    assert found.problem is not None and message.split(":")[0] in found.problem
    assert "safeguarding assess" in found.problem


def test_when_no_snapshot_checks_out_the_error_says_so(tmp_path: Path) -> None:
    older, newer = _two_snapshots(tmp_path)
    _flip_bytes(older)
    newer.unlink()
    with pytest.raises(store.SnapshotError, match=r"is missing.*no earlier snapshot .* checks out"):
        store.usable(tmp_path)


def test_nothing_published_yet_is_not_a_fault(tmp_path: Path) -> None:
    with pytest.raises(store.SnapshotError, match="no snapshot has been published"):
        store.usable(tmp_path)
    assert store.previous_mentions(tmp_path, warn=pytest.fail) == []


def test_previous_mentions_falls_back_with_one_warning(tmp_path: Path) -> None:
    with store.build(tmp_path) as con:
        con.execute("INSERT INTO mentions (source_system, person_ref, person_id) VALUES ('niche', 'N1', 'P-1')")
    with store.build(tmp_path) as con:
        con.execute("INSERT INTO mentions (source_system, person_ref, person_id) VALUES ('niche', 'N1', 'P-2')")
    newest = store.current(tmp_path).path
    _flip_bytes(newest)
    warnings: list[str] = []
    assert store.previous_mentions(tmp_path, warn=warnings.append) == [("niche", "N1", "P-1")]
    assert len(warnings) == 1 and newest.name in warnings[0] and "carried over from" in warnings[0]
    for path in tmp_path.glob("snapshot-*.duckdb"):
        if path != newest:
            _flip_bytes(path)
    warnings.clear()
    assert store.previous_mentions(tmp_path, warn=warnings.append) == []
    assert len(warnings) == 1 and "person ids will not carry over" in warnings[0]


def test_the_next_build_removes_what_an_interrupted_one_left(tmp_path: Path) -> None:
    _older, newer = _two_snapshots(tmp_path)
    left = [
        tmp_path / "snapshot-20990101T000000000000Z-abcdef.duckdb.partial",
        tmp_path / "snapshot-20990101T000000000000Z-abcdef.duckdb.partial.wal",
        tmp_path / ".CURRENT.1234abcd",
        tmp_path / "snapshot-20990101T000000000000Z-abcdef.duckdb.sha256",
        tmp_path / "snapshot-20990101T000000000000Z-abcdef.duckdb.sha256.tmp",
    ]
    for path in left:
        path.write_bytes(b"left by a killed build")
    assert store.usable(tmp_path).snapshot.path == newer  # leftovers are not mistaken for snapshots
    with store.build(tmp_path):
        pass
    assert not [p for p in left if p.exists()]
    assert store.checksum_file(newer).exists()
