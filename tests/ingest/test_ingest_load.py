from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safeguarding.ingest.errors import FileError
from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

HEADER = "source_system,episode_ref,person_ref,reported_at,found_at,risk_grade,narrative\n"
GOOD = [
    "compact,ME1,CM1,2024-03-01T18:00:00+00:00,2024-03-02T09:00:00+00:00,medium,first\n",
    "compact,ME2,CM1,2024-03-09T18:00:00+00:00,,high,second\n",
    'compact,ME3,CM2,2024-03-10T10:00:00+01:00,,low,"quoted, with comma\nand a new line"\n',
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def lake_rows(lake: Lake, view: str) -> list[tuple[object, ...]]:
    con = DuckDBEngine(lake).connect()
    rows = con.execute(f"SELECT * EXCLUDE (_load_id, _source_file, _row_hash) FROM {view} ORDER BY ALL").fetchall()
    con.close()
    return rows


def test_clean_file_loads_and_counts_reconcile(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    f = write(tmp_path / "missing_episodes-2024-03.csv", HEADER + "".join(GOOD))
    result = ingest([f], lake)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded",
        3,
        3,
        0,
    )
    manifest = lake.manifest(result.load_id or "")
    assert manifest["files"][0]["sha256"] and manifest["rows_loaded"] == 3
    assert len(lake_rows(lake, "missing_episodes")) == 3


def test_loading_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    f = write(tmp_path / "missing_episodes-2024-03.csv", HEADER + "".join(GOOD))
    ingest([f], lake)
    before = lake_rows(lake, "missing_episodes_versions")
    again = ingest([f], lake)
    assert again.status == "nothing_new" and again.load_id is None
    assert lake_rows(lake, "missing_episodes_versions") == before
    assert len(lake.manifests()) == 1
    # The same rows under another file name are counted as exact duplicates, not loaded twice.
    copy = write(
        tmp_path / "missing_episodes-2024-03-resent.csv",
        HEADER + "".join(GOOD) + GOOD[0].replace("ME1", "ME9"),
    )
    third = ingest([copy], lake)
    assert (third.rows_read, third.rows_loaded, third.rows_duplicate) == (4, 1, 3)
    assert len(lake_rows(lake, "missing_episodes_versions")) == 4


def test_bad_rows_are_quarantined_with_file_line_field_and_reason(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    rows = GOOD * 7 + [
        "compact,ME4,CM3,yesterday,,medium,bad time\n",
        "compact,ME5,CM3,2024-03-01T18:00:00+00:00,2024-02-01T18:00:00+00:00,severe,two problems\n",
    ]
    f = write(tmp_path / "missing_episodes-2024-03.csv", HEADER + "".join(rows))
    result = ingest([f], lake, max_reject_rate=0.2)
    assert result.status == "loaded"
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_duplicate
    assert result.rows_quarantined == 2
    q = pq.read_table(lake.quarantine_file(result.load_id or "")).to_pylist()
    problems = {(r["line"], r["field"]) for r in q}
    # The multi-line quoted narrative makes the physical line numbers run ahead of the row count.
    assert (30, "reported_at") in problems
    assert (31, "risk_grade") in problems and (31, "found_at") in problems
    by_line = {r["line"]: r for r in q}
    assert by_line[30]["raw"].startswith("compact,ME4") and by_line[30]["file"] == str(f)
    assert "ISO 8601" in by_line[30]["reason"]


def test_too_many_bad_rows_refuses_the_whole_load(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    f = write(tmp_path / "missing_episodes-2024-03.csv", HEADER + GOOD[0] + "compact,ME4,CM3,never,,medium,x\n")
    result = ingest([f], lake, max_reject_rate=0.05)
    assert result.status == "refused"
    assert lake_rows(lake, "missing_episodes_versions") == []
    assert lake.manifest(result.load_id or "")["status"] == "refused"
    assert lake.quarantine_file(result.load_id or "").exists()


def test_missing_required_column_stops_the_load_naming_file_line_and_field(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    good = write(tmp_path / "missing_episodes-2024-02.csv", HEADER + GOOD[0])
    bad = write(tmp_path / "missing_episodes-2024-03.csv", "source_system,episode_ref,person_ref\ncompact,ME1,CM1\n")
    with pytest.raises(FileError) as err:
        ingest([good, bad], lake)
    assert err.value.line == 1 and err.value.field == "reported_at" and err.value.path == bad
    assert lake_rows(lake, "missing_episodes_versions") == []
    (manifest,) = lake.manifests()
    assert manifest["status"] == "refused" and "field 'reported_at'" in manifest["error"]


def test_interrupted_load_is_invisible_and_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(tmp_path / "lake")
    f = write(tmp_path / "missing_episodes-2024-03.csv", HEADER + "".join(GOOD))

    def crash(self: Lake, load_id: str, manifest: dict[str, object]) -> None:
        # Data moved into place, then the process dies before writing the manifest.
        staged = self.staging(load_id) / "missing_episodes"
        target = self.root / "missing_episodes" / f"load_id={load_id}"
        target.parent.mkdir(parents=True, exist_ok=True)
        staged.rename(target)
        raise KeyboardInterrupt

    monkeypatch.setattr(Lake, "commit", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest([f], lake)
    monkeypatch.undo()
    assert lake_rows(lake, "missing_episodes_versions") == []
    result = ingest([f], lake)
    assert result.rows_loaded == 3
    assert len(list((lake.root / "missing_episodes").iterdir())) == 1


def test_amended_record_keeps_both_versions_and_the_latest_wins(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest([write(tmp_path / "missing_episodes-a.csv", HEADER + GOOD[1])], lake)
    ingest(
        [
            write(
                tmp_path / "missing_episodes-b.csv",
                HEADER + GOOD[1].replace(",,high,", ",2024-03-10T08:00:00+00:00,high,"),
            )
        ],
        lake,
    )
    assert len(lake_rows(lake, "missing_episodes_versions")) == 2
    latest = lake_rows(lake, "missing_episodes")
    assert len(latest) == 1


@pytest.mark.parametrize("kind", ["cp1252", "bom", "gzip", "jsonl", "parquet", "semicolon"])
def test_formats_and_encodings(tmp_path: Path, kind: str) -> None:
    lake = Lake(tmp_path / "lake")
    text = HEADER + GOOD[0].replace("first", "café £5")
    if kind == "cp1252":
        f = write(tmp_path / "missing_episodes-x.csv", text, "cp1252")
    elif kind == "bom":
        f = write(tmp_path / "missing_episodes-x.csv", "\ufeff" + text)
    elif kind == "semicolon":
        f = write(tmp_path / "missing_episodes-x.csv", text.replace(",", ";"))
    elif kind == "gzip":
        f = tmp_path / "missing_episodes-x.csv.gz"
        f.write_bytes(gzip.compress(text.encode()))
    elif kind == "jsonl":
        f = tmp_path / "missing_episodes-x.jsonl"
        obj = {
            "source_system": "compact",
            "episode_ref": "ME1",
            "person_ref": "CM1",
            "reported_at": "2024-03-01T18:00:00+00:00",
            "narrative": "café £5",
        }
        f.write_text(json.dumps(obj) + "\n", encoding="utf-8")
    else:
        f = tmp_path / "missing_episodes-x.parquet"
        pq.write_table(
            pa.table(
                {
                    "source_system": ["compact"],
                    "episode_ref": ["ME1"],
                    "person_ref": ["CM1"],
                    "reported_at": ["2024-03-01T18:00:00+00:00"],
                    "narrative": ["café £5"],
                }
            ),
            f,
        )
    result = ingest([f], lake)
    assert result.rows_loaded == 1, result.reasons
    con = DuckDBEngine(lake).connect()
    assert con.execute("SELECT narrative FROM missing_episodes").fetchall() == [("café £5",)]


def test_unrecognised_files_are_skipped_and_listed(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    write(tmp_path / "notes.txt", "hello")
    write(tmp_path / "vehicles-2024-01.csv", "a,b\n1,2\n")
    write(tmp_path / "missing_episodes-2024-03.csv", HEADER + GOOD[0])
    result = ingest([tmp_path], lake)
    skipped = {Path(s["path"]).name for s in result.files_skipped}
    assert skipped == {"notes.txt", "vehicles-2024-01.csv"}
    assert result.rows_loaded == 1


def test_dates_are_normalised_to_iso(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    f = write(
        tmp_path / "persons-x.csv",
        "source_system,person_ref,surname,date_of_birth\nniche,N1,Smith,03/04/2010\nniche,N2,Jones,2011-05-06\n",
    )
    assert ingest([f], lake).rows_loaded == 2
    con = DuckDBEngine(lake).connect()
    dobs = [r[0].isoformat() for r in con.execute("SELECT date_of_birth FROM persons ORDER BY person_ref").fetchall()]
    assert dobs == ["2010-04-03", "2011-05-06"]
    assert isinstance(con, duckdb.DuckDBPyConnection)
