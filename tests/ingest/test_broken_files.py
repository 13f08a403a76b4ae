"""A corpus of broken files: each gets a clear message (or clean quarantine) and a correct manifest."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.ingest.errors import FileError
from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

HEADER = "source_system,episode_ref,person_ref,reported_at,narrative\n"
ROW = "compact,ME{n},CM1,2024-03-01T18:00:00+00:00,ok\n"


def good_rows(n: int) -> str:
    return "".join(ROW.format(n=i) for i in range(n))


FATAL = {
    "empty": (b"", 1, "(header)"),
    "only_blank_lines": (b"\n\n\n", 1, "(header)"),
    "missing_header": (good_rows(3).encode(), 1, "source_system"),
    "duplicate_header": (b"source_system,episode_ref,episode_ref,person_ref,reported_at\n", 1, "episode_ref"),
    "binary_junk": (bytes(range(256)) * 40, 1, "(file)"),  # a NUL byte on line 1
    "utf16": (HEADER.encode("utf-16"), 1, "(file)"),
}


@pytest.mark.parametrize("name", sorted(FATAL))
def test_unreadable_files_refuse_the_load_with_file_line_and_field(tmp_path: Path, name: str) -> None:
    content, line, field = FATAL[name]
    path = tmp_path / "missing_episodes-2024-03.csv"
    path.write_bytes(content)
    lake = Lake(tmp_path / "lake")
    with pytest.raises(FileError) as err:
        ingest([path], lake)
    assert (err.value.path, err.value.line, err.value.field) == (path, line, field), str(err.value)
    (manifest,) = lake.manifests()
    assert manifest["status"] == "refused" and manifest["rows_loaded"] == 0 and str(path) in manifest["error"]
    assert not list(lake.root.glob("missing_episodes/*"))


def test_truncated_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "missing_episodes-2024-03.csv.gz"
    path.write_bytes(gzip.compress((HEADER + good_rows(2000)).encode())[:-200])
    with pytest.raises(FileError, match="cannot be read"):
        ingest([path], Lake(tmp_path / "lake"))


ROW_PROBLEMS = {
    # name: (extra text appended after good rows, line, field); line 13 follows a blank and a two-line row
    "ragged_short": ("compact,MEX,CM1\n", 13, "(row)"),
    "ragged_long": ("compact,MEX,CM1,2024-03-01T18:00:00+00:00,ok,extra\n", 13, "(row)"),
    "unclosed_quote": ('compact,MEX,CM1,2024-03-01T18:00:00+00:00,"never closed\n', 13, "(row)"),
    "bad_timestamp": ("compact,MEX,CM1,01/03/2024 18:00,ok\n", 13, "reported_at"),
}


@pytest.mark.parametrize("name", sorted(ROW_PROBLEMS))
def test_broken_rows_inside_a_good_file_are_quarantined(tmp_path: Path, name: str) -> None:
    extra, line, field = ROW_PROBLEMS[name]
    path = tmp_path / "missing_episodes-2024-03.csv"
    # A blank line and a quoted multi-line value before the problem keep the line arithmetic honest.
    path.write_text(HEADER + good_rows(8) + "\n" + 'compact,MEQ,CM1,2024-03-01T18:00:00+00:00,"two\nlines"\n' + extra)
    lake = Lake(tmp_path / "lake")
    result = ingest([path], lake, max_reject_rate=0.5)
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (10, 9, 1)
    problems = {(p.line, p.field) for p in _quarantine(lake, result.load_id or "")}
    assert (line, field) in problems, problems
    assert _quarantine(lake, result.load_id or "")[0].raw.startswith("compact,MEX")


def test_huge_field_loads(tmp_path: Path) -> None:
    path = tmp_path / "missing_episodes-2024-03.csv"
    path.write_text(HEADER + ROW.format(n=1).replace(",ok", ',"' + "x" * 2_000_000 + '"'))
    result = ingest([path], Lake(tmp_path / "lake"))
    assert result.rows_loaded == 1


def test_a_folder_with_no_data_loads_nothing_and_lists_what_it_skipped(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "readme.md").write_text("nothing here")
    result = ingest([tmp_path / "in"], Lake(tmp_path / "lake"))
    assert result.status == "nothing_new" and result.load_id is None
    assert [s["reason"] for s in result.files_skipped] == [
        "not a recognised export format (expected .csv, .jsonl, .ndjson, .parquet, .txt, optionally .gz)"
    ]


class _Problem:
    def __init__(self, row: dict[str, object]) -> None:
        self.line = int(str(row["line"]))
        self.field = str(row["field"])
        self.raw = str(row["raw"])


def _quarantine(lake: Lake, load_id: str) -> list[_Problem]:
    import pyarrow.parquet as pq

    return [_Problem(r) for r in pq.read_table(lake.quarantine_file(load_id)).to_pylist()]


cell = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=7), max_size=25), tail=st.binary(max_size=30))
def test_any_input_is_loaded_quarantined_or_refused_never_crashes(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], tail: bytes
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_system", "episode_ref", "person_ref", "reported_at", "narrative"])
    writer.writerows(rows)
    path = folder / "missing_episodes-2024-03.csv"
    path.write_bytes(buffer.getvalue().encode() + tail)
    lake = Lake(folder / "lake")
    try:
        result = ingest([path], lake, max_reject_rate=1.0)
    except FileError as exc:
        assert exc.path == path and exc.line >= 1
        assert lake.manifests()[-1]["status"] == "refused"
        return
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_duplicate
    if result.load_id:
        con = DuckDBEngine(lake).connect()
        loaded = con.execute("SELECT count(*) FROM missing_episodes_versions").fetchall()[0][0]
        assert loaded == result.rows_loaded
