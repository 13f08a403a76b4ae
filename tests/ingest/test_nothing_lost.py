"""Ways a load used to lose or change data without a crash; each test failed before its fix."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safeguarding.ingest import validate as validate_module
from safeguarding.ingest.errors import FileError
from safeguarding.ingest.loader import ingest
from safeguarding.ingest.rowwise import MAX_RECORD_LINES
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

HEADER = "source_system,person_ref,forenames,surname,date_of_birth\n"


def person(i: int, forenames: str = "Ann", surname: str = "Smith") -> str:
    return f"niche,P{i},{forenames},{surname},2010-01-0{1 + i % 9}\n"


def loaded(lake: Lake, table: str = "persons") -> list[dict[str, object]]:
    con = DuckDBEngine(lake).connect()
    rows = con.sql(f"SELECT * FROM {table}_versions ORDER BY _line").to_arrow_table().to_pylist()
    con.close()
    return rows


def quarantine(lake: Lake, load_id: str | None) -> list[dict[str, object]]:
    assert load_id
    path = lake.quarantine_file(load_id)
    return pq.read_table(path).to_pylist() if path.exists() else []


def write(tmp_path: Path, text: str | bytes, name: str = "persons-2024-03.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


# 1. One unclosed quote must not swallow the rest of the file.


def test_a_stray_quote_costs_one_row_not_the_rest_of_the_file(tmp_path: Path) -> None:
    rows = [person(i) for i in range(1000)]
    rows[198] = 'niche,P198,"Ann,Smith,2010-01-01\n'  # line 200: a quote opened and never closed
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, HEADER + "".join(rows))], lake, max_reject_rate=0.5)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (1000, 999, 1)
    problems = quarantine(lake, result.load_id)
    assert {p["line"] for p in problems} == {200}
    assert any("never closed" in str(p["reason"]) for p in problems)
    assert str(problems[0]["raw"]).startswith("niche,P198")
    assert len(loaded(lake)) == 999


def test_a_quote_closed_far_below_does_not_join_the_rows_between(tmp_path: Path) -> None:
    rows = [person(i) for i in range(300)]
    rows[10] = 'niche,P10,"Ann,Smith,2010-01-01\n'  # opened on line 12 ...
    rows[250] = 'niche,P250,Ann",Smith,2010-01-01\n'  # ... and a stray quote that "closes" it on line 252
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, HEADER + "".join(rows))], lake, max_reject_rate=0.5)
    assert result.rows_read == 300
    assert {p["line"] for p in quarantine(lake, result.load_id)} <= {12, 252}
    assert result.rows_loaded >= 298


def test_a_quoted_value_past_the_line_limit_is_a_quote_left_open(tmp_path: Path) -> None:
    long_value = '"' + "\n".join(["text"] * (MAX_RECORD_LINES + 5)) + '"'
    body = person(0) + f"niche,P1,Ann,{long_value},2010-01-01\n" + person(2)
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, HEADER + body)], lake, max_reject_rate=1.0)
    # Every physical line is a row of its own once the open quote is refused: nothing is hidden inside it.
    assert result.rows_read == MAX_RECORD_LINES + 7
    reasons = [str(p["reason"]) for p in quarantine(lake, result.load_id) if p["line"] == 3]
    assert any("still open" in r for r in reasons), reasons


def test_a_multiline_value_that_is_quoted_properly_still_loads(tmp_path: Path) -> None:
    body = person(0) + 'niche,P1,"Ann\nMarie",Smith,2010-01-01\n' + person(2)
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, HEADER + body)], lake, parser="exact")
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert [r["_line"] for r in loaded(lake)] == [2, 3, 5]


# 2. Encoding is decided per file, and what cannot be decoded is never loaded as mojibake.


def test_a_utf8_file_with_one_windows_1252_byte_keeps_its_utf8_and_quarantines_that_line(tmp_path: Path) -> None:
    text = (HEADER + person(0, "José") + person(1, "Zoë") + person(2, "Renée") + person(3, "Chloé")).encode()
    text = text.replace("Renée".encode(), "Renée".encode("cp1252"))  # line 4: one Windows-1252 byte
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, text)], lake, max_reject_rate=0.5)
    assert result.files[0].encoding == "utf-8 with undecodable lines"
    assert [r["forenames"] for r in loaded(lake)] == ["José", "Zoë", "Chloé"]
    (problem,) = quarantine(lake, result.load_id)
    assert problem["line"] == 4 and "0xE9" in str(problem["reason"]) and "not utf-8" in str(problem["reason"])
    assert "Ren\\xe9e" in str(problem["raw"])


def test_a_windows_1252_file_is_transcoded_and_says_so(tmp_path: Path) -> None:
    text = (HEADER + person(0, "José") + person(1, "Zoë")).encode("cp1252")
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, text)], lake)
    assert result.files[0].encoding == "windows-1252"
    assert [r["forenames"] for r in loaded(lake)] == ["José", "Zoë"]
    assert lake.manifests()[-1]["files"][0]["encoding"] == "windows-1252"


def test_a_plain_utf8_file_says_utf8(tmp_path: Path) -> None:
    result = ingest([write(tmp_path, HEADER + person(0, "José"))], Lake(tmp_path / "lake"))
    assert result.files[0].encoding == "utf-8"


def test_a_header_that_is_not_text_refuses_the_file(tmp_path: Path) -> None:
    text = "source_system,person_ref,forenam\xe9s,surname\n".encode("cp1252") + person(0, "José").encode()
    with pytest.raises(FileError) as err:
        ingest([write(tmp_path, text)], Lake(tmp_path / "lake"))
    assert err.value.line == 1


# 3. JSON Lines values of the wrong type are quarantined against their field, not coerced.

JSON_ROW = {"source_system": "niche", "person_ref": "P1", "forenames": "Ann", "surname": "Smith"}


def test_json_lists_and_objects_are_quarantined_with_their_field(tmp_path: Path) -> None:
    rows = [
        JSON_ROW,
        {**JSON_ROW, "person_ref": "P2", "forenames": ["Ann", "Bea"]},
        {**JSON_ROW, "person_ref": "P3", "surname": {"family": "Smith"}},
        {**JSON_ROW, "person_ref": "P4", "forenames": None},
        {**JSON_ROW, "person_ref": 5},
    ]
    path = write(tmp_path, "".join(json.dumps(r) + "\n" for r in rows), "persons-2024-03.jsonl")
    lake = Lake(tmp_path / "lake")
    result = ingest([path], lake, max_reject_rate=1.0)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    problems = {(p["line"], p["field"]) for p in quarantine(lake, result.load_id)}
    assert problems == {(2, "forenames"), (3, "surname")}
    assert "['Ann', 'Bea']" not in {r["forenames"] for r in loaded(lake)}
    assert {r["person_ref"] for r in loaded(lake)} == {"P1", "P4", "5"}


def test_json_nested_past_pythons_recursion_limit_is_quarantined_not_a_traceback(tmp_path: Path) -> None:
    text = json.dumps(JSON_ROW) + "\n" + "[" * 200_000 + "\n"
    lake = Lake(tmp_path / "lake")
    result = ingest([write(tmp_path, text, "persons-2024-03.jsonl")], lake, max_reject_rate=1.0)
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert any("nested too deeply" in str(p["reason"]) for p in quarantine(lake, result.load_id))


# 8. A line too long to be a record is refused with its line, before any parser tries to hold it.


def test_a_line_over_the_field_limit_is_refused_naming_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding.ingest import text

    monkeypatch.setattr(text, "MAX_FIELD", 3 << 20)  # the real limit is 64 MB; the check is the same
    body = person(0) + person(1) + "niche,P2,Ann," + "x" * (4 << 20) + ",2010-01-01\n"
    with pytest.raises(FileError) as err:
        ingest([write(tmp_path, HEADER + body)], Lake(tmp_path / "lake"))
    assert err.value.line == 4 and "longer than 3 MB" in err.value.reason


# 4. One normalisation, whichever parser reads the file.


def test_a_surname_of_only_a_non_breaking_space_is_missing_on_both_parsers(tmp_path: Path) -> None:
    body = person(0) + "niche,P1,Ann,\u00a0,2010-01-01\n" + "niche,P2,\tAnn\u00a0,Smith\t,2010-01-01\n"
    for parser in ("auto", "exact"):
        lake = Lake(tmp_path / f"lake-{parser}")
        result = ingest([write(tmp_path, HEADER + body)], lake, max_reject_rate=1.0, parser=parser)
        assert (result.rows_loaded, result.rows_quarantined) == (2, 1), parser
        assert [(p["line"], p["field"]) for p in quarantine(lake, result.load_id)] == [(3, "surname")]
        assert [(r["forenames"], r["surname"]) for r in loaded(lake)][1] == ("Ann", "Smith"), parser


cell = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
    st.sampled_from(["", " ", "\u00a0", "\t x \t", "n/a", " NULL ", "2010-01-02", "02/01/2010", '"', "a\nb", "\r"]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell, min_size=5, max_size=5), min_size=1, max_size=15))
def test_both_parsers_load_and_quarantine_exactly_the_same(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
) -> None:
    folder = tmp_path_factory.mktemp("diff")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_system", "person_ref", "forenames", "surname", "date_of_birth"])
    writer.writerows([["niche", *r[1:]] for r in rows])
    path = folder / "persons-2024-03.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    outcomes = []
    for parser in ("auto", "exact"):
        lake = Lake(folder / f"lake-{parser}")
        try:
            result = ingest([path], lake, max_reject_rate=1.0, parser=parser)
        except FileError as exc:
            outcomes.append(("refused", exc.line, exc.field))
            continue
        data = (
            [{k: v for k, v in r.items() if k not in ("_load_id", "load_id")} for r in loaded(lake)]
            if result.load_id
            else []
        )
        problems = sorted((p["line"], p["field"], p["reason"]) for p in quarantine(lake, result.load_id))
        outcomes.append(
            ("loaded", result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_duplicate, data,
             problems)
        )  # fmt: skip
    assert outcomes[0] == outcomes[1]


# 5. Different rows never share a row hash, so deduplication cannot drop one.


def test_rows_that_joined_alike_under_the_old_separator_are_both_loaded(tmp_path: Path) -> None:
    body = "niche,P1,x\x1fy,z,2010-01-01\n" + "niche,P1,x,y\x1fz,2010-01-01\n"
    result = ingest([write(tmp_path, HEADER + body)], Lake(tmp_path / "lake"))
    assert (result.rows_loaded, result.rows_duplicate) == (2, 0)


def test_a_lake_written_with_the_old_hash_still_recognises_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lake = Lake(tmp_path / "lake")
    first = HEADER + "".join(person(i) for i in range(5))
    with monkeypatch.context() as old:
        old.setattr(validate_module, "_row_hash_sql", validate_module.legacy_row_hash_sql)
        ingest([write(tmp_path, first, "persons-2024-03.csv")], lake)
    assert all(len(str(r["_row_hash"])) == 32 for r in loaded(lake))
    again = ingest([write(tmp_path, first + person(5), "persons-2024-04.csv")], lake)
    assert (again.rows_loaded, again.rows_duplicate) == (1, 5)


# A file named on the command line that cannot be loaded is a refusal, not a skip.


def test_a_named_file_of_no_known_record_type_refuses_the_load(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + person(0), "bad.csv")
    with pytest.raises(FileError) as err:
        ingest([path], Lake(tmp_path / "lake"))
    assert err.value.path == path and "record type" in err.value.reason and "--mapping" in err.value.reason


def test_an_unrecognised_file_inside_a_folder_is_listed_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    write(folder, HEADER + person(0), "bad.csv")
    write(folder, HEADER + person(1))
    result = ingest([folder], Lake(tmp_path / "lake"))
    assert result.rows_loaded == 1 and [Path(s["path"]).name for s in result.files_skipped] == ["bad.csv"]
